/**
 * The Lambda side of the stream functions. Converts DynamoDB stream records (AttributeValue
 * images) into StreamChanges, for both shapes they arrive in: Lambda's event (times in epoch
 * seconds) and the Streams API's records that the local follower reads (times as Dates). Records
 * without a sequence number or event name cannot be placed in order and are skipped. Also the
 * batch response both stream functions answer with, and the change-event publisher's body.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../observability/logger';
import type { EventSink } from './event-sink';
import { publishStreamBatch, type SequencedChange, type TableWrites } from './stream-batch';

type Image = Record<string, AttributeValue>;

export interface RawStreamRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly sequenceNumber?: string;
  readonly approximateTime?: Date;
  readonly oldImage?: Image;
  readonly newImage?: Image;
}

export function sequencedChangeOf(record: RawStreamRecord): SequencedChange | undefined {
  const { sequenceNumber, eventName } = record;
  if (!sequenceNumber || !eventName) return undefined;
  return {
    recordId: record.eventID ?? sequenceNumber,
    sequenceNumber,
    eventName,
    ...(record.approximateTime ? { time: record.approximateTime } : {}),
    ...(record.oldImage ? { oldImage: unmarshall(record.oldImage) } : {}),
    ...(record.newImage ? { newImage: unmarshall(record.newImage) } : {}),
  };
}

/** Lambda's stream event record. */
function toSequencedChange(record: DynamoDBRecord): SequencedChange | undefined {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  // The Lambda event and the SDK describe the same wire shape with two nominal types.
  const image = (value: unknown): Image | undefined => value as Image | undefined;
  return sequencedChangeOf({
    ...(record.eventID ? { eventID: record.eventID } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    ...(record.dynamodb?.SequenceNumber ? { sequenceNumber: record.dynamodb.SequenceNumber } : {}),
    ...(created !== undefined ? { approximateTime: new Date(created * 1000) } : {}),
    ...(record.dynamodb?.OldImage ? { oldImage: image(record.dynamodb.OldImage) } : {}),
    ...(record.dynamodb?.NewImage ? { newImage: image(record.dynamodb.NewImage) } : {}),
  });
}

/** A stream batch's changes in order (records that are not changes are left out). */
export function sequencedChanges(event: DynamoDBStreamEvent): SequencedChange[] {
  return event.Records.map(toSequencedChange).filter((c): c is SequencedChange => c !== undefined);
}

/**
 * A stream function's answer (ReportBatchItemFailures): Lambda sends the batch again from
 * `failedFrom`, the first record not fully handled, which is logged as `failure` with `counts`
 * and the error (name and message); nothing when every record was handled.
 */
export function batchResponse(
  event: DynamoDBStreamEvent,
  outcome: { readonly failedFrom?: string; readonly error?: unknown },
  failure: string,
  counts: Readonly<Record<string, number>>,
): DynamoDBBatchResponse {
  const { failedFrom, error } = outcome;
  if (failedFrom === undefined) return { batchItemFailures: [] };
  logger.error(failure, {
    records: event.Records.length,
    ...counts,
    failedFrom,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  return { batchItemFailures: [{ itemIdentifier: failedFrom }] };
}

/** now − the newest record's ApproximateCreationDateTime: how far the feed trails the table. */
function feedLagMs(changes: readonly SequencedChange[], now: number = Date.now()): number | undefined {
  const newest = changes.reduce((max, c) => Math.max(max, c.time?.getTime() ?? 0), 0);
  return newest > 0 ? Math.max(now - newest, 0) : undefined;
}

/**
 * The stream consumer's body: one batch published in order (publishStreamBatch); partial failures
 * are reported per record (ReportBatchItemFailures), so Lambda retries from the first record not
 * fully written, and after the mapping's retries the batch goes to the DLQ.
 */
export function createEventsHandler(
  sink: () => EventSink,
  includeResource: boolean,
  reportLag: (ms: number) => void = () => undefined,
  tableWrites: TableWrites = {},
) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = sequencedChanges(event);
    const outcome = await publishStreamBatch(changes, sink(), { includeResource, ...tableWrites });
    if (outcome.failedFrom === undefined) {
      const lag = feedLagMs(changes);
      if (lag !== undefined && outcome.published > 0) reportLag(lag);
      logger.info('change events published', { records: event.Records.length, events: outcome.published });
    }
    return batchResponse(event, outcome, 'publishing change events failed', { published: outcome.published });
  };
}
