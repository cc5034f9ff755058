/**
 * Per-tenant fairness over real HTTP through the local server (issue 18 item 2): the gate in
 * front of the handlers gives each tenant its own token bucket (an override from the token
 * document, or the default) and callers without a valid token one shared, smaller bucket. The
 * gate's clock is frozen, so the counts are exact: tenant A past its limit gets 429 + Retry-After
 * as SCIM JSON while tenant B's requests in the same window all succeed, at unchanged latency.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TENANT_RATE_LIMIT } from '../../lambdas/auth/rate-limit';
import { sha256Hex } from '../../lambdas/auth/token-hash';
import { staticTokenSource } from '../../lambdas/auth/token-source';
import { BEARER_CHALLENGE } from '../../lambdas/deployment';
import { createLocalServer, listen } from '../../local/http-server';
import { tenantGate } from '../../local/tenant-gate';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c'];
/** Tenant A's override in the token document: 2 requests/s, burst 5. */
const A_LIMIT = { rate: 2, burst: 5 };
const STRANGERS = { rate: 1, burst: 4 };

let client: ScimTestClient;
let server: Server;
let base: string;
let clock = 0;

beforeAll(async () => {
  client = await createScimTestClient({ tenants: TENANTS });
  const source = staticTokenSource({
    tokens: [
      ...TENANTS.map((tenant) => ({
        id: `tok-${tenant}`,
        tenant,
        label: tenant,
        sha256: sha256Hex(client.tokenFor(tenant)),
        createdAt: '2026-01-01T00:00:00.000Z',
      })),
      {
        id: 'tok-tenant-a-reader',
        tenant: 'tenant-a',
        label: 'console',
        sha256: sha256Hex(client.readTokenFor('tenant-a')),
        createdAt: '2026-01-01T00:00:00.000Z',
        scope: 'read' as const,
      },
    ],
    limits: { 'tenant-a': A_LIMIT },
  });
  server = createLocalServer(client.handlers, {
    gate: tenantGate({ source, strangers: STRANGERS, now: () => clock }),
  });
  base = `http://127.0.0.1:${await listen(server, 0)}/scim/v2`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
});

async function get(tenant: string | undefined, authorization?: string) {
  const started = performance.now();
  const res = await fetch(`${base}/Users?count=1`, {
    headers: {
      Accept: 'application/scim+json',
      ...(tenant ? { Authorization: `Bearer ${client.tokenFor(tenant)}` } : {}),
      ...(authorization ? { Authorization: authorization } : {}),
    },
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function sequential(tenant: string, n: number) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await get(tenant));
  return results;
}

describe('per-tenant rate limits in front of the handlers', () => {
  it('tenant A past its limit gets 429 + Retry-After (SCIM JSON) while tenant B in the same window all succeed', async () => {
    clock = 0;
    // B's baseline latency after a warm-up, before A does anything (B's default burst is 20: 13 fit).
    await sequential('tenant-b', 3);
    const baseline = await sequential('tenant-b', 5);
    expect(baseline.map((r) => r.status)).toEqual(Array(5).fill(200));

    // A floods (40 at once, 8× its burst) while B sends its own requests one after another.
    const [flood, during] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, () => get('tenant-a'))),
      sequential('tenant-b', 5),
    ]);
    const aStatuses = flood.map((r) => r.status);
    expect(aStatuses.filter((s) => s === 200)).toHaveLength(A_LIMIT.burst);
    expect(aStatuses.filter((s) => s === 429)).toHaveLength(40 - A_LIMIT.burst);
    for (const rejected of flood.filter((r) => r.status === 429)) {
      expect(rejected.headers.get('retry-after')).toBe('1'); // one request back after 1/2 s → 1 s
      expect(rejected.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(rejected.body).toEqual({ schemas: [ERROR_SCHEMA], status: '429', detail: 'Too Many Requests' });
    }
    // Every request B sent in A's window succeeded.
    expect(during.map((r) => r.status)).toEqual(Array(5).fill(200));
    // …at B's usual latency: rejecting A costs no DynamoDB work and B's bucket is its own.
    const before = median(baseline.map((r) => r.ms));
    const after = median(during.map((r) => r.ms));
    expect(after).toBeLessThan(before * 3 + 25);

    // A's bucket refills at its own rate: after 1 s, exactly 2 more.
    clock += 1000;
    const refill = await Promise.all(Array.from({ length: 4 }, () => get('tenant-a')));
    expect(refill.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
  });

  it("a tenant's read tokens have a bucket of their own: a reader's flood cannot delay its identity provider", async () => {
    clock = 5_000_000;
    const reader = `Bearer ${client.readTokenFor('tenant-a')}`;
    const [reads, writes] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, () => get(undefined, reader))),
      Promise.all(Array.from({ length: A_LIMIT.burst }, () => get('tenant-a'))),
    ]);
    expect(reads.filter((r) => r.status === 200)).toHaveLength(A_LIMIT.burst);
    expect(reads.filter((r) => r.status === 429)).toHaveLength(30 - A_LIMIT.burst);
    // The write token's burst is whole, whatever the reader did in the same window.
    expect(writes.map((r) => r.status)).toEqual(Array(A_LIMIT.burst).fill(200));
  });

  it('a tenant without an override gets the default limit', async () => {
    clock = 10_000_000;
    const burst = DEFAULT_TENANT_RATE_LIMIT.burst;
    const results = await Promise.all(Array.from({ length: burst + 5 }, () => get('tenant-c')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(burst);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
  });

  it('callers without a valid token share one small bucket of their own: a flood of them cannot starve A or B', async () => {
    clock = 20_000_000;
    const strangers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0 ? get(undefined) : get(undefined, `Bearer not-a-token-${i}-0123456789abcdefghijklmn`),
      ),
    );
    const statuses = strangers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(STRANGERS.burst);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - STRANGERS.burst);
    // The 401 is the gateway's own (as deployed: the authorizer's "Unauthorized"): a real challenge.
    const unauthorized = strangers.find((r) => r.status === 401);
    expect(unauthorized?.headers.get('www-authenticate')).toBe(BEARER_CHALLENGE);
    expect(unauthorized?.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail: 'Unauthorized' });
    // Strangers still over their cap; the tenants' buckets are untouched.
    expect((await get(undefined)).status).toBe(429);
    const tenants = await Promise.all([
      ...Array.from({ length: A_LIMIT.burst }, () => get('tenant-a')),
      ...Array.from({ length: 10 }, () => get('tenant-b')),
    ]);
    expect(tenants.map((r) => r.status)).toEqual(Array(A_LIMIT.burst + 10).fill(200));
  });
});
