/**
 * Converts Lambda's DynamoDB stream records (AttributeValue images) into StreamChanges.
 * Records without a sequence number or event name cannot be placed in order and are skipped.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import type { SequencedChange } from './stream-batch';

type Image = Record<string, LambdaAttributeValue>;

export function toSequencedChange(record: DynamoDBRecord): SequencedChange | undefined {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  const eventName = record.eventName;
  if (!sequenceNumber || !eventName) return undefined;
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    recordId: record.eventID ?? sequenceNumber,
    sequenceNumber,
    eventName,
    ...(created !== undefined ? { time: new Date(created * 1000) } : {}),
    ...imageField('oldImage', record.dynamodb?.OldImage),
    ...imageField('newImage', record.dynamodb?.NewImage),
  };
}

function imageField(name: 'oldImage' | 'newImage', image: Image | undefined): Record<string, unknown> {
  if (!image) return {};
  // The Lambda event and the SDK describe the same wire shape with two nominal types.
  return { [name]: unmarshall(image as unknown as Record<string, AttributeValue>) };
}
