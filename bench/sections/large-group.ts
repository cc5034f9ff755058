/**
 * Section 5: a group's size must not leak into the cost of the operations Okta and Entra send
 * most. With one item per membership, adding or removing one member and reading the group
 * without members should cost the same on a 100,000-member group as on an empty one; only
 * deleting the group has to touch every membership. Members are the import's users.
 */
import { addCosts, type DynamoCost, ZERO_COST } from '../../lambdas/observability/dynamo-cost';
import { createDocumentClient } from '../../lambdas/store/client';
import { batches, groupRefItem, membershipItem } from '../../lambdas/store/memberships-store';
import type { BenchEnv } from '../lib/env';
import { type BenchResponse, expectStatus, NotAvailable } from '../lib/http-client';
import type { GroupOpRow, LargeGroupSection } from '../lib/results';
import { ensureUsers } from '../lib/seed';
import {
  addMembersPatch,
  describeError,
  groupBody,
  note,
  progress,
  removeMemberPatch,
  round,
} from '../lib/util';

const FILL_CHUNK = 500;
const FILL_CONCURRENCY = 4;
const SAMPLES = 3;

export async function runLargeGroupSection(
  env: BenchEnv,
  options: { large: boolean },
): Promise<LargeGroupSection> {
  const started = Date.now();
  const members = options.large ? 100_000 : 1_000;
  const base = { measuredAt: new Date().toISOString(), large: options.large, members };
  const client = env.client('bulk');
  const finish = (rest: Partial<LargeGroupSection> & { rows: GroupOpRow[] }): LargeGroupSection => ({
    ...base,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    ...rest,
  });
  let pool: string[];
  let emptyId: string;
  let largeId: string;
  let fillSeconds: number;
  try {
    pool = await ensureUsers(env, 'bulk', members + SAMPLES);
    const create = async (name: string) =>
      String(
        expectStatus(await client.request('POST', '/Groups', groupBody(name)), [201], 'create group').body.id,
      );
    emptyId = await create(`bench empty ${Date.now()}`);
    largeId = await create(`bench large ${Date.now()}`);
    const fillStart = Date.now();
    // Set-up, not measurement. DynamoDB Local runs each membership transaction under a
    // process-wide lock (about 10 s per 1,000 members here; AWS takes tens of ms per
    // transaction), so a 100,000-member fill through PATCH would take most of an hour. All but
    // the last FILL_CHUNK × FILL_CONCURRENCY members are written as the store writes them (both
    // items of each membership, store/memberships-store.ts builders) by BatchWriteItem; the rest
    // arrive by PATCH add in chunks, as Entra and Okta grow a group, so the API path is in it.
    const viaApi = Math.min(members, FILL_CHUNK * FILL_CONCURRENCY);
    const direct = members - viaApi;
    if (direct > 0) {
      const membership = {
        db: createDocumentClient({ endpoint: env.endpoint }),
        tableName: env.tableName,
        tenant: 'bench-bulk',
      };
      await batches.batchWrite(
        membership,
        pool
          .slice(0, direct)
          .flatMap((userId) => [
            { PutRequest: { Item: membershipItem(membership.tenant, largeId, userId) } },
            { PutRequest: { Item: groupRefItem(membership.tenant, userId, largeId) } },
          ]),
      );
      progress(`  large group: ${direct} members written directly`);
    }
    const chunks = Math.ceil(viaApi / FILL_CHUNK);
    let done = 0;
    const queue = Array.from({ length: chunks }, (_, i) => i);
    await Promise.all(
      Array.from({ length: FILL_CONCURRENCY }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const ids = pool.slice(direct + i * FILL_CHUNK, Math.min(members, direct + (i + 1) * FILL_CHUNK));
          expectStatus(
            await client.request('PATCH', `/Groups/${largeId}`, addMembersPatch(ids)),
            [200, 204],
            'add members',
          );
          done += 1;
          progress(`  large group: ${Math.min(viaApi, done * FILL_CHUNK)}/${viaApi} members added by PATCH`);
        }
      }),
    );
    fillSeconds = round((Date.now() - fillStart) / 1000, 1);
    note(`  large group: ${members} members added in ${fillSeconds} s`);
  } catch (error) {
    return finish({ unavailable: describeError(error), rows: [] });
  }

  const extra = pool.slice(members, members + SAMPLES);
  const ops: {
    name: string;
    mustMatch: boolean;
    run: (groupId: string, i: number) => Promise<BenchResponse>;
    expect: number[];
  }[] = [
    {
      name: 'add 1 member',
      mustMatch: true,
      run: (g, i) => client.request('PATCH', `/Groups/${g}`, addMembersPatch([extra[i] as string])),
      expect: [200, 204],
    },
    {
      name: 'remove 1 member',
      mustMatch: true,
      run: (g, i) => client.request('PATCH', `/Groups/${g}`, removeMemberPatch(extra[i] as string)),
      expect: [200, 204],
    },
    {
      name: 'get, excludedAttributes=members',
      mustMatch: true,
      run: (g) => client.request('GET', `/Groups/${g}?excludedAttributes=members`),
      expect: [200],
    },
  ];
  const rows: GroupOpRow[] = [];
  for (const op of ops) {
    progress(`  large group: ${op.name}`, true);
    try {
      const empty = await worst(SAMPLES, (i) => op.run(emptyId, i), op.expect, op.name);
      const large = await worst(SAMPLES, (i) => op.run(largeId, i), op.expect, op.name);
      rows.push({
        operation: op.name,
        empty: empty.cost,
        large: large.cost,
        emptyMs: round(empty.ms, 1),
        largeMs: round(large.ms, 1),
        mustMatch: op.mustMatch,
        verdict: sameCost(empty.cost, large.cost) ? 'meets' : 'misses',
      });
    } catch (error) {
      rows.push({
        operation: op.name,
        mustMatch: op.mustMatch,
        verdict: error instanceof NotAvailable ? 'not available' : 'failed',
        note: describeError(error),
      });
    }
  }
  progress('  large group: delete', true);
  // Each delete on its own: a failure deleting the large group still leaves the empty one's cost,
  // and the failure's status, cost and time are what the report needs.
  // Like Okta, follow 503 + Retry-After: a very large group is deleted over several requests
  // by design (groups-service.ts deleteGroupResource), so the cost is the sum over the attempts.
  const deleteOf = async (id: string) => {
    let cost: DynamoCost = ZERO_COST;
    let ms = 0;
    for (let attempt = 1; ; attempt += 1) {
      const response = await client.request('DELETE', `/Groups/${id}`);
      cost = addCosts(cost, response.cost ?? ZERO_COST);
      ms += response.ms;
      if (response.status !== 503 || attempt >= 60) {
        return { response: { ...response, cost, ms }, ok: response.status === 204, attempts: attempt };
      }
      const wait = Math.min(5, Number(response.headers['retry-after']) || 1);
      progress(`  large group: delete answered 503 (attempt ${attempt}), retrying after ${wait} s`, true);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  };
  try {
    const empty = await deleteOf(emptyId);
    expectStatus(empty.response, [204], 'delete empty group');
    const large = await deleteOf(largeId);
    const attempts =
      large.attempts > 1 ? `${large.attempts} DELETE requests (503 + Retry-After until done)` : undefined;
    const failure = large.ok
      ? undefined
      : `delete of the ${members.toLocaleString('en-US')}-member group answered HTTP ${large.response.status} after ${round(large.response.ms / 1000, 1)} s: ${String(large.response.body?.detail ?? '').slice(0, 160)}`;
    rows.push({
      operation: 'delete group',
      ...(empty.response.cost ? { empty: empty.response.cost } : {}),
      ...(large.response.cost ? { large: large.response.cost } : {}),
      emptyMs: round(empty.response.ms, 1),
      largeMs: round(large.response.ms, 1),
      mustMatch: false,
      verdict: failure ? 'failed' : 'no target',
      ...(failure || attempts ? { note: failure ?? attempts } : {}),
    });
  } catch (error) {
    rows.push({
      operation: 'delete group',
      mustMatch: false,
      verdict: error instanceof NotAvailable ? 'not available' : 'failed',
      note: describeError(error),
    });
  }
  note(`  large group: ${rows.map((r) => `${r.operation} ${r.verdict}`).join('; ')}`);
  return finish({ fillSeconds, rows });
}

/** The worst of `samples` runs (most requests, then most capacity), with its latency. */
async function worst(
  samples: number,
  run: (i: number) => Promise<BenchResponse>,
  expect: number[],
  what: string,
): Promise<{ cost: DynamoCost; ms: number }> {
  let result: { cost: DynamoCost; ms: number } | undefined;
  for (let i = 0; i < samples; i += 1) {
    const response = expectStatus(await run(i), expect, what);
    if (!response.cost) throw new Error('no x-scim-dynamodb-cost header');
    const c = response.cost;
    if (
      !result ||
      c.requests > result.cost.requests ||
      (c.requests === result.cost.requests &&
        c.readCapacityUnits + c.writeCapacityUnits >
          result.cost.readCapacityUnits + result.cost.writeCapacityUnits)
    ) {
      result = { cost: c, ms: response.ms };
    }
  }
  return result as { cost: DynamoCost; ms: number };
}

/** Same requests by action and same capacity: the group's size did not leak into the cost. */
function sameCost(a: DynamoCost, b: DynamoCost): boolean {
  const ops = (c: DynamoCost) =>
    Object.entries(c.byCommand)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
  return (
    ops(a) === ops(b) &&
    a.readCapacityUnits === b.readCapacityUnits &&
    a.writeCapacityUnits === b.writeCapacityUnits
  );
}
