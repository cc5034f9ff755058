/**
 * Webhooks, second half: queued feed entries → one signed POST each to the configured URL.
 * A failed attempt waits on the queue for the retry schedule (docs/WEBHOOKS.md) and counts one
 * `WebhookDeliveryFailures`; after the last attempt SQS moves the message to the dead-letter
 * queue. The signing secret is read from Secrets Manager (cached) and never logged; neither
 * are the URL or the body.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { secretsManagerCursorKeys } from '../auth/cursor-keys';
import { METRIC_NAMESPACE, WEBHOOK_ENV, WEBHOOK_METRICS } from '../deployment';
import { createWebhookSendHandler, type DeliverOptions, sqsDelay } from '../events/webhook-queue';
import { publishMetrics } from '../observability/emf';

/** How long the signing secret is cached: a changed secret is used within this time. */
const SECRET_CACHE_SECONDS = 300;

let production: DeliverOptions | undefined;
const productionOptions = (): DeliverOptions => {
  if (!production) {
    const url = process.env[WEBHOOK_ENV.url];
    const secretId = process.env[WEBHOOK_ENV.secretId];
    const queueUrl = process.env[WEBHOOK_ENV.queueUrl];
    if (!url || !secretId || !queueUrl)
      throw new Error(`${WEBHOOK_ENV.url}, ${WEBHOOK_ENV.secretId} and ${WEBHOOK_ENV.queueUrl} must be set`);
    // The same cached, coalesced secret read as the cursor key (current version signs).
    const keys = secretsManagerCursorKeys({ secretId, ttlSeconds: SECRET_CACHE_SECONDS });
    production = {
      url,
      secret: async () => {
        const [current] = await keys();
        if (!current) throw new Error('The webhook signing secret has no value');
        return current;
      },
      delay: sqsDelay(new SQSClient({}), queueUrl),
    };
  }
  return production;
};

export const handler = createWebhookSendHandler(productionOptions, (failures) =>
  publishMetrics({
    namespace: METRIC_NAMESPACE,
    service: WEBHOOK_METRICS.service,
    metrics: [{ name: WEBHOOK_METRICS.failures, unit: 'Count', value: failures }],
  }),
);
