/**
 * Webhook push of change-feed entries (docs/WEBHOOKS.md), in three pure-ish steps shared by the
 * Lambda functions and the local server: a stream record of a new feed entry → the message to
 * deliver; one signed POST → its outcome; an outcome and the attempt number → deliver, retry
 * after a delay (the retry policy's backoff ceiling, or a longer Retry-After), or give up
 * (dead-letter). Delivery is at least once and unordered; receivers de-duplicate by `jti`.
 */

import { backoffCeilingMs, type RetryPolicy } from '../retry';
import { FEED_ENTRY_SK_PREFIX, isFeedEntryKey } from '../store/keys';
import type { StreamChange } from './change-events';
import { signWebhook } from './webhook-signature';

/**
 * 10 attempts; before attempt n+1 the message waits min(4 h, 30 s · 2^n): 1, 2, 4, 8, 16, 32,
 * 64, 128 and 240 minutes, 8 h 15 min from the first attempt to the last; then dead-lettered.
 */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 10, baseMs: 30_000, capMs: 4 * 3_600_000 };

/** SQS's longest visibility timeout, the upper bound of any delay (a Retry-After included). */
const MAX_DELAY_SECONDS = 12 * 3600;

/** One POST waits at most this long for an answer. */
const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookMessage {
  /** The SET's `jti`: stable across redelivery, the receiver's de-duplication key. */
  readonly id: string;
  /** The JSON body, exactly as it is signed and sent: `{"tenant": …, "set": {…}}`. */
  readonly body: string;
}

/**
 * The message for a stream record that inserted a feed entry; undefined for any other record.
 * `issuer` becomes the SET's `iss` (RFC 8417 §2.2), as GET /Events adds it when serving.
 */
export function webhookMessageOf(change: StreamChange, issuer?: string): WebhookMessage | undefined {
  const item = change.newImage;
  if (change.eventName !== 'INSERT' || !item || !isFeedEntryKey(item.PK, item.SK)) return undefined;
  const set = item.set;
  const tenant = item.tenant;
  if (typeof set !== 'object' || set === null || Array.isArray(set) || typeof tenant !== 'string')
    return undefined;
  const jti = (set as Record<string, unknown>).jti;
  const id = typeof jti === 'string' && jti !== '' ? jti : String(item.SK).slice(FEED_ENTRY_SK_PREFIX.length);
  return { id, body: JSON.stringify({ tenant, set: issuer !== undefined ? { iss: issuer, ...set } : set }) };
}

export interface DeliveryOutcome {
  /** HTTP status, when the receiver answered. */
  readonly status?: number;
  /** Retry-After of a 429 or 503, in seconds. */
  readonly retryAfterSeconds?: number;
  /** Why no status: timeout, refused connection, DNS… (never the body or the secret). */
  readonly error?: string;
}

export type DeliveryDecision =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly delaySeconds: number }
  | { readonly kind: 'give-up' };

/** What to do after attempt `attempt` (1-based) ended with `outcome`. */
export function deliveryDecision(
  outcome: DeliveryOutcome,
  attempt: number,
  policy: RetryPolicy = WEBHOOK_RETRY,
): DeliveryDecision {
  if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300)
    return { kind: 'delivered' };
  if (attempt >= policy.attempts) return { kind: 'give-up' };
  const scheduled = Math.ceil(backoffCeilingMs(policy, attempt) / 1000);
  const asked = outcome.retryAfterSeconds ?? 0;
  return { kind: 'retry', delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(scheduled, asked)) };
}

/** Retry-After as seconds (delta or HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

export interface PostOptions {
  readonly url: string;
  readonly secret: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly nowSeconds?: number;
}

/** One signed POST of `message`. Never throws: every failure is an outcome. Redirects are not followed. */
export async function postWebhook(message: WebhookMessage, options: PostOptions): Promise<DeliveryOutcome> {
  const send = options.fetch ?? fetch;
  try {
    const response = await send(options.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'scim-serverless-webhooks',
        ...signWebhook(options.secret, message.body, message.id, options.nowSeconds),
      },
      body: message.body,
    });
    // The answer's body is not used; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    const retryAfter =
      response.status === 429 || response.status === 503
        ? retryAfterSeconds(response.headers.get('retry-after'))
        : undefined;
    return {
      status: response.status,
      ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    };
  } catch (error) {
    return { error: failureName(error) };
  }
}

/** `TimeoutError`, `TypeError (ECONNREFUSED)`…: what went wrong, without any request data. */
function failureName(error: unknown): string {
  if (!(error instanceof Error)) return 'Error';
  const cause = error.cause as { code?: unknown; errors?: { code?: unknown }[] } | undefined;
  // Node's fetch wraps the socket error; a refused dual-stack connect is an AggregateError.
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}
