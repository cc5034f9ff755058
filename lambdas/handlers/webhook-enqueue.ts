/**
 * Webhooks, first half: the table stream's second reader (its event source mapping lets only
 * INSERTs of feed entries through) → one SQS message per entry. Partial failures are reported
 * per record, so Lambda redelivers from the first record not queued (docs/WEBHOOKS.md).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { WEBHOOK_ENV } from '../deployment';
import type { SequencedChange } from '../events/stream-batch';
import { toSequencedChange } from '../events/stream-record';
import { enqueueWebhooks, sqsWebhookQueue, type WebhookQueue } from '../events/webhook-queue';
import { logger } from '../observability/logger';

export function createWebhookEnqueueHandler(queue: () => WebhookQueue) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = event.Records.map(toSequencedChange).filter((c): c is SequencedChange => c !== undefined);
    const outcome = await enqueueWebhooks(changes, queue());
    if (outcome.failedFrom === undefined) return { batchItemFailures: [] };
    logger.error('queueing webhooks failed', {
      records: event.Records.length,
      queued: outcome.queued,
      failedFrom: outcome.failedFrom,
      error: outcome.error instanceof Error ? outcome.error.name : String(outcome.error),
    });
    return { batchItemFailures: [{ itemIdentifier: outcome.failedFrom }] };
  };
}

let sqs: WebhookQueue | undefined;
const productionQueue = (): WebhookQueue => {
  if (!sqs) {
    const queueUrl = process.env[WEBHOOK_ENV.queueUrl];
    if (!queueUrl) throw new Error(`${WEBHOOK_ENV.queueUrl} is not set`);
    sqs = sqsWebhookQueue(new SQSClient({}), queueUrl);
  }
  return sqs;
};

export const handler = createWebhookEnqueueHandler(productionQueue);
