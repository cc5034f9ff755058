/**
 * Users for the sections, kept per tenant so sections can share them: the import's users become
 * the large group's members instead of being created twice.
 *
 * Small pools are created through POST /Users (the handlers, in-process). Large pools would take
 * many minutes that way, because every create is a DynamoDB transaction and DynamoDB Local runs
 * them slowly, so they are cloned instead: one user is created through the API, the items the
 * store wrote for it are read back, and copies with a new id (UUIDv7, so listing order is
 * creation order) and a new userName are written with BatchWriteItem. The bench never needs to
 * know the item layout, and the clones are checked through the API (get by id, userName filter)
 * before they are used; if that check fails, seeding falls back to POST /Users.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/client';
import { adjustResourceCount } from '../../lambdas/store/counters';
import { uuidv7 } from '../../lambdas/store/ids';
import type { BenchEnv, BenchTenant, ScimClient } from './env';
import { expectStatus } from './http-client';
import { describeError, note, progress, runPool, userBody } from './util';

const SEED_CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY) || 16;

/** Below this many missing users, POST /Users is quick enough and needs no cloning. */
const CLONE_THRESHOLD = 300;

const pools = new Map<BenchTenant, string[]>();

const userNameOf = (tenant: BenchTenant, n: number): string => `seed.user${n}@${tenant}.example.com`;

/** Ids of at least `count` users in `tenant`, creating the missing ones. */
export async function ensureUsers(env: BenchEnv, tenant: BenchTenant, count: number): Promise<string[]> {
  const pool = pools.get(tenant) ?? [];
  pools.set(tenant, pool);
  const missing = count - pool.length;
  if (missing <= 0) return pool.slice(0, count);
  const client = env.direct(tenant);
  if (missing >= CLONE_THRESHOLD && process.env.BENCH_SEED_MODE !== 'api') {
    try {
      pool.push(...(await cloneUsers(env, client, tenant, pool.length, missing)));
      return pool.slice(0, count);
    } catch (error) {
      note(`  seeding ${tenant}: cloning failed (${describeError(error)}); creating through POST /Users`);
    }
  }
  pool.push(...(await createThroughApi(client, tenant, pool.length, count - pool.length)));
  return pool.slice(0, count);
}

async function createThroughApi(
  client: ScimClient,
  tenant: BenchTenant,
  start: number,
  missing: number,
): Promise<string[]> {
  const started = Date.now();
  let done = 0;
  const created: string[] = new Array(missing);
  await runPool(missing, SEED_CONCURRENCY, async (i) => {
    const response = await client.request('POST', '/Users', userBody(userNameOf(tenant, start + i)));
    expectStatus(response, [201], 'create user');
    created[i] = String(response.body.id);
    done += 1;
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    progress(`  seeding ${tenant}: ${start + done}/${start + missing} users (${Math.round(rate)}/s)`);
  });
  return created;
}

type Item = Record<string, unknown>;

async function cloneUsers(
  env: BenchEnv,
  client: ScimClient,
  tenant: BenchTenant,
  start: number,
  missing: number,
): Promise<string[]> {
  const started = Date.now();
  const templateName = userNameOf(tenant, start);
  const created = expectStatus(
    await client.request('POST', '/Users', userBody(templateName)),
    [201],
    'create user',
  );
  const templateId = String(created.body.id);
  const db = createDocumentClient({ endpoint: env.endpoint });
  try {
    // Only items keyed by the user (user item, uniqueness guards) are per-user; anything else
    // that mentions it (an activity record, say) is not cloned.
    const template = (await itemsMentioning(db, env.tableName, [templateId, templateName])).filter((item) =>
      [templateId, templateName.toLowerCase()].some((needle) =>
        `${String(item.PK)}|${String(item.SK)}`.toLowerCase().includes(needle),
      ),
    );
    if (template.length === 0) throw new Error('the template user left no items');
    const ids: string[] = [templateId];
    const writes: Item[] = [];
    for (let i = 1; i < missing; i += 1) {
      const id = uuidv7();
      const userName = userNameOf(tenant, start + i);
      ids.push(id);
      for (const item of template) writes.push(rewrite(item, templateId, id, templateName, userName) as Item);
    }
    let written = 0;
    const chunks = Math.ceil(writes.length / 25);
    await runPool(chunks, 8, async (c) => {
      let pending: Item[] = writes.slice(c * 25, (c + 1) * 25);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 20) throw new Error('BatchWriteItem kept returning unprocessed items');
        const result = await db.send(
          new BatchWriteCommand({
            RequestItems: { [env.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        pending = (result.UnprocessedItems?.[env.tableName] ?? []).map((r) => r.PutRequest?.Item as Item);
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
      }
      written += 1;
      progress(
        `  seeding ${tenant}: cloned ${Math.min(missing, Math.round((written / chunks) * missing))}/${missing} users`,
      );
    });
    // The store counts users in sharded counters outside the create transaction; the clones
    // are counted through its own function so totalResults stays true.
    await adjustResourceCount(db, env.tableName, `bench-${tenant}`, 'USERS', missing - 1);
    await verifyClone(client, ids[ids.length - 1] as string, userNameOf(tenant, start + missing - 1));
    note(
      `  seeding ${tenant}: ${missing} users (1 through POST /Users, ${missing - 1} cloned from its ${template.length} items) in ${Math.round((Date.now() - started) / 1000)} s`,
    );
    return ids;
  } finally {
    db.destroy();
  }
}

/** Every item whose attributes mention one of `needles` (a one-off scan of the bench table). */
async function itemsMentioning(
  db: DynamoDBDocumentClient,
  tableName: string,
  needles: string[],
): Promise<Item[]> {
  const found: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  const lowered = needles.map((n) => n.toLowerCase());
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const text = JSON.stringify(item).toLowerCase();
      if (lowered.some((n) => text.includes(n))) found.push(item);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

/** A deep copy with the template's id and userName (any case) replaced in every string. */
function rewrite(value: unknown, fromId: string, toId: string, fromName: string, toName: string): unknown {
  if (typeof value === 'string') {
    return value
      .split(fromId)
      .join(toId)
      .split(fromName)
      .join(toName)
      .split(fromName.toLowerCase())
      .join(toName.toLowerCase());
  }
  if (Array.isArray(value)) return value.map((v) => rewrite(v, fromId, toId, fromName, toName));
  if (value instanceof Set) return new Set([...value].map((v) => rewrite(v, fromId, toId, fromName, toName)));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, rewrite(v, fromId, toId, fromName, toName)]),
    );
  }
  return value;
}

/** The last clone must be readable by id and findable by userName, exactly like a created user. */
async function verifyClone(client: ScimClient, id: string, userName: string): Promise<void> {
  const byId = expectStatus(await client.request('GET', `/Users/${id}`), [200], 'get cloned user');
  if (byId.body?.userName !== userName)
    throw new Error(`clone ${id} reads back as ${String(byId.body?.userName)}`);
  const filter = encodeURIComponent(`userName eq "${userName}"`);
  const found = expectStatus(
    await client.request('GET', `/Users?filter=${filter}`),
    [200],
    'find cloned user',
  );
  if (found.body?.totalResults !== 1 || found.body?.Resources?.[0]?.id !== id) {
    throw new Error(`clone ${id} is not found by userName`);
  }
}
