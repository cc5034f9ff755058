/**
 * Webhooks, first half: the table stream's second reader (its event source mapping lets only
 * INSERTs of feed entries through) → one SQS message per entry. Partial failures are reported
 * per record, so Lambda redelivers from the first record not queued (docs/WEBHOOKS.md).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { WEBHOOK_ENV } from '../deployment';
import { batchResponse, sequencedChanges } from '../events/stream-record';
import { enqueueWebhooks, sqsWebhookQueue, type WebhookQueue } from '../events/webhook-queue';

export function createWebhookEnqueueHandler(
  queue: () => WebhookQueue,
  issuer: string | undefined = process.env[WEBHOOK_ENV.issuer],
) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const outcome = await enqueueWebhooks(sequencedChanges(event), queue(), issuer);
    return batchResponse(event, outcome, 'queueing webhooks failed', { queued: outcome.queued });
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
