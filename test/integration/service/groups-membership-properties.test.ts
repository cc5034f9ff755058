/**
 * Model-based property test of group membership: random sequences of the membership requests
 * Okta and Entra send (add, remove by filter, Entra's remove with a value list, replace, path-less
 * replace, full PUT, remove all, add-then-remove in one PATCH) on two groups, and deletes of a
 * user and of a group, against plain Sets. After every sequence GET /Groups/{id}, User.groups,
 * `members.value eq` and the raw table must all agree with the model — in particular both sides
 * of every membership: each group-side item (group partition, `M#<uid>`) has its user-side ref
 * (user partition, `G#<gid>`) and no ref exists without its group-side item.
 * Seeded, so a failure replays.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

// Many parallel requests on one DynamoDB Local: slow when the whole suite shares the machine.
jest.setTimeout(240_000);

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const POOL = 6;

let client: ScimTestClient;
let users: string[];

beforeAll(async () => {
  client = await createScimTestClient();
  users = [];
  for (let i = 0; i < POOL; i++) {
    const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName: `prop${i}` } });
    users.push(res.body.id);
  }
});
afterAll(() => client.close());

type Step = { group: number } & (
  | {
      kind: 'addOkta' | 'addEntra' | 'removeList' | 'replace' | 'replacePathless' | 'put' | 'addThenRemove';
      picks: number[];
    }
  | { kind: 'removeOne'; pick: number }
  | { kind: 'removeAll' }
);

/** Index POOL is the run's own temporary user (deleted by some runs); the rest are shared. */
const picks = fc.uniqueArray(fc.integer({ min: 0, max: POOL }), { maxLength: POOL + 1 });
const group = fc.integer({ min: 0, max: 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ group, kind: fc.constant('addOkta' as const), picks }),
  fc.record({ group, kind: fc.constant('addEntra' as const), picks: picks.filter((p) => p.length > 0) }),
  fc.record({ group, kind: fc.constant('removeList' as const), picks: picks.filter((p) => p.length > 0) }),
  fc.record({ group, kind: fc.constant('replace' as const), picks }),
  fc.record({ group, kind: fc.constant('replacePathless' as const), picks }),
  fc.record({ group, kind: fc.constant('put' as const), picks }),
  fc.record({ group, kind: fc.constant('addThenRemove' as const), picks: picks.filter((p) => p.length > 0) }),
  fc.record({ group, kind: fc.constant('removeOne' as const), pick: fc.integer({ min: 0, max: POOL }) }),
  fc.record({ group, kind: fc.constant('removeAll' as const) }),
);

/** Both sides of every membership in the table, as "gid→uid" pairs. */
async function storedPairs(): Promise<{ groupSide: string[]; userSide: string[] }> {
  const groupSide: string[] = [];
  const userSide: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.table.db.send(
      new ScanCommand({ TableName: client.table.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const pk = String(item.PK);
      const sk = String(item.SK);
      if (pk.includes('#G#') && sk.startsWith('M#')) groupSide.push(`${pk.split('#G#')[1]}→${sk.slice(2)}`);
      if (pk.includes('#U#') && sk.startsWith('G#')) userSide.push(`${sk.slice(2)}→${pk.split('#U#')[1]}`);
      // Neither side may carry index attributes (they would leak into listings).
      if (sk.startsWith('M#') || sk.startsWith('G#')) {
        expect(Object.keys(item).filter((k) => k.startsWith('GSI'))).toEqual([]);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { groupSide: groupSide.sort(), userSide: userSide.sort() };
}

const patch = (...Operations: unknown[]) => ({ body: { schemas: [PATCH_OP], Operations } });

async function apply(
  groupId: string,
  displayName: string,
  s: Step,
  model: Set<string>,
  pool: readonly string[],
): Promise<void> {
  const ids = 'picks' in s ? s.picks.map((i) => pool[i] as string) : [];
  let res: Awaited<ReturnType<ScimTestClient['request']>>;
  switch (s.kind) {
    case 'addOkta':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value, display: value })) }),
      );
      for (const id of ids) model.add(id);
      break;
    case 'addEntra':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }),
      );
      for (const id of ids) model.add(id);
      break;
    case 'removeList':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }),
      );
      for (const id of ids) model.delete(id);
      break;
    case 'addThenRemove':
      // Okta: an add and a remove of the same ids in one PATCH leave them out.
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch(
          { op: 'add', path: 'members', value: ids.map((value) => ({ value })) },
          { op: 'remove', path: 'members', value: ids.map((value) => ({ value })) },
        ),
      );
      for (const id of ids) model.delete(id);
      break;
    case 'removeOne': {
      const id = pool[s.pick] as string;
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${id}"]` }),
      );
      model.delete(id);
      break;
    }
    case 'removeAll':
      res = await client.request('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: 'members' }));
      model.clear();
      break;
    case 'replace':
    case 'replacePathless':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        s.kind === 'replace'
          ? patch({ op: 'replace', path: 'members', value: ids.map((value) => ({ value })) })
          : patch({ op: 'replace', value: { members: ids.map((value) => ({ value })) } }),
      );
      model.clear();
      for (const id of ids) model.add(id);
      break;
    case 'put':
      res = await client.request('PUT', `/Groups/${groupId}`, {
        body: { schemas: [GROUP], displayName, members: ids.map((value) => ({ value })) },
      });
      model.clear();
      for (const id of ids) model.add(id);
      break;
  }
  expect([200, 204]).toContain(res.status);
}

it('membership after any sequence of Okta/Entra member requests and deletes equals the model, on both sides (property)', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.constantFrom(undefined, 0, 1),
      async (steps, deleteTemp, deleteGroup) => {
        run++;
        const temp = await client.request('POST', '/Users', {
          body: { schemas: [USER], userName: `prop.temp.${run}` },
        });
        const pool = [...users, temp.body.id as string];
        const groups: { id: string; displayName: string; model: Set<string> }[] = [];
        for (const i of [0, 1]) {
          const displayName = `Property ${run}.${i}`;
          const created = await client.request('POST', '/Groups', {
            body: { schemas: [GROUP], displayName },
          });
          groups.push({ id: created.body.id as string, displayName, model: new Set() });
        }
        for (const s of steps) {
          const g = groups[s.group] as (typeof groups)[number];
          await apply(g.id, g.displayName, s, g.model, pool);
        }
        if (deleteTemp) {
          expect((await client.request('DELETE', `/Users/${temp.body.id}`)).status).toBe(204);
          for (const g of groups) g.model.delete(temp.body.id);
        }
        if (deleteGroup !== undefined) {
          const g = groups[deleteGroup] as (typeof groups)[number];
          expect((await client.request('DELETE', `/Groups/${g.id}`)).status).toBe(204);
          groups.splice(deleteGroup, 1);
        }

        for (const g of groups) {
          const got = await client.request('GET', `/Groups/${g.id}`);
          const members = (got.body.members as { value: string }[]).map((m) => m.value).sort();
          expect(members).toEqual([...g.model].sort());
          // The user side agrees, user by user: the filter and User.groups.
          for (const user of pool) {
            const res = await client.request(
              'GET',
              `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`members.value eq "${user}" and id eq "${g.id}"`)}`,
            );
            expect(res.body.totalResults).toBe(g.model.has(user) ? 1 : 0);
          }
        }
        for (const user of pool) {
          const res = await client.request('GET', `/Users/${user}`);
          if (res.status === 404) continue; // the deleted temporary user
          const listed = ((res.body.groups ?? []) as { value: string }[])
            .map((r) => r.value)
            .filter((id) => groups.some((g) => g.id === id))
            .sort();
          expect(listed).toEqual(
            groups
              .filter((g) => g.model.has(user))
              .map((g) => g.id)
              .sort(),
          );
        }
        // Both sides of every membership, in the raw table.
        const expected = groups.flatMap((g) => [...g.model].map((uid) => `${g.id}→${uid}`)).sort();
        // Every earlier run deleted its groups, so the table holds exactly this run's memberships.
        const stored = await storedPairs();
        expect(stored.groupSide).toEqual(expected);
        expect(stored.userSide).toEqual(expected);

        for (const g of groups) await client.request('DELETE', `/Groups/${g.id}`);
        const after = await storedPairs();
        expect(after.groupSide).toEqual(after.userSide);
        expect(after.groupSide).toEqual([]);
      },
    ),
    { seed: 20261123, numRuns: 12 },
  );
});
