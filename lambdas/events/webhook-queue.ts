/**
 * The two halves of webhook push around the SQS queue (docs/WEBHOOKS.md):
 *  - enqueue: stream records of new feed entries → queue messages, in record order, reporting the
 *    first record not queued so Lambda redelivers from there (as the change-event publisher does);
 *  - deliver: queued messages → one signed POST each; a failed attempt is hidden for the retry
 *    delay (ChangeMessageVisibility) and reported as a batch item failure; after the last attempt
 *    it is made visible at once, so its next receive exceeds maxReceiveCount and SQS moves it to
 *    the dead-letter queue.
 */
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../observability/logger';
import { sendInBatches } from './batch-send';
import type { SequencedChange } from './stream-batch';
import {
  type DeliveryDecision,
  type DeliveryOutcome,
  deliveryDecision,
  type PostOptions,
  postWebhook,
  type WebhookMessage,
  webhookMessageOf,
} from './webhook-delivery';

export interface WebhookQueue {
  /** Queues every message or throws. */
  send(messages: readonly WebhookMessage[]): Promise<void>;
}

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH = 10;

export function sqsWebhookQueue(client: SQSClient, queueUrl: string): WebhookQueue {
  return {
    send: (messages) =>
      sendInBatches(
        // Ids are unique within each batch of SQS_BATCH and kept when an entry is sent again.
        messages.map((message, i) => ({ Id: String(i % SQS_BATCH), MessageBody: JSON.stringify(message) })),
        SQS_BATCH,
        'SQS',
        async (batch: readonly SendMessageBatchRequestEntry[]) => {
          const result = await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [...batch] }),
          );
          const failed = new Set((result.Failed ?? []).map((f) => f.Id));
          return batch.filter((entry) => failed.has(entry.Id));
        },
      ),
  };
}

export interface EnqueueOutcome {
  readonly queued: number;
  /** Sequence number of the first record whose message was not queued. */
  readonly failedFrom?: string;
  readonly error?: unknown;
}

export async function enqueueWebhooks(
  changes: readonly SequencedChange[],
  queue: WebhookQueue,
  issuer?: string,
): Promise<EnqueueOutcome> {
  const pending = changes.flatMap((change) => {
    const message = webhookMessageOf(change, issuer);
    return message ? [{ message, sequenceNumber: change.sequenceNumber }] : [];
  });
  let queued = 0;
  for (let start = 0; start < pending.length; start += SQS_BATCH) {
    const chunk = pending.slice(start, start + SQS_BATCH);
    try {
      await queue.send(chunk.map((p) => p.message));
    } catch (error) {
      return { queued, failedFrom: chunk[0]?.sequenceNumber, error };
    }
    queued += chunk.length;
  }
  return { queued };
}

export interface DeliverOptions extends Omit<PostOptions, 'secret'> {
  readonly secret: () => Promise<string>;
  /** Hides a message for `seconds` (0: visible now). */
  readonly delay: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Told of every attempt that did not deliver (metrics, logs). */
  readonly onFailure?: (failure: {
    id: string;
    attempt: number;
    outcome: DeliveryOutcome;
    decision: DeliveryDecision;
  }) => void;
}

export function sqsDelay(client: SQSClient, queueUrl: string): DeliverOptions['delay'] {
  return async (receiptHandle, seconds) => {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}

/** Delivers a batch of queued messages concurrently; the response names those to receive again. */
export async function deliverQueued(
  records: readonly SQSRecord[],
  options: DeliverOptions,
): Promise<SQSBatchResponse> {
  const secret = await options.secret();
  const failed = await Promise.all(
    records.map(async (record): Promise<string | undefined> => {
      const attempt = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
      const message = parseMessage(record.body);
      const outcome: DeliveryOutcome = message
        ? await postWebhook(message, { ...options, secret })
        : { error: 'UnreadableMessage' };
      // An unreadable message never becomes deliverable: give up on it at once.
      const decision = message ? deliveryDecision(outcome, attempt) : ({ kind: 'give-up' } as const);
      if (decision.kind === 'delivered') return undefined;
      options.onFailure?.({ id: message?.id ?? record.messageId, attempt, outcome, decision });
      await options
        .delay(record.receiptHandle, decision.kind === 'retry' ? decision.delaySeconds : 0)
        // Without the new visibility the message still returns, after the queue's default.
        .catch(() => undefined);
      return record.messageId;
    }),
  );
  return {
    batchItemFailures: failed
      .filter((id): id is string => id !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}

function parseMessage(text: string): WebhookMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<WebhookMessage> | null;
    return typeof value?.id === 'string' && typeof value.body === 'string'
      ? { id: value.id, body: value.body }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deliver function's body: each failed attempt is logged (id, attempt, status, what happens
 * next; never the URL or the body) and the batch's failure count goes to `countFailures`.
 */
export function createWebhookSendHandler(
  options: () => DeliverOptions,
  countFailures?: (failures: number) => void,
) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    let failures = 0;
    const base = options();
    const response = await deliverQueued(event.Records, {
      ...base,
      onFailure: (failure) => {
        failures++;
        logger.warn('webhook delivery failed', {
          id: failure.id,
          attempt: failure.attempt,
          status: failure.outcome.status,
          error: failure.outcome.error,
          next:
            failure.decision.kind === 'retry' ? `retry in ${failure.decision.delaySeconds} s` : 'dead-letter',
        });
        base.onFailure?.(failure);
      },
    });
    countFailures?.(failures);
    return response;
  };
}
