/**
 * Webhook signatures as a receiver checks them: a genuine delivery verifies; a changed body,
 * timestamp or signature, a stale or future timestamp, another secret, or missing/malformed
 * headers do not. The receiver's function is the one docs/WEBHOOKS.md tells consumers to use.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  signWebhook,
  verifyWebhook,
  WEBHOOK_HEADERS,
  WEBHOOK_REPLAY_WINDOW_SECONDS,
} from '../../../lambdas/events/webhook-signature';

const SECRET = 'k'.repeat(64);
const NOW = 1_800_000_000;
const BODY = JSON.stringify({ tenant: 'acme', set: { jti: 'e1', iat: NOW, events: {} } });

describe('webhook signature', () => {
  const headers = signWebhook(SECRET, BODY, 'e1', NOW);

  it('sends the id, the timestamp in seconds and v1=<64 hex digits>', () => {
    expect(headers[WEBHOOK_HEADERS.id]).toBe('e1');
    expect(headers[WEBHOOK_HEADERS.timestamp]).toBe(String(NOW));
    expect(headers[WEBHOOK_HEADERS.signature]).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('verifies the genuine delivery (headers in any letter case, body as string or bytes)', () => {
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ body: BODY, headers: upper, secrets: SECRET, nowSeconds: NOW })).toEqual({
      valid: true,
      timestamp: NOW,
    });
    expect(verifyWebhook({ body: Buffer.from(BODY), headers, secrets: SECRET, nowSeconds: NOW }).valid).toBe(
      true,
    );
  });

  it('is the HMAC-SHA256 of "<timestamp>.<body>" (what the docs tell a receiver in another language)', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(headers[WEBHOOK_HEADERS.signature]).toBe(`v1=${expected}`);
  });

  it('rejects a tampered body', () => {
    const tampered = BODY.replace('acme', 'evil');
    expect(verifyWebhook({ body: tampered, headers, secrets: SECRET, nowSeconds: NOW })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('rejects a stale or future timestamp, at the edge of the replay window and beyond', () => {
    const at = (now: number) => verifyWebhook({ body: BODY, headers, secrets: SECRET, nowSeconds: now });
    expect(at(NOW + WEBHOOK_REPLAY_WINDOW_SECONDS).valid).toBe(true);
    expect(at(NOW + WEBHOOK_REPLAY_WINDOW_SECONDS + 1)).toEqual({ valid: false, reason: 'stale' });
    expect(at(NOW - WEBHOOK_REPLAY_WINDOW_SECONDS - 1)).toEqual({ valid: false, reason: 'stale' });
  });

  it('rejects a replay with a new timestamp but the old signature', () => {
    const replayed = { ...headers, [WEBHOOK_HEADERS.timestamp]: String(NOW + 10) };
    expect(
      verifyWebhook({ body: BODY, headers: replayed, secrets: SECRET, nowSeconds: NOW + 10 }).valid,
    ).toBe(false);
  });

  it('rejects another secret, and accepts either of two while the secret is being changed', () => {
    expect(verifyWebhook({ body: BODY, headers, secrets: 'other', nowSeconds: NOW }).valid).toBe(false);
    expect(verifyWebhook({ body: BODY, headers, secrets: ['new-one', SECRET], nowSeconds: NOW }).valid).toBe(
      true,
    );
    expect(verifyWebhook({ body: BODY, headers, secrets: [], nowSeconds: NOW }).valid).toBe(false);
  });

  it('rejects missing and malformed headers without throwing', () => {
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    const check = (h: Record<string, string>) =>
      verifyWebhook({ body: BODY, headers: h, secrets: SECRET, nowSeconds: NOW });
    expect(check(without(WEBHOOK_HEADERS.signature))).toEqual({ valid: false, reason: 'missing-header' });
    expect(check(without(WEBHOOK_HEADERS.timestamp))).toEqual({ valid: false, reason: 'missing-header' });
    for (const signature of ['sha256=abc', 'v1=', 'v1=zz', `v1=${'a'.repeat(63)}`, `v0=${'a'.repeat(64)}`]) {
      expect(check({ ...headers, [WEBHOOK_HEADERS.signature]: signature })).toEqual({
        valid: false,
        reason: 'malformed',
      });
    }
    for (const timestamp of ['', '1.5', '-1', 'now', '9'.repeat(13)]) {
      expect(check({ ...headers, [WEBHOOK_HEADERS.timestamp]: timestamp })).toEqual({
        valid: false,
        reason: 'malformed',
      });
    }
  });

  it('property: any change to the body fails verification; the unchanged body passes', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.nat(200),
        (body, insert, at) => {
          const signed = signWebhook(SECRET, body, 'id', NOW);
          expect(verifyWebhook({ body, headers: signed, secrets: SECRET, nowSeconds: NOW }).valid).toBe(true);
          const position = Math.min(at, body.length);
          const changed = body.slice(0, position) + insert + body.slice(position);
          expect(
            verifyWebhook({ body: changed, headers: signed, secrets: SECRET, nowSeconds: NOW }).valid,
          ).toBe(false);
        },
      ),
      { numRuns: 300, seed: 15 },
    );
  });
});
