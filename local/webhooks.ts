/**
 * Webhook push on the local server (SCIM_WEBHOOK_URL + SCIM_WEBHOOK_SECRET): the stream follower
 * hands it every batch of records, and it delivers new feed entries with the same message, signed
 * POST and retry decision as the Lambda sender. The queue is this process's memory: a retry waits
 * on a timer, and a message that fails its last attempt is reported, not kept. A restart loses
 * pending retries; the deployed stack keeps them on SQS (docs/WEBHOOKS.md).
 */
import type { SequencedChange } from '../lambdas/events/stream-batch';
import {
  type DeliveryDecision,
  type DeliveryOutcome,
  deliveryDecision,
  postWebhook,
  WEBHOOK_RETRY,
  type WebhookMessage,
  webhookMessageOf,
} from '../lambdas/events/webhook-delivery';
import type { RetryPolicy } from '../lambdas/retry';
import { escapeControl } from './escape-control';

interface Attempt {
  readonly id: string;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  readonly decision: DeliveryDecision;
}

export interface LocalWebhookOptions {
  readonly url: string;
  readonly secret: string;
  /** The pushed SETs' `iss` (the server's base URL), known once the server listens. */
  readonly issuer?: () => string | undefined;
  /** Default WEBHOOK_RETRY; tests pass a faster one. */
  readonly policy?: RetryPolicy;
  /** Seconds of the policy's delays are this many milliseconds (default 1000). */
  readonly msPerSecond?: number;
  readonly onAttempt?: (attempt: Attempt) => void;
}

/** One terminal line per attempt: the event id, never the body, URL or secret. */
export function webhookAttemptLine(a: Attempt): string {
  const result = a.outcome.status !== undefined ? `HTTP ${a.outcome.status}` : (a.outcome.error ?? 'failed');
  const next =
    a.decision.kind === 'delivered'
      ? 'delivered'
      : a.decision.kind === 'retry'
        ? `retry in ${a.decision.delaySeconds} s`
        : 'gave up (dead letter)';
  return escapeControl(`webhook ${a.id} attempt ${a.attempt}: ${result}, ${next}`);
}

export interface LocalWebhooks {
  /** Queues the feed entries among `changes` for delivery. */
  enqueue(changes: readonly SequencedChange[]): void;
  /** Resolves when nothing is in flight or waiting for a retry. */
  idle(): Promise<void>;
  stop(): void;
}

export function localWebhooks(options: LocalWebhookOptions): LocalWebhooks {
  const policy = options.policy ?? WEBHOOK_RETRY;
  const msPerSecond = options.msPerSecond ?? 1000;
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let waiters: (() => void)[] = [];
  let stopped = false;
  const settle = (): void => {
    pending--;
    if (pending === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };
  const attempt = async (message: WebhookMessage, n: number): Promise<void> => {
    const outcome = await postWebhook(message, { url: options.url, secret: options.secret });
    const decision = deliveryDecision(outcome, n, policy);
    options.onAttempt?.({ id: message.id, attempt: n, outcome, decision });
    if (decision.kind !== 'retry' || stopped) {
      settle();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      void attempt(message, n + 1);
    }, decision.delaySeconds * msPerSecond);
    timers.add(timer);
  };
  return {
    enqueue(changes) {
      for (const change of changes) {
        const message = webhookMessageOf(change, options.issuer?.());
        if (!message || stopped) continue;
        pending++;
        void attempt(message, 1);
      }
    },
    idle() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      pending = 0;
      for (const resolve of waiters) resolve();
      waiters = [];
    },
  };
}
