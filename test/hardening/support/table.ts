/**
 * Whole-table views for hardening tests: a Scan snapshot (each test file has its own table, so
 * a Scan sees exactly that file's data) and the store's invariants checked over it. Invariants
 * are read from raw items rather than through the API, because the API hides some breakage
 * (e.g. a membership whose user is gone is filtered out of reads).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { TestTable } from '../../support/dynamo';

export type Item = Record<string, unknown>;

/**
 * Items that change on reads or on every request whatever its outcome: provisioning activity
 * (one record per mutating request, 4xx included) and listing page checkpoints (a cache).
 */
const BOOKKEEPING = /#(ACT|ACTRES|PAGE)#/;

export async function scanTable(table: TestTable): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The data a client could observe, keyed by PK|SK and stable under JSON comparison. */
export async function dataSnapshot(table: TestTable): Promise<Map<string, string>> {
  const items = await scanTable(table);
  const snapshot = new Map<string, string>();
  for (const item of items) {
    const key = `${String(item.PK)}|${String(item.SK)}`;
    if (BOOKKEEPING.test(key) || BOOKKEEPING.test(String(item.GSI2PK ?? ''))) continue;
    snapshot.set(key, JSON.stringify(item, Object.keys(item).sort()));
  }
  return snapshot;
}

/** Keys whose items differ between two snapshots (added, removed or changed). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

export interface InvariantReport {
  /** Violations that must never exist. */
  readonly broken: string[];
  /** Memberships whose user is gone: allowed transiently (hidden from reads), listed apart. */
  readonly orphanMembershipsOfUsers: string[];
  /** Memberships whose group is gone (group delete's clean-up failed): listed apart too. */
  readonly orphanMembershipsOfGroups: string[];
}

/**
 * - every user has exactly one userName guard naming it, every guard names an existing user
 *   whose userName (lower-cased) is the guard's key;
 * - the same for groups and displayName guards;
 * Memberships whose user or group is gone are reported apart: the design allows them after a
 * failed clean-up, provided reads ignore them (tests assert that separately).
 */
export function checkInvariants(items: readonly Item[]): InvariantReport {
  const broken: string[] = [];
  const orphanMembershipsOfUsers: string[] = [];
  const orphanMembershipsOfGroups: string[] = [];
  const byKey = new Map(items.map((i) => [`${String(i.PK)}|${String(i.SK)}`, i]));
  const users = items.filter((i) => i.type === 'User');
  const groups = items.filter((i) => i.type === 'Group');
  const tenantPart = (pk: unknown) => String(pk).split('#').slice(0, 2).join('#');

  for (const [kind, entities, guardPart, nameOf, guardType, idField] of [
    ['User', users, 'UNAME', (i: Item) => (i.resource as Item).userName, 'UserName', 'userId'],
    ['Group', groups, 'GNAME', (i: Item) => (i.resource as Item).displayName, 'GroupName', 'groupId'],
  ] as const) {
    for (const entity of entities) {
      const name = String(nameOf(entity)).toLowerCase();
      const guard = byKey.get(`${tenantPart(entity.PK)}#${guardPart}#${name}|#`);
      if (!guard) broken.push(`${kind} ${String(entity.id)} "${name}" has no name guard`);
      else if (guard[idField] !== entity.id)
        broken.push(`${kind} ${String(entity.id)} "${name}": guard names ${String(guard[idField])}`);
    }
    for (const guard of items.filter((i) => i.type === guardType)) {
      const owner = entities.find((e) => e.id === guard[idField] && e.tenant === guard.tenant);
      if (!owner) broken.push(`${guardType} guard ${String(guard.PK)} without its ${kind}`);
      else if (
        String(guard.PK).slice(String(guard.PK).indexOf(`#${guardPart}#`) + guardPart.length + 2) !==
        String(nameOf(owner)).toLowerCase()
      )
        broken.push(`${guardType} guard ${String(guard.PK)} does not match ${kind} ${String(owner.id)}`);
    }
  }
  for (const membership of items.filter((i) => i.type === 'Membership')) {
    const group = groups.find((g) => g.id === membership.groupId && g.tenant === membership.tenant);
    if (!group) orphanMembershipsOfGroups.push(`${String(membership.groupId)}→${String(membership.userId)}`);
    const user = users.find((u) => u.id === membership.userId && u.tenant === membership.tenant);
    if (!user) orphanMembershipsOfUsers.push(`${String(membership.groupId)}→${String(membership.userId)}`);
  }
  return { broken, orphanMembershipsOfUsers, orphanMembershipsOfGroups };
}
