/**
 * Users behaviour that no single identity provider's script covers: races, bad input, tenant
 * isolation, /.search, projection, odd ids, and the DynamoDB requests each operation costs.
 */
import fc from 'fast-check';
import { parseCost } from '../../../lambdas/observability/dynamo-cost';
import { GROUP_SCHEMA } from '../../../lambdas/scim/schema/group-schema';
import { createGroup } from '../../../lambdas/store/groups-store';
import { uuidv7 } from '../../../lambdas/store/ids';
import { groupIdsOfMember, listMemberIds, putMemberships } from '../../../lambdas/store/memberships-store';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

let client: ScimTestClient;
beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

async function create(userName: string, extra: Record<string, unknown> = {}) {
  const res = await client.request('POST', '/Users', {
    body: { schemas: [USER_SCHEMA], userName, ...extra },
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('concurrency', () => {
  it('ten parallel creates of one userName: exactly one 201, the others 409 uniqueness', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.request('POST', '/Users', {
          body: { userName: i % 2 ? 'Parallel@Example.com' : 'parallel@example.com' },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.scimType).toBe('uniqueness');
    }
    const listed = await client.request('GET', '/Users?filter=userName eq "PARALLEL@example.com"');
    expect(listed.body.totalResults).toBe(1);
  });

  it('concurrent PATCHes of different attributes on one user both land', async () => {
    const user = await create('concurrent.patch@example.com');
    const attributes = ['displayName', 'nickName', 'title', 'profileUrl', 'userType', 'preferredLanguage'];
    const results = await Promise.all(
      attributes.map((path) =>
        client.request('PATCH', `/Users/${user.id}`, {
          body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path, value: `${path}-value` }] },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(attributes.map(() => 200));
    const final = await client.request('GET', `/Users/${user.id}`);
    for (const path of attributes) expect(final.body[path]).toBe(`${path}-value`);
    expect(final.body.meta.version).toBe(`W/"${attributes.length + 1}"`);
  });
});

describe('bad input is a 4xx SCIM error', () => {
  it('malformed JSON → 400 invalidSyntax', async () => {
    const res = await client.request('POST', '/Users', { rawBody: '{"userName": "x",' });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidSyntax');
    expect(res.body.status).toBe('400');
  });

  it.each([
    ['missing userName', { name: { givenName: 'A' } }, 'userName'],
    ['active of the wrong type', { userName: 'typed.1', active: 'maybe' }, 'active'],
    ['emails not an array', { userName: 'typed.2', emails: { value: 'a@b.c' } }, 'emails'],
    ['userName a number', { userName: 42 }, 'userName'],
  ])('%s → 400 invalidValue naming the attribute', async (_name, body, attribute) => {
    const res = await client.request('POST', '/Users', { body });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    expect(res.body.detail).toContain(attribute);
  });

  it('a body that is not an object → 400', async () => {
    const res = await client.request('POST', '/Users', { body: ['userName'] });
    expect(res.status).toBe(400);
  });

  it('an unsupported Content-Type → 415', async () => {
    const res = await client.request('POST', '/Users', {
      rawBody: 'userName=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
  });

  it('PATCH removing userName → 400 invalidValue and nothing is written', async () => {
    const user = await create('keep.my.name@example.com');
    const res = await client.request('PATCH', `/Users/${user.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: 'userName' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const get = await client.request('GET', `/Users/${user.id}`);
    expect(get.body.meta.version).toBe('W/"1"');
  });

  it('PATCH with an unknown op → 400 and the user is unchanged', async () => {
    const user = await create('bad.op@example.com');
    const res = await client.request('PATCH', `/Users/${user.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'merge', path: 'title', value: 'x' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('400');
    expect((await client.request('GET', `/Users/${user.id}`)).body.title).toBeUndefined();
  });

  it('an unparsable filter → 400 invalidFilter', async () => {
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });

  it('a filter comparing a boolean with gt → 400 invalidFilter', async () => {
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent('active gt true')}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });

  it('a userName too long for a DynamoDB key → 400 invalidValue, never a 500', async () => {
    const res = await client.request('POST', '/Users', { body: { userName: 'x'.repeat(3000) } });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const filtered = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${'y'.repeat(3000)}"`)}`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.totalResults).toBe(0);
  });

  it('any id string on GET/PUT/PATCH/DELETE is a 404 SCIM error, never a 500 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (raw) => {
        const path = `/Users/${encodeURIComponent(raw)}`;
        if (raw === '.search' || raw === '.' || raw === '..') return;
        const get = await client.request('GET', path);
        expect(get.status).toBe(404);
        expect(get.body.status).toBe('404');
        const del = await client.request('DELETE', path);
        expect(del.status).toBe(404);
      }),
      { seed: 20261123, numRuns: 40 },
    );
    for (const method of ['PUT', 'PATCH']) {
      const res = await client.request(method, '/Users/01890a5d-ac96-774b-bcce-b302099a8057', {
        body: method === 'PUT' ? { userName: 'ghost' } : { schemas: [PATCH_SCHEMA], Operations: [] },
      });
      expect(res.status).toBe(404);
    }
  });
});

describe('lifecycle and reads', () => {
  it('delete → 204 with an empty body, then 404, and the userName is free again', async () => {
    const user = await create('deleted.user@example.com');
    const del = await client.request('DELETE', `/Users/${user.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await client.request('GET', `/Users/${user.id}`)).status).toBe(404);
    expect((await client.request('DELETE', `/Users/${user.id}`)).status).toBe(404);
    await create('deleted.user@example.com');
  });

  it('tenants never see each other’s users', async () => {
    const user = await create('tenant.isolation@example.com');
    const globex = client.tokenFor('globex');
    expect((await client.request('GET', `/Users/${user.id}`, { token: globex })).status).toBe(404);
    const listed = await client.request('GET', '/Users?filter=userName eq "tenant.isolation@example.com"', {
      token: globex,
    });
    expect(listed.body.totalResults).toBe(0);
    expect(
      (
        await client.request('POST', '/Users', {
          token: globex,
          body: { userName: 'tenant.isolation@example.com' },
        })
      ).status,
    ).toBe(201);
  });

  it('POST /Users/.search with a SearchRequest answers like GET', async () => {
    const user = await create('searched@example.com', { title: 'Searcher' });
    const res = await client.request('POST', '/Users/.search', {
      body: {
        schemas: [SEARCH_SCHEMA],
        filter: 'userName eq "searched@example.com"',
        attributes: ['userName'],
        startIndex: 1,
        count: 10,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0]).toEqual({
      schemas: [USER_SCHEMA],
      id: user.id,
      userName: 'searched@example.com',
    });
  });

  it('attributes and excludedAttributes project GET and list responses', async () => {
    const user = await create('projected@example.com', {
      title: 'Projected',
      name: { givenName: 'P', familyName: 'Q' },
    });
    const only = await client.request('GET', `/Users/${user.id}?attributes=name.givenName`);
    expect(only.body).toEqual({ schemas: [USER_SCHEMA], id: user.id, name: { givenName: 'P' } });
    const without = await client.request('GET', `/Users/${user.id}?excludedAttributes=title,meta`);
    expect(without.body.title).toBeUndefined();
    expect(without.body.meta).toBeUndefined();
    expect(without.body.userName).toBe('projected@example.com');
    const listed = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "projected@example.com"')}&attributes=title`,
    );
    expect(listed.body.Resources).toEqual([{ schemas: [USER_SCHEMA], id: user.id, title: 'Projected' }]);
  });

  it('filters that no index answers (co, or, not, meta) are evaluated over the listing', async () => {
    const a = await create('walk.alpha@example.com', { title: 'Walker' });
    const b = await create('walk.beta@example.com', { title: 'walker' });
    const co = await client.request('GET', `/Users?filter=${encodeURIComponent('userName co "walk."')}`);
    expect(co.body.Resources.map((u: { id: string }) => u.id)).toEqual([a.id, b.id]);
    const either = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "walk.alpha@example.com" or userName eq "walk.beta@example.com"')}&count=1&startIndex=2`,
    );
    expect(either.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(either.body.Resources[0].id).toBe(b.id);
    const byId = await client.request('GET', `/Users?filter=${encodeURIComponent(`id eq "${a.id}"`)}`);
    expect(byId.body.Resources.map((u: { id: string }) => u.id)).toEqual([a.id]);
    const since = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`meta.created ge "${a.meta.created}" and title eq "WALKER"`)}`,
    );
    expect(since.body.Resources.map((u: { id: string }) => u.id)).toEqual([a.id, b.id]);
  });

  it('accepts application/json with a charset, as Okta’s older clients send', async () => {
    const res = await client.request('POST', '/Users', {
      body: { userName: 'charset@example.com' },
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });
});

describe('User.groups from the membership index', () => {
  it('GET shows the groups a user belongs to; DELETE removes the memberships', async () => {
    const user = await create('member.user@example.com');
    const store = { db: client.table.db, tableName: client.table.tableName, tenant: 'acme' };
    const group = await createGroup(store, { schemas: [GROUP_SCHEMA], displayName: 'Engineering' });
    await putMemberships(store, group.id, [user.id]);
    const got = await client.request('GET', `/Users/${user.id}`);
    expect(got.body.groups).toEqual([
      expect.objectContaining({
        value: group.id,
        display: 'Engineering',
        $ref: `http://scim.test/scim/v2/Groups/${group.id}`,
      }),
    ]);
    // groups is readOnly: a PUT that sends other groups changes nothing about membership.
    const put = await client.request('PUT', `/Users/${user.id}`, {
      body: { userName: 'member.user@example.com', groups: [{ value: 'someone-else' }] },
    });
    expect(put.body.groups.map((g: { value: string }) => g.value)).toEqual([group.id]);
    expect((await client.request('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect(await groupIdsOfMember(store, user.id)).toEqual([]);
  });
});

describe('DynamoDB requests per operation', () => {
  // The handler reports the operation's own cost in a header (the provisioning-activity record
  // it writes afterwards for mutating requests is accounted separately).
  const previous = process.env.SCIM_COST_HEADER;
  beforeAll(() => {
    process.env.SCIM_COST_HEADER = '1';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.SCIM_COST_HEADER;
    else process.env.SCIM_COST_HEADER = previous;
  });
  const costOf = (res: ScimResponse) => parseCost(res.headers['x-scim-dynamodb-cost'])?.byCommand;
  const cost = async (method: string, path: string, body?: unknown) =>
    costOf(await client.request(method, path, body === undefined ? {} : { body }));

  it('listed users carry groups only when attributes names them: then 1 Query per user + 1 BatchGetItem of the names', async () => {
    const store = { db: client.runtime.db, tableName: client.table.tableName, tenant: 'acme' };
    const ids: string[] = [];
    for (const userName of ['listed.groups.1@example.com', 'listed.groups.2@example.com']) {
      ids.push((await client.request('POST', '/Users', { body: { userName } })).body.id);
    }
    const group = await createGroup(store, { schemas: [GROUP_SCHEMA], displayName: 'Listed groups' });
    await putMemberships(store, group.id, [ids[0] as string]);
    const filter = encodeURIComponent('userName sw "listed.groups."');
    const plain = await client.request('GET', `/Users?filter=${filter}`);
    expect(plain.body.Resources.map((u: { groups?: unknown }) => u.groups)).toEqual([undefined, undefined]);
    expect(costOf(plain)).toEqual({ Query: 1 });
    const named = await client.request('GET', `/Users?filter=${filter}&attributes=groups`);
    expect(named.body.Resources).toEqual([
      {
        schemas: [expect.any(String)],
        id: ids[0],
        groups: [
          {
            value: group.id,
            display: 'Listed groups',
            $ref: expect.stringMatching(/\/Groups\//),
            type: 'direct',
          },
        ],
      },
      { schemas: [expect.any(String)], id: ids[1] },
    ]);
    expect(costOf(named)).toEqual({ Query: 3, BatchGetItem: 1 });
  });

  it('create = 1 TransactWriteItems + 1 counter UpdateItem; Okta GET /Users/{id} = 1 Query (user + group ids); userName eq = 2 GetItems; externalId eq = 1 Query', async () => {
    const created = await client.request('POST', '/Users', {
      body: { userName: 'costed@example.com', externalId: 'costed-ext' },
    });
    expect(costOf(created)).toEqual({ TransactWriteItems: 1, UpdateItem: 1 });
    const id = created.body.id;
    // ONE strongly consistent Query of the user's partition: the user item and its group refs
    // (none here, so no BatchGetItem of group names).
    expect(await cost('GET', `/Users/${id}`)).toEqual({ Query: 1 });
    expect(
      await cost('GET', `/Users?filter=${encodeURIComponent('userName eq "COSTED@example.com"')}`),
    ).toEqual({
      GetItem: 2,
    });
    expect(await cost('GET', `/Users?filter=${encodeURIComponent('externalId eq "costed-ext"')}`)).toEqual({
      Query: 1,
    });
    expect(await cost('GET', `/Users?filter=${encodeURIComponent(`id eq "${id}"`)}`)).toEqual({ GetItem: 1 });
    // Excluding groups (or asking only for other attributes): a GetItem is enough, same cost.
    expect(await cost('GET', `/Users/${id}?excludedAttributes=groups`)).toEqual({ GetItem: 1 });
    expect(await cost('GET', `/Users/${id}?attributes=userName`)).toEqual({ GetItem: 1 });
    // A missing user is one request too, and a 404.
    const missing = await client.request('GET', `/Users/${uuidv7()}`);
    expect(missing.status).toBe(404);
    expect(costOf(missing)).toEqual({ Query: 1 });
  });

  it('Okta GET /Users/{id} of a member of 2 groups = 1 Query + 1 BatchGetItem of the group names', async () => {
    const user = await create('costed.member@example.com');
    const store = { db: client.table.db, tableName: client.table.tableName, tenant: 'acme' };
    for (const name of ['Cost A', 'Cost B']) {
      const group = await createGroup(store, { schemas: [GROUP_SCHEMA], displayName: name });
      await putMemberships(store, group.id, [user.id]);
    }
    const got = await client.request('GET', `/Users/${user.id}`);
    expect(got.body.groups.map((g: { display: string }) => g.display).sort()).toEqual(['Cost A', 'Cost B']);
    expect(costOf(got)).toEqual({ Query: 1, BatchGetItem: 1 });
  });

  it('Okta PUT / Entra PATCH / deactivate = 1 read (Query) + 1 write (PutItem; TransactWriteItems on rename) + its activity record (a PutItem without a stream consumer, in the transaction on rename); delete = 2 Query (the refs again after the user is gone) + 1 TransactWriteItems + counter UpdateItem', async () => {
    const user = await create('costed.write@example.com');
    expect(
      await cost('PUT', `/Users/${user.id}`, { userName: 'costed.write@example.com', title: 'x' }),
    ).toEqual({ Query: 1, PutItem: 2 });
    expect(
      await cost('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: 'y' }],
      }),
    ).toEqual({ Query: 1, PutItem: 2 });
    expect(
      await cost('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
    ).toEqual({ Query: 1, PutItem: 2 });
    expect(
      await cost('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'userName', value: 'costed.renamed@example.com' }],
      }),
    ).toEqual({ Query: 1, TransactWriteItems: 1 });
    // Nothing to write: the activity record is the one write.
    expect(await cost('PATCH', `/Users/${user.id}`, { schemas: [PATCH_SCHEMA], Operations: [] })).toEqual({
      Query: 1,
      PutItem: 1,
    });
    // Okta's PUT of the user as stored (its echo of id, meta, groups and password included)
    // writes nothing and keeps the version: no 412 for a client holding the ETag.
    const stored = await client.request('GET', `/Users/${user.id}`);
    const echo = { ...stored.body, password: 'secret-1', groups: [] };
    const unchanged = await client.request('PUT', `/Users/${user.id}`, { body: echo });
    expect(unchanged.status).toBe(200);
    expect(costOf(unchanged)).toEqual({ Query: 1, PutItem: 1 });
    expect(unchanged.headers.etag).toBe(stored.headers.etag);
    expect(unchanged.body.meta.lastModified).toBe(stored.body.meta.lastModified);
    expect(await cost('PATCH', `/Users/${user.id}`, { schemas: [PATCH_SCHEMA], Operations: [] })).toEqual({
      Query: 1,
      PutItem: 1,
    });
    expect(await cost('DELETE', `/Users/${user.id}`)).toEqual({
      Query: 2,
      TransactWriteItems: 1,
      UpdateItem: 1,
    });
  });

  it('PATCH of a member of a group: the response groups come from the refs read before the write', async () => {
    const user = await create('costed.patch.member@example.com');
    const store = { db: client.table.db, tableName: client.table.tableName, tenant: 'acme' };
    const group = await createGroup(store, { schemas: [GROUP_SCHEMA], displayName: 'Cost C' });
    await putMemberships(store, group.id, [user.id]);
    const patched = await client.request('PATCH', `/Users/${user.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: 'z' }] },
    });
    expect(patched.body.groups).toEqual([expect.objectContaining({ value: group.id, display: 'Cost C' })]);
    expect(costOf(patched)).toEqual({ Query: 1, PutItem: 2, BatchGetItem: 1 });
    // Deleting the user removes both sides of its membership and moves the group's version, in
    // one transaction per 33 groups (after the user's own).
    const before = await client.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
    const deleted = await client.request('DELETE', `/Users/${user.id}`);
    expect(costOf(deleted)).toEqual({ Query: 2, TransactWriteItems: 2, UpdateItem: 1 });
    expect(await groupIdsOfMember(store, user.id)).toEqual([]);
    expect((await listMemberIds(store, group.id)).ids).toEqual([]);
    // The group's member list changed: so did its ETag, and a cached copy is not "not modified".
    const after = await client.request('GET', `/Groups/${group.id}`, {
      headers: { 'If-None-Match': before.headers.etag as string },
    });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body.meta.lastModified >= before.body.meta.lastModified).toBe(true);
  });

  it('a GET of an id that cannot be ours costs no request, a malformed PATCH only its activity record', async () => {
    expect(await cost('GET', '/Users/00919288221112222')).toEqual({});
    const user = await create('costed.badpatch@example.com');
    expect(
      await cost('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'merge', path: 'x' }],
      }),
    ).toEqual({ PutItem: 1 });
  });
});
