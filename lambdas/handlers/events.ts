/**
 * Stream publisher: DynamoDB stream batch → change events on the stack's EventBridge bus.
 * Partial failures are reported per record (ReportBatchItemFailures), so Lambda retries from the
 * first record not fully published; after the mapping's retries the batch goes to the DLQ.
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { EVENTS_ENV } from '../deployment';
import { type EventSink, eventBridgeSink } from '../events/event-sink';
import { publishStreamBatch, type SequencedChange } from '../events/stream-batch';
import { toSequencedChange } from '../events/stream-record';
import { logger } from '../observability/logger';

export function createEventsHandler(sink: () => EventSink, includeResource: boolean) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = event.Records.map(toSequencedChange).filter((c): c is SequencedChange => c !== undefined);
    const outcome = await publishStreamBatch(changes, sink(), { includeResource });
    if (outcome.failedFrom === undefined) {
      logger.info('change events published', { records: event.Records.length, events: outcome.published });
      return { batchItemFailures: [] };
    }
    logger.error('publishing change events failed', {
      records: event.Records.length,
      published: outcome.published,
      failedFrom: outcome.failedFrom,
      error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
    });
    return { batchItemFailures: [{ itemIdentifier: outcome.failedFrom }] };
  };
}

let eventBridge: EventSink | undefined;
const productionSink = (): EventSink => {
  if (!eventBridge) {
    const busName = process.env[EVENTS_ENV.busName];
    if (!busName) throw new Error(`${EVENTS_ENV.busName} is not set`);
    eventBridge = eventBridgeSink(new EventBridgeClient({}), busName);
  }
  return eventBridge;
};

export const handler = createEventsHandler(
  productionSink,
  process.env[EVENTS_ENV.includeResource] === 'true',
);
