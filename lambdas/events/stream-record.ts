/**
 * Converts DynamoDB stream records (AttributeValue images) into StreamChanges, for both shapes
 * they arrive in: Lambda's event (times in epoch seconds) and the Streams API's records that the
 * local follower reads (times as Dates). Records without a sequence number or event name cannot
 * be placed in order and are skipped.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../observability/logger';
import type { SequencedChange } from './stream-batch';

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
