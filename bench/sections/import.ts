/**
 * Section 2: an IdP import. Okta reads every user with startIndex += 100, count = 100; RFC 9865
 * clients follow nextCursor. On a single table either can degrade to O(n²) in total (each
 * offset page re-reading everything before it), so this reads the whole listing both ways and
 * reports the DynamoDB reads of the first, middle and last page: flat per-page cost means the
 * total grows linearly.
 */
import type { BenchEnv } from '../lib/env';
import { type BenchResponse, expectStatus, NotAvailable, type ScimHttpClient } from '../lib/http-client';
import type { ImportSection, PageSample, PagingRun } from '../lib/results';
import { ensureUsers } from '../lib/seed';
import { describeError, note, progress, readsOf, round } from '../lib/util';

const PAGE_SIZE = 100;

/**
 * Wall-clock budget of one paging walk. A server whose pages get dearer as the offset grows
 * would otherwise hold the default run for many minutes; the pages read by then already show
 * the growth, and the report says where the walk stopped.
 */
const budgetSeconds = (large: boolean): number =>
  Number(process.env.BENCH_PAGING_BUDGET_SECONDS) || (large ? 3600 : 150);

export async function runImportSection(env: BenchEnv, options: { large: boolean }): Promise<ImportSection> {
  const started = Date.now();
  // BENCH_IMPORT_USERS: smaller trial runs while developing the bench; published runs use the default.
  const users = Number(process.env.BENCH_IMPORT_USERS) || (options.large ? 100_000 : 10_000);
  const base = { measuredAt: new Date().toISOString(), large: options.large, users, pageSize: PAGE_SIZE };
  const seedStart = Date.now();
  try {
    await ensureUsers(env, 'bulk', users);
  } catch (error) {
    return { ...base, durationSeconds: secondsSince(started), unavailable: describeError(error), runs: [] };
  }
  const seedSeconds = secondsSince(seedStart);
  note(`  import: ${users} users seeded in ${seedSeconds} s`);
  const client = env.client('bulk');
  const budget = budgetSeconds(options.large);
  const runs = [await byStartIndex(client, users, budget), await byCursor(client, users, budget)];
  return { ...base, durationSeconds: secondsSince(started), seedSeconds, runs };
}

async function byStartIndex(client: ScimHttpClient, users: number, budget: number): Promise<PagingRun> {
  let reported: number | undefined;
  const samples: PageSample[] = [];
  const ids = new Set<string>();
  let seen = 0;
  const started = Date.now();
  try {
    for (let startIndex = 1, page = 1; startIndex <= users; startIndex += PAGE_SIZE, page += 1) {
      const response = expectStatus(
        await client.request('GET', `/Users?startIndex=${startIndex}&count=${PAGE_SIZE}`),
        [200],
        'list users by startIndex',
      );
      const resources = (response.body?.Resources ?? []) as { id: string }[];
      if (page === 1) reported = response.body?.totalResults as number | undefined;
      for (const r of resources) ids.add(r.id);
      seen += resources.length;
      samples.push(sample(page, response, resources.length, startIndex));
      progress(`  import by startIndex: page ${page}/${Math.ceil(users / PAGE_SIZE)}`);
      if (resources.length === 0) break;
      if ((Date.now() - started) / 1000 > budget && startIndex + PAGE_SIZE <= users) {
        return stopped(summarise('startIndex', samples, seen, ids.size, started), page, users, budget);
      }
    }
  } catch (error) {
    return { mode: 'startIndex', supported: !(error instanceof NotAvailable), note: describeError(error) };
  }
  const run = summarise('startIndex', samples, seen, ids.size, started);
  // Okta stops paging at totalResults, so a wrong total loses users even when pages are right.
  return reported === users
    ? run
    : { ...run, note: `totalResults was ${String(reported)}, expected ${users}` };
}

async function byCursor(client: ScimHttpClient, users: number, budget: number): Promise<PagingRun> {
  const samples: PageSample[] = [];
  const ids = new Set<string>();
  let seen = 0;
  const started = Date.now();
  let cursor = '';
  try {
    for (let page = 1; ; page += 1) {
      const response = await client.request(
        'GET',
        `/Users?cursor=${encodeURIComponent(cursor)}&count=${PAGE_SIZE}`,
      );
      if (page === 1 && response.status === 400) {
        return {
          mode: 'cursor',
          supported: false,
          note: `not supported (HTTP 400: ${String(response.body?.detail ?? '')})`,
        };
      }
      expectStatus(response, [200], 'list users by cursor');
      const resources = (response.body?.Resources ?? []) as { id: string }[];
      const next = response.body?.nextCursor as string | undefined;
      if (page === 1 && next === undefined && resources.length < users) {
        return { mode: 'cursor', supported: false, note: 'not supported (no nextCursor in the first page)' };
      }
      for (const r of resources) ids.add(r.id);
      seen += resources.length;
      samples.push(sample(page, response, resources.length));
      progress(`  import by cursor: page ${page}/${Math.ceil(users / PAGE_SIZE)}`);
      if (!next || resources.length === 0) break;
      if ((Date.now() - started) / 1000 > budget) {
        return stopped(summarise('cursor', samples, seen, ids.size, started), page, users, budget);
      }
      if (page > users / PAGE_SIZE + 10) throw new Error('cursor paging does not end');
      cursor = next;
    }
  } catch (error) {
    return { mode: 'cursor', supported: !(error instanceof NotAvailable), note: describeError(error) };
  }
  return summarise('cursor', samples, seen, ids.size, started);
}

function sample(page: number, response: BenchResponse, items: number, startIndex?: number): PageSample {
  const cost = response.cost;
  return {
    page,
    items,
    ...(startIndex !== undefined ? { startIndex } : {}),
    requests: cost?.requests ?? Number.NaN,
    reads: cost ? readsOf(cost) : Number.NaN,
    rcu: cost?.readCapacityUnits ?? Number.NaN,
    ms: round(response.ms, 1),
  };
}

function summarise(
  mode: PagingRun['mode'],
  samples: PageSample[],
  seen: number,
  distinct: number,
  started: number,
): PagingRun {
  // The last full page: a trailing empty or partial page says nothing about growth.
  const full = samples.filter((s) => s.items === PAGE_SIZE);
  const first = samples[0];
  const middle = full[Math.floor((full.length - 1) / 2)];
  const last = full[full.length - 1];
  const total = (pick: (s: PageSample) => number) => samples.reduce((sum, s) => sum + pick(s), 0);
  // Linear in total when a page near the end costs about what the first one did.
  const linear =
    first !== undefined &&
    last !== undefined &&
    last.reads <= first.reads + 1 &&
    last.rcu <= Math.max(1, first.rcu) * 1.5;
  return {
    mode,
    supported: true,
    pages: samples.length,
    resourcesSeen: seen,
    distinctIds: distinct,
    totalRequests: total((s) => s.requests),
    totalReads: total((s) => s.reads),
    totalRcu: round(
      total((s) => s.rcu),
      1,
    ),
    seconds: secondsSince(started),
    ...(first ? { first } : {}),
    ...(middle ? { middle } : {}),
    ...(last ? { last } : {}),
    verdict: linear ? 'meets' : 'misses',
  };
}

function stopped(run: PagingRun, page: number, users: number, budget: number): PagingRun {
  const pages = Math.ceil(users / PAGE_SIZE);
  note(`  import by ${run.mode}: stopped after ${page} of ${pages} pages (${budget} s budget)`);
  return { ...run, note: `stopped after ${page} of ${pages} pages: the ${budget} s time budget ran out` };
}

function secondsSince(started: number): number {
  return round((Date.now() - started) / 1000, 1);
}
