import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { uuidv7 } from '../../../lambdas/store/ids';
import { storedGroupIds, storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;

const costHeaderBefore = process.env.SCIM_COST_HEADER;
beforeAll(async () => {
  // The handler reports each request's own DynamoDB cost in a header (the provisioning
  // activity record written after the response is measured separately, so it is not in it).
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
});
afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  await client.close();
});

/** Sends a request and returns it with the DynamoDB cost the handler measured for it. */
async function measured(
  method: string,
  path: string,
  options: Parameters<ScimTestClient['request']>[2] = {},
): Promise<{ result: Awaited<ReturnType<ScimTestClient['request']>>; cost: DynamoCost }> {
  const result = await client.request(method, path, options);
  const cost = parseCost(result.headers[COST_HEADER]);
  if (!cost) throw new Error(`no ${COST_HEADER} header`);
  return { result, cost };
}

async function createUser(
  userName: string,
  tenant?: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await client.request('POST', '/Users', {
    body: { schemas: [USER], userName, ...extra },
    ...(tenant ? { token: client.tokenFor(tenant) } : {}),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createGroup(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}) {
  const res = await client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName, members: members.map((value) => ({ value })), ...extra },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const addPatch = (ids: string[]) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
});
const removePatch = (id: string) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
});
const filterQuery = (filter: string) => `/Groups?filter=${encodeURIComponent(filter)}`;

describe('DynamoDB requests per group operation', () => {
  let groupId: string;
  let users: string[];

  beforeAll(async () => {
    users = [await createUser('cost1'), await createUser('cost2'), await createUser('cost3')];
    groupId = await createGroup('Cost group', users.slice(0, 2));
  });

  it('excludedAttributes=members reads the group item only — no membership or user reads', async () => {
    const { result, cost } = await measured('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(result.status).toBe(200);
    expect(result.body).not.toHaveProperty('members');
    expect(cost.byCommand).toEqual({ GetItem: 1 });
  });

  it('a filtered list with excludedAttributes=members reads no membership items either', async () => {
    const { result, cost } = await measured(
      'GET',
      `${filterQuery('displayName eq "Cost group"')}&excludedAttributes=members`,
    );
    expect(result.body.totalResults).toBe(1);
    // The displayName guard and the group: two GetItem, nothing else.
    expect(cost.byCommand).toEqual({ GetItem: 2 });
  });

  it('GET with members: 1 GetItem + 1 Query of member keys + 1 BatchGetItem for display names', async () => {
    const { result, cost } = await measured('GET', `/Groups/${groupId}`);
    expect(result.body.members).toHaveLength(2);
    expect(cost.byCommand).toEqual({ GetItem: 1, Query: 1, BatchGetItem: 1 });
  });

  it('Okta PATCH add of one member: verify the user, then one transaction (both sides + version bump)', async () => {
    const { result, cost } = await measured('PATCH', `/Groups/${groupId}`, {
      body: addPatch([users[2] as string]),
    });
    expect(result.status).toBe(204);
    expect(cost.byCommand).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
  });

  it('Okta PATCH remove of one member: one transaction, no read', async () => {
    const { result, cost } = await measured('PATCH', `/Groups/${groupId}`, {
      body: removePatch(users[2] as string),
    });
    expect(result.status).toBe(204);
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
  });

  it('PATCH add of 100 members: 1 BatchGetItem + ⌈100/49⌉ = 3 transactions', async () => {
    // Ten at a time: a hundred sequential POSTs are slow on a loaded DynamoDB Local.
    const many: string[] = [];
    for (let i = 0; i < 100; i += 10) {
      many.push(
        ...(await Promise.all(Array.from({ length: 10 }, (_, j) => createUser(`cost.many.${i + j}`)))),
      );
    }
    const target = await createGroup('Cost group of 100');
    const { result, cost } = await measured('PATCH', `/Groups/${target}`, { body: addPatch(many) });
    expect(result.status).toBe(204);
    expect(cost.byCommand).toEqual({ BatchGetItem: 1, TransactWriteItems: 3 });
    const members = await measured('GET', `/Groups/${target}`);
    expect(members.result.body.members).toHaveLength(100);
  }, 180_000);

  it('Okta PATCH remove of a member of a deleted group: 404 and nothing written', async () => {
    const doomed = await createGroup('Cost group deleted', [users[0] as string]);
    expect((await client.request('DELETE', `/Groups/${doomed}`)).status).toBe(204);
    const { result, cost } = await measured('PATCH', `/Groups/${doomed}`, {
      body: removePatch(users[0] as string),
    });
    expect(result.status).toBe(404);
    // The transaction's group condition failed: no other request, no write landed but the
    // activity record of the 404 (a PutItem of its own).
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1, PutItem: 1 });
    expect(await storedGroupIds(client.table, users[0] as string)).not.toContain(doomed);
    expect((await client.request('GET', `/Groups/${doomed}`)).status).toBe(404);
    const add = await measured('PATCH', `/Groups/${doomed}`, { body: addPatch([users[1] as string]) });
    expect(add.result.status).toBe(404);
    expect(await storedGroupIds(client.table, users[1] as string)).not.toContain(doomed);
  });

  it('Okta (AIW): a PUT that changes nothing writes nothing (read group, verify members, list member keys)', async () => {
    const body = {
      schemas: [GROUP],
      id: groupId,
      displayName: 'Cost group',
      members: users.slice(0, 2).map((value) => ({ value, display: value })),
    };
    const { result, cost } = await measured('PUT', `/Groups/${groupId}`, { body });
    expect(result.status).toBe(200);
    // Its one write is the activity record.
    expect(cost.byCommand).toEqual({ GetItem: 1, BatchGetItem: 1, Query: 1, PutItem: 1 });
    const changed = await measured('PUT', `/Groups/${groupId}`, {
      body: { ...body, displayName: 'Cost group 2' },
    });
    expect(changed.result.status).toBe(200);
    expect(changed.result.body.displayName).toBe('Cost group 2');
    expect(changed.cost.byCommand).toEqual({ GetItem: 2, BatchGetItem: 1, Query: 1, TransactWriteItems: 1 });
    await measured('PUT', `/Groups/${groupId}`, { body });
  });

  it('a malformed PATCH costs no DynamoDB request but its activity record', async () => {
    const { result, cost } = await measured('PATCH', `/Groups/${groupId}`, {
      body: { Operations: [{ op: 'jump' }] },
    });
    expect(result.status).toBe(400);
    expect(cost.byCommand).toEqual({ PutItem: 1 });
  });
});

describe('members and tenants', () => {
  it('adding a random id or another tenant’s user is 400 invalidValue naming it, and nothing is stored', async () => {
    const mine = await createUser('tenant-mine');
    const theirs = await createUser('tenant-theirs', 'globex');
    const groupId = await createGroup('Tenant check');
    const random = uuidv7();
    for (const bad of [theirs, random, 'not-a-uuid']) {
      const res = await client.request('PATCH', `/Groups/${groupId}`, { body: addPatch([mine, bad]) });
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      expect(res.body.detail).toContain(bad);
      expect(await storedMemberIds(client.table, groupId)).toEqual([]);
    }
    const put = await client.request('PUT', `/Groups/${groupId}`, {
      body: { schemas: [GROUP], displayName: 'Tenant check', members: [{ value: theirs }] },
    });
    expect(put.status).toBe(400);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  });

  it('POST with an unknown member is 400 and creates no group', async () => {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Never created', members: [{ value: uuidv7() }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const look = await client.request('GET', filterQuery('displayName eq "Never created"'));
    expect(look.body.totalResults).toBe(0);
  });

  it('another tenant can neither see nor change the group', async () => {
    const groupId = await createGroup('Private');
    const globex = { token: client.tokenFor('globex') };
    expect((await client.request('GET', `/Groups/${groupId}`, globex)).status).toBe(404);
    expect((await client.request('DELETE', `/Groups/${groupId}`, globex)).status).toBe(404);
    const other = await createUser('globex-user', 'globex');
    expect(
      (await client.request('PATCH', `/Groups/${groupId}`, { ...globex, body: addPatch([other]) })).status,
    ).toBe(404);
    expect(await storedMemberIds(client.table, groupId, 'globex')).toEqual([]);
  });

  it('member display is the user’s displayName when set, else its userName', async () => {
    const named = await createUser('bjensen', undefined, { displayName: 'Babs Jensen' });
    const plain = await createUser('jsmith');
    const groupId = await createGroup('Display', [named, plain]);
    const res = await client.request('GET', `/Groups/${groupId}`);
    const byId = new Map(
      res.body.members.map((m: { value: string; display: string }) => [m.value, m.display]),
    );
    expect(byId.get(named)).toBe('Babs Jensen');
    expect(byId.get(plain)).toBe('jsmith');
  });

  it('User.groups lists the groups from the inverted index; deleting the user removes its memberships', async () => {
    const member = await createUser('groups-of-user');
    const other = await createUser('groups-of-user-other');
    const g1 = await createGroup('User groups one', [member, other]);
    const g2 = await createGroup('User groups two', [member]);
    const user = await client.request('GET', `/Users/${member}`);
    expect(user.status).toBe(200);
    const groups = user.body.groups as { value: string; display: string; $ref: string }[];
    expect(groups.map((g) => g.value).sort()).toEqual([g1, g2].sort());
    expect(groups.find((g) => g.value === g1)).toMatchObject({
      display: 'User groups one',
      $ref: `http://scim.test/scim/v2/Groups/${g1}`,
    });
    expect((await client.request('DELETE', `/Users/${member}`)).status).toBe(204);
    expect(await storedMemberIds(client.table, g1)).toEqual([other]);
    expect(await storedMemberIds(client.table, g2)).toEqual([]);
    const group = await client.request('GET', `/Groups/${g1}`);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([other]);
  });

  it('members[display eq "…"] removes the matching members only', async () => {
    const a = await createUser('display-a', undefined, { displayName: 'Remove Me' });
    const b = await createUser('display-b');
    const groupId = await createGroup('Remove where', [a, b]);
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[display eq "remove me"]' }] },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([b]);
  });
});

describe('filters', () => {
  let alice: string;
  let bob: string;
  let eng: string;
  let ops: string;

  beforeAll(async () => {
    alice = await createUser('filter-alice');
    bob = await createUser('filter-bob');
    eng = await createGroup('Filter Engineering', [alice, bob], { externalId: 'ext-eng' });
    ops = await createGroup('Filter Operations', [alice]);
    await createGroup('Filter Empty');
  });

  it('members.value eq "<userId>" lists the user’s groups from the inverted index', async () => {
    const res = await client.request(
      'GET',
      `${filterQuery(`members.value eq "${alice}"`)}&excludedAttributes=members`,
    );
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((g: { id: string }) => g.id)).toEqual([eng, ops].sort());
    const onlyBob = await client.request('GET', filterQuery(`members.value eq "${bob}"`));
    expect(onlyBob.body.Resources.map((g: { id: string }) => g.id)).toEqual([eng]);
  });

  it('members.value eq combined with and: both users, and with displayName', async () => {
    const both = await client.request(
      'GET',
      filterQuery(`members.value eq "${alice}" and members.value eq "${bob}"`),
    );
    expect(both.body.Resources.map((g: { id: string }) => g.id)).toEqual([eng]);
    const named = await client.request(
      'GET',
      filterQuery(`displayName eq "Filter Operations" and members[value eq "${alice}"]`),
    );
    expect(named.body.Resources.map((g: { id: string }) => g.id)).toEqual([ops]);
    const notMember = await client.request(
      'GET',
      filterQuery(`displayName eq "Filter Operations" and members.value eq "${bob}"`),
    );
    expect(notMember.body.totalResults).toBe(0);
  });

  it('other filters on members are refused with 400 invalidFilter, not answered wrongly', async () => {
    for (const filter of [
      `members.value eq "${alice}" or displayName eq "x"`,
      'members pr',
      'members.display co "a"',
    ]) {
      const res = await client.request('GET', filterQuery(filter));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidFilter');
    }
  });

  it('externalId eq, and an unindexed filter evaluated over the listing', async () => {
    const byExt = await client.request('GET', filterQuery('externalId eq "ext-eng"'));
    expect(byExt.body.Resources.map((g: { id: string }) => g.id)).toEqual([eng]);
    const sw = await client.request(
      'GET',
      `${filterQuery('displayName sw "filter "')}&excludedAttributes=members`,
    );
    expect(sw.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Filter Engineering',
      'Filter Operations',
      'Filter Empty',
    ]);
  });

  it('POST /Groups/.search takes the same parameters', async () => {
    const res = await client.request('POST', '/Groups/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: `members.value eq "${bob}"`,
        excludedAttributes: ['members'],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.Resources).toEqual([
      expect.objectContaining({ id: eng, displayName: 'Filter Engineering' }),
    ]);
    expect(res.body.Resources[0]).not.toHaveProperty('members');
  });

  it('an invalid filter is 400 invalidFilter', async () => {
    const res = await client.request('GET', filterQuery('displayName eq'));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });
});

describe('listing', () => {
  it('pages with startIndex and count over a fresh tenant, members included by default', async () => {
    const fresh = await createScimTestClient({ tenants: ['initech'] });
    try {
      const user = await (async () => {
        const res = await fresh.request('POST', '/Users', { body: { schemas: [USER], userName: 'milton' } });
        return res.body.id as string;
      })();
      for (const name of ['A', 'B', 'C']) {
        const res = await fresh.request('POST', '/Groups', {
          body: { schemas: [GROUP], displayName: name, members: [{ value: user }] },
        });
        expect(res.status).toBe(201);
      }
      const page = await fresh.request('GET', '/Groups?startIndex=2&count=2');
      expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 2 });
      expect(page.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['B', 'C']);
      expect(page.body.Resources[0].members).toEqual([
        expect.objectContaining({ value: user, display: 'milton' }),
      ]);
      const sorted = await fresh.request(
        'GET',
        '/Groups?sortBy=displayName&sortOrder=descending&excludedAttributes=members',
      );
      expect(sorted.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
        'C',
        'B',
        'A',
      ]);
      // RFC 9865 cursor paging over the same listing.
      const first = await fresh.request('GET', '/Groups?cursor=&count=2&excludedAttributes=members');
      expect(first.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['A', 'B']);
      expect(first.body.totalResults).toBe(3);
      const second = await fresh.request(
        'GET',
        `/Groups?cursor=${encodeURIComponent(first.body.nextCursor)}&count=2&excludedAttributes=members`,
      );
      expect(second.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['C']);
      expect(second.body.nextCursor).toBeUndefined();
      // totalResults follows creates and deletes (sharded counter).
      expect((await fresh.request('DELETE', `/Groups/${first.body.Resources[0].id}`)).status).toBe(204);
      expect((await fresh.request('GET', '/Groups?count=0')).body.totalResults).toBe(2);
      const bare = await fresh.request('GET', '/Groups?attributes=displayName');
      expect(bare.body.Resources[0]).toEqual({ schemas: [GROUP], id: expect.any(String), displayName: 'B' });
    } finally {
      await fresh.close();
    }
  });
});

describe('PATCH responses and errors', () => {
  let user: string;
  beforeAll(async () => {
    user = await createUser('patch-user');
  });

  it('returns 200 with the group when the client asks for attributes; members only if requested', async () => {
    const groupId = await createGroup('Patch 200');
    const res = await client.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, {
      body: addPatch([user]),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: groupId, displayName: 'Patch 200' });
    expect(res.body).not.toHaveProperty('members');
    expect(res.headers.etag).toBe(res.body.meta.version);
    const withMembers = await client.request('PATCH', `/Groups/${groupId}?attributes=members`, {
      body: { schemas: [PATCH_OP], Operations: [] },
    });
    expect(withMembers.status).toBe(200);
    expect(withMembers.body.members).toEqual([expect.objectContaining({ value: user })]);
    expect(withMembers.body).not.toHaveProperty('displayName');
  });

  it('a membership change changes the ETag (version); a 204 never carries a wrong ETag', async () => {
    const groupId = await createGroup('Etag');
    const before = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    const patched = await client.request('PATCH', `/Groups/${groupId}`, { body: addPatch([user]) });
    expect(patched.status).toBe(204);
    const after = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    // Without If-Match the transaction's resulting version is unknown without a read: no ETag.
    expect(patched.headers.etag).toBeUndefined();
    // With If-Match it is exactly the next version.
    const conditional = await client.request('PATCH', `/Groups/${groupId}`, {
      body: removePatch(user),
      headers: { 'If-Match': after.headers.etag as string },
    });
    expect(conditional.status).toBe(204);
    const latest = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(conditional.headers.etag).toBe(latest.headers.etag);
    expect(latest.headers.etag).not.toBe(after.headers.etag);
  });

  it('renaming to a taken name is 409 uniqueness and stores nothing of the request', async () => {
    await createGroup('Taken');
    const groupId = await createGroup('Free');
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'TAKEN' },
          { op: 'add', path: 'members', value: [{ value: user }] },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  });

  it.each([
    ['removing displayName', { Operations: [{ op: 'remove', path: 'displayName' }] }, 400],
    ['an unknown op', { Operations: [{ op: 'merge', path: 'displayName', value: 'x' }] }, 400],
    [
      'a member without value',
      { Operations: [{ op: 'add', path: 'members', value: [{ display: 'x' }] }] },
      400,
    ],
    [
      'editing a member sub-attribute',
      { Operations: [{ op: 'replace', path: 'members.display', value: 'x' }] },
      400,
    ],
    ['no Operations', { schemas: [PATCH_OP] }, 400],
  ])('PATCH with %s is a 4xx SCIM error', async (_name, body, status) => {
    const groupId = await createGroup(`Bad patch ${_name}`);
    const res = await client.request('PATCH', `/Groups/${groupId}`, { body });
    expect(res.status).toBe(status);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(res.body.scimType).toBeDefined();
  });

  it.each([
    ['a missing displayName', { schemas: [GROUP] }],
    ['a non-string displayName', { schemas: [GROUP], displayName: 42 }],
    ['members that is not a list', { schemas: [GROUP], displayName: 'x1', members: { value: 'a' } }],

    ['a body that is not an object', [1, 2]],
  ])('POST with %s is 400', async (_name, body) => {
    const res = await client.request('POST', '/Groups', { body });
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('400');
  });

  it('a member of type "Group" is 400 even when the id is a real user (nested groups are not supported)', async () => {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Nested', members: [{ value: user, type: 'Group' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    expect(res.body.detail).toContain('type');
  });

  it('a PATCH naming more than 10,000 members is 400 tooMany before any read (its activity record aside)', async () => {
    const groupId = await createGroup('Too many at once');
    const ids = Array.from({ length: 10_001 }, () => uuidv7());
    const { result, cost } = await measured('PATCH', `/Groups/${groupId}`, { body: addPatch(ids) });
    expect(result.status).toBe(400);
    expect(result.body.scimType).toBe('tooMany');
    expect(cost.byCommand).toEqual({ PutItem: 1 });
  });

  it('unknown ids are 404 for GET, PUT, PATCH and DELETE', async () => {
    for (const id of [uuidv7(), 'not-a-uuid']) {
      expect((await client.request('GET', `/Groups/${id}`)).status).toBe(404);
      expect(
        (await client.request('PUT', `/Groups/${id}`, { body: { schemas: [GROUP], displayName: 'ghost' } }))
          .status,
      ).toBe(404);
      expect((await client.request('PATCH', `/Groups/${id}`, { body: addPatch([user]) })).status).toBe(404);
      expect((await client.request('DELETE', `/Groups/${id}`)).status).toBe(404);
    }
  });

  it('a very long displayName is 400, not a DynamoDB error', async () => {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'x'.repeat(5000) },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
  });
});
