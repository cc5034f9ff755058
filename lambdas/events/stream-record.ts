/**
 * Converts DynamoDB stream records (AttributeValue images) into StreamChanges, for both shapes
 * they arrive in: Lambda's event (times in epoch seconds) and the Streams API's records that the
 * local follower reads (times as Dates). Records without a sequence number or event name cannot
 * be placed in order and are skipped.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
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
export function toSequencedChange(record: DynamoDBRecord): SequencedChange | undefined {
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
