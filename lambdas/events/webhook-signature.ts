/**
 * Webhook signatures (docs/WEBHOOKS.md): HMAC-SHA256 with the stack's signing secret over
 * `<timestamp>.<raw body>`, sent as `X-Scim-Webhook-Signature: v1=<hex>` next to
 * `X-Scim-Webhook-Timestamp: <unix seconds>`. The sender signs every attempt anew, so a receiver
 * rejects anything older than the replay window. `verifyWebhook` is what a receiver runs: it
 * compares in constant time and accepts several secrets (the old and new one during a change).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  id: 'x-scim-webhook-id',
  timestamp: 'x-scim-webhook-timestamp',
  signature: 'x-scim-webhook-signature',
} as const;

/** How far a timestamp may be from the receiver's clock, either way. */
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

const SCHEME = 'v1=';

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The headers of one delivery attempt of `body`, signed at `nowSeconds`. */
export function signWebhook(
  secret: string,
  body: string,
  id: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(Math.floor(nowSeconds));
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: timestamp,
    [WEBHOOK_HEADERS.signature]: `${SCHEME}${hmac(secret, timestamp, body).toString('hex')}`,
  };
}

export type WebhookVerification =
  | { readonly valid: true; readonly timestamp: number }
  | { readonly valid: false; readonly reason: 'missing-header' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifyWebhookInput {
  /** The raw request body, exactly as received (not re-serialised JSON). */
  readonly body: string | Uint8Array;
  /** Request headers; names are matched case-insensitively. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The signing secret, or several (accepted while a secret is being changed). */
  readonly secrets: string | readonly string[];
  readonly nowSeconds?: number;
  readonly toleranceSeconds?: number;
}

export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const header = (name: string): string | undefined => {
    const entry = Object.entries(input.headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(entry) ? entry[0] : (entry as string | undefined);
  };
  const timestamp = header(WEBHOOK_HEADERS.timestamp);
  const signature = header(WEBHOOK_HEADERS.signature);
  if (timestamp === undefined || signature === undefined) return { valid: false, reason: 'missing-header' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^v1=[0-9a-f]{64}$/.test(signature))
    return { valid: false, reason: 'malformed' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_REPLAY_WINDOW_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance) return { valid: false, reason: 'stale' };
  const given = Buffer.from(signature.slice(SCHEME.length), 'hex');
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  // Every secret is tried (no early exit), and each comparison is constant-time.
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(hmac(secret, timestamp, input.body), given)) matched = true;
  }
  return matched ? { valid: true, timestamp: Number(timestamp) } : { valid: false, reason: 'mismatch' };
}
