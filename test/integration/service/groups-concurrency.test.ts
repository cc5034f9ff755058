import { type FaultInjector, injectFaults } from '../../support/fault-injection';
import { storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

// Many parallel requests on one DynamoDB Local: slow when the whole suite shares the machine.
jest.setTimeout(240_000);

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let users: string[];

beforeAll(async () => {
  client = await createScimTestClient();
  users = [];
  for (let i = 0; i < 20; i++) {
    const res = await client.request('POST', '/Users', {
      body: { schemas: [USER], userName: `parallel${i}@example.com` },
    });
    expect(res.status).toBe(201);
    users.push(res.body.id);
  }
});
afterAll(() => client.close());

async function createGroup(displayName: string): Promise<string> {
  const res = await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
  expect(res.status).toBe(201);
  return res.body.id;
}

const add = (ids: string[], display = true) => ({
  schemas: [PATCH_OP],
  Operations: [
    {
      op: 'add',
      path: 'members',
      value: ids.map((value) => (display ? { value, display: value } : { value })),
    },
  ],
});

it('Okta: 20 concurrent PATCH adds of different users to one group → all 20 are members', async () => {
  const groupId = await createGroup('Parallel adds');
  const responses = await Promise.all(
    users.map((id) => client.request('PATCH', `/Groups/${groupId}`, { body: add([id]) })),
  );
  expect(responses.map((r) => r.status)).toEqual(users.map(() => 204));
  expect(await storedMemberIds(client.table, groupId)).toEqual([...users].sort());
  const got = await client.request('GET', `/Groups/${groupId}`);
  expect(got.body.members).toHaveLength(20);
  // Every change bumped the version exactly once: created at 1, 20 adds.
  expect(got.headers.etag).toBe('W/"21"');
});

it('Entra: 20 concurrent identical adds (retries) → exactly one membership', async () => {
  const groupId = await createGroup('Parallel duplicates');
  const user = users[0] as string;
  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      client.request('PATCH', `/Groups/${groupId}`, { body: add([user], false) }),
    ),
  );
  expect(responses.every((r) => r.status === 204)).toBe(true);
  expect(await storedMemberIds(client.table, groupId)).toEqual([user]);
});

it('Okta: displayName resent with every membership update, in parallel → all 204, all members kept', async () => {
  const groupId = await createGroup('Resent name');
  const responses = await Promise.all(
    users.slice(0, 10).map((id) =>
      client.request('PATCH', `/Groups/${groupId}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', value: { id: groupId, displayName: 'Resent name' } },
            { op: 'add', path: 'members', value: [{ value: id, display: id }] },
          ],
        },
      }),
    ),
  );
  expect(responses.map((r) => r.status)).toEqual(responses.map(() => 204));
  expect(await storedMemberIds(client.table, groupId)).toEqual(users.slice(0, 10).sort());
});

it('parallel renames to alternating names: never a false 409 uniqueness, one name holds, no member lost', async () => {
  const groupId = await createGroup('Rename race');
  const responses = await Promise.all(
    users.slice(0, 10).map((id, i) =>
      client.request('PATCH', `/Groups/${groupId}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', value: { id: groupId, displayName: `Rename race ${i % 2}` } },
            { op: 'add', path: 'members', value: [{ value: id, display: id }] },
          ],
        },
      }),
    ),
  );
  // A request may lose its read-modify-write race repeatedly (409 without scimType, retryable);
  // it must never be told the name is taken by another group.
  for (const r of responses) {
    expect([204, 409]).toContain(r.status);
    if (r.status === 409) expect(r.body.scimType).toBeUndefined();
  }
  // Retries absorb most lost races: at least one rename must land, or the test proves nothing.
  const won = responses.flatMap((r, i) => (r.status === 204 ? [i] : []));
  expect(won.length).toBeGreaterThan(0);
  const landed = users.slice(0, 10).filter((_, i) => won.includes(i));
  expect(await storedMemberIds(client.table, groupId)).toEqual(landed.sort());
  const got = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
  // The name that holds is one a successful request set, never one only a failed request sent.
  const finalName = String(got.body.displayName);
  expect([...new Set(won.map((i) => `Rename race ${i % 2}`))]).toContain(finalName);
  // The name guard agrees: the final name is taken (409 uniqueness); the other name and the
  // original one are free (their guards were moved or never written).
  const create = (displayName: string) =>
    client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
  const taken = await create(finalName);
  expect([taken.status, taken.body.scimType]).toEqual([409, 'uniqueness']);
  for (const free of ['Rename race 0', 'Rename race 1', 'Rename race'].filter((n) => n !== finalName)) {
    const res = await create(free);
    expect([free, res.status]).toEqual([free, 201]);
    expect((await client.request('DELETE', `/Groups/${res.body.id}`)).status).toBe(204);
  }
  // Exactly the final name resolves to the group; the other was released.
  const byName = async (name: string) =>
    (await client.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body
      .totalResults;
  expect(await byName(got.body.displayName)).toBe(1);
  expect((await byName('Rename race 0')) + (await byName('Rename race 1'))).toBe(1);
});

it('parallel adds and removes of different members → the expected final set', async () => {
  const groupId = await createGroup('Mixed');
  await client.request('PATCH', `/Groups/${groupId}`, { body: add(users.slice(0, 10)) });
  const removes = users.slice(0, 5).map((id) =>
    client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] },
    }),
  );
  const adds = users
    .slice(10, 20)
    .map((id) => client.request('PATCH', `/Groups/${groupId}`, { body: add([id]) }));
  const responses = await Promise.all([...removes, ...adds]);
  expect(responses.every((r) => r.status === 204)).toBe(true);
  expect(await storedMemberIds(client.table, groupId)).toEqual(users.slice(5, 20).sort());
});

it('PATCH adds racing a DELETE never leave membership items of the deleted group', async () => {
  for (let round = 0; round < 5; round++) {
    const groupId = await createGroup(`Delete race ${round}`);
    await client.request('PATCH', `/Groups/${groupId}`, { body: add(users.slice(0, 5)) });
    const results = await Promise.all([
      ...users.slice(5, 15).map((id) => client.request('PATCH', `/Groups/${groupId}`, { body: add([id]) })),
      client.request('DELETE', `/Groups/${groupId}`),
    ]);
    // Each add either landed before the delete (204) or found the group gone (404).
    for (const r of results) expect([204, 404]).toContain(r.status);
    expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  }
});

describe('a replace racing an add: the end state of one serial order, never a mix (RFC 7644 §3.5.2)', () => {
  const replace = (ids: string[]) => ({
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'members', value: ids.map((value) => ({ value })) }],
  });
  const sorted = (ids: string[]) => [...ids].sort();

  async function race(size: number, rounds: number, pool: string[]): Promise<void> {
    const kept = pool.slice(0, size);
    const added = pool.slice(size, 2 * size);
    const before = pool.slice(2 * size, 2 * size + 5);
    for (let round = 0; round < rounds; round++) {
      const groupId = await createGroup(`Race ${size} ${round}`);
      expect((await client.request('PATCH', `/Groups/${groupId}`, { body: add(before) })).status).toBe(204);
      const [a, b] = await Promise.all([
        client.request('PATCH', `/Groups/${groupId}`, { body: replace(kept) }),
        client.request('PATCH', `/Groups/${groupId}`, { body: add(added, false) }),
      ]);
      expect([a?.status, b?.status]).toEqual([204, 204]);
      // Replace first: the add's members stay; add first: the replace removed them.
      expect([sorted(kept), sorted([...kept, ...added])]).toContainEqual(
        await storedMemberIds(client.table, groupId),
      );
    }
  }

  let pool: string[];
  beforeAll(async () => {
    pool = [];
    for (let batch = 0; batch < 11; batch++) {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client.request('POST', '/Users', {
            body: { schemas: [USER], userName: `race${batch * 20 + i}@example.com` },
          }),
        ),
      );
      pool.push(...created.map((r) => r.body.id as string));
    }
  });

  it('10 ‖ 10 members (one transaction each): the replace re-plans when the add commits after its read', async () => {
    await race(10, 12, pool);
  });

  it('100 ‖ 100 members (several transactions each): the group lock keeps them from interleaving', async () => {
    await race(100, 6, pool);
  });

  it('a replace and a PUT amid 20 concurrent single adds get through (the lock after a lost race), in a serial order', async () => {
    for (let round = 0; round < 3; round++) {
      const groupId = await createGroup(`Starve ${round}`);
      const kept = pool.slice(0, 10);
      const singles = pool.slice(100, 120);
      const put = pool.slice(20, 25);
      const responses = await Promise.all([
        client.request('PATCH', `/Groups/${groupId}`, { body: replace(kept) }),
        client.request('PUT', `/Groups/${groupId}`, {
          body: {
            schemas: [GROUP],
            displayName: `Starve ${round}`,
            members: put.map((value) => ({ value })),
          },
        }),
        ...singles.map((id) => client.request('PATCH', `/Groups/${groupId}`, { body: add([id], false) })),
      ]);
      expect(responses.map((r) => r.status)).toEqual([204, 200, ...singles.map(() => 204)]);
      // The last of replace/PUT wins its set; the adds after it are on top; none is half-applied.
      const final = new Set(await storedMemberIds(client.table, groupId));
      const base = kept.every((id) => final.has(id)) ? kept : put;
      expect(base.every((id) => final.has(id))).toBe(true);
      const other = base === kept ? put : kept;
      expect(other.filter((id) => final.has(id))).toEqual([]);
      expect([...final].every((id) => base.includes(id) || singles.includes(id))).toBe(true);
    }
  });
});

describe('transaction conflicts on the group item (real DynamoDB cancels concurrent transactions)', () => {
  let faults: FaultInjector;
  beforeAll(() => {
    faults = injectFaults(client.runtime.db, { seed: 8 });
  });
  afterEach(() => faults.reset());
  afterAll(() => faults.detach());

  it('Okta PATCH add whose first three transactions are cancelled by a TransactionConflict: retried, 204, one membership', async () => {
    const groupId = await createGroup('Conflicted add');
    faults.setRules([{ operation: 'TransactWriteItems', fault: 'transactionConflict', calls: [1, 2, 3] }]);
    const res = await client.request('PATCH', `/Groups/${groupId}`, { body: add([users[0] as string]) });
    expect(res.status).toBe(204);
    expect(faults.attempts('TransactWriteItems')).toBe(4);
    faults.reset();
    expect(await storedMemberIds(client.table, groupId)).toEqual([users[0]]);
  });

  it('a conflict under If-Match is retried too (the condition is re-checked), not turned into a 412', async () => {
    const created = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Conflicted conditional add' },
    });
    faults.setRules([{ operation: 'TransactWriteItems', fault: 'transactionConflict', calls: [1] }]);
    const res = await client.request('PATCH', `/Groups/${created.body.id}`, {
      body: add([users[1] as string]),
      headers: { 'If-Match': created.headers.etag as string },
    });
    expect(res.status).toBe(204);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('a group that stays busy: 503 with Retry-After, and nothing written', async () => {
    const groupId = await createGroup('Always busy');
    faults.setRules([{ operation: 'TransactWriteItems', fault: 'transactionConflict' }]);
    const res = await client.request('PATCH', `/Groups/${groupId}`, { body: add([users[2] as string]) });
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    faults.reset();
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  });
});
