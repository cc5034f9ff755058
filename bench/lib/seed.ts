/**
 * Users created through POST /Users, kept per tenant so sections can share them: the import's
 * users become the large group's members instead of being created twice.
 */
import type { BenchEnv, BenchTenant } from './env';
import { expectStatus } from './http-client';
import { progress, runPool, userBody } from './util';

export const SEED_CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY) || 16;

const pools = new Map<BenchTenant, string[]>();

/** Ids of at least `count` users in `tenant`, creating the missing ones. */
export async function ensureUsers(env: BenchEnv, tenant: BenchTenant, count: number): Promise<string[]> {
  const pool = pools.get(tenant) ?? [];
  pools.set(tenant, pool);
  const missing = count - pool.length;
  if (missing <= 0) return pool.slice(0, count);
  const client = env.direct(tenant);
  const start = pool.length;
  const started = Date.now();
  let done = 0;
  const created: string[] = new Array(missing);
  await runPool(missing, SEED_CONCURRENCY, async (i) => {
    const n = start + i;
    const response = await client.request('POST', '/Users', userBody(`seed.user${n}@${tenant}.example.com`));
    expectStatus(response, [201], 'create user');
    created[i] = String(response.body.id);
    done += 1;
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    progress(`  seeding ${tenant}: ${start + done}/${count} users (${Math.round(rate)}/s)`);
  });
  pool.push(...created);
  return pool.slice(0, count);
}

/** Number of users already created in `tenant` by this run. */
export function seededCount(tenant: BenchTenant): number {
  return pools.get(tenant)?.length ?? 0;
}
