/**
 * After the load: compares what the service acknowledged with what it now returns, and Scans
 * the table for broken invariants. Returns the list of differences (empty = nothing lost).
 * The invariant checker is the hardening tests' (a pure function over items), so the load run
 * and `npm test` judge the table by the same rules.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/client';
import { checkInvariants, type Item } from '../../test/hardening/support/table';
import type { BenchEnv } from '../lib/env';
import type { ScimHttpClient } from '../lib/http-client';
import { runPool } from '../lib/util';

export interface ExpectedUser {
  userName: string;
  active: boolean;
  title: string | undefined;
  deleted: boolean;
  /** False once a write to it was not acknowledged: its attributes are then unknown. */
  exact: boolean;
}

export interface Expected {
  readonly users: Map<string, ExpectedUser>;
  /** Group id → member ids acknowledged (adds and removes of one user come from one connection). */
  readonly groups: Map<string, Set<string>>;
}

export async function reconcile(
  env: BenchEnv,
  client: ScimHttpClient,
  expected: Expected,
): Promise<string[]> {
  const problems: string[] = [];
  await runPool(expected.users.size, 16, async (i) => {
    const [id, user] = [...expected.users][i] as [string, ExpectedUser];
    const res = await client.request('GET', `/Users/${id}`);
    if (user.deleted) {
      if (res.status !== 404) problems.push(`deleted user ${id} answers ${res.status}`);
      return;
    }
    if (res.status !== 200) return void problems.push(`acknowledged user ${id} answers ${res.status}`);
    if (res.body.userName !== user.userName) problems.push(`user ${id}: userName ${res.body.userName}`);
    if (user.exact && res.body.active !== user.active) problems.push(`user ${id}: active ${res.body.active}`);
    if (user.exact && res.body.title !== user.title) problems.push(`user ${id}: title ${res.body.title}`);
    const filter = encodeURIComponent(`userName eq "${user.userName}"`);
    const found = await client.request('GET', `/Users?filter=${filter}`);
    if (found.body?.totalResults !== 1)
      problems.push(`userName ${user.userName} found ${found.body?.totalResults}×`);
  });
  for (const [groupId, members] of expected.groups) {
    const res = await client.request('GET', `/Groups/${groupId}`);
    const actual = new Set<string>((res.body?.members ?? []).map((m: { value: string }) => m.value));
    const missing = [...members].filter((m) => !actual.has(m));
    const extra = [...actual].filter((m) => !members.has(m));
    if (missing.length + extra.length > 0) {
      problems.push(
        `group ${groupId}: ${missing.length} acknowledged members missing, ${extra.length} unexpected`,
      );
    }
  }
  const items = await scan(env);
  const report = checkInvariants(items);
  problems.push(...report.broken);
  for (const o of report.orphanMembershipsOfUsers) problems.push(`membership of a deleted user: ${o}`);
  for (const o of report.orphanMembershipsOfGroups) problems.push(`membership of a deleted group: ${o}`);
  const names = new Map<string, number>();
  for (const item of items.filter((i) => i.type === 'User')) {
    const key = `${String(item.tenant)}|${String((item.resource as Item).userName).toLowerCase()}`;
    names.set(key, (names.get(key) ?? 0) + 1);
  }
  for (const [name, count] of names) if (count > 1) problems.push(`userName ${name} held by ${count} users`);
  return problems;
}

async function scan(env: BenchEnv): Promise<Item[]> {
  const db = createDocumentClient({ endpoint: env.endpoint });
  const items: Item[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: env.tableName, ExclusiveStartKey: start }));
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    db.destroy();
  }
  return items;
}
