/**
 * POST /scim/v2/.search over Users and Groups (RFC 7644 §3.4.3) through the real handlers on
 * DynamoDB Local: order (Users then Groups), filters per type, projection, sorting, index and
 * cursor paging, meta.resourceType, and the DynamoDB requests of a page (docs/ROOT-SEARCH.md).
 */
import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

let client: ScimTestClient;
const costHeaderBefore = process.env.SCIM_COST_HEADER;
const userIds: string[] = [];
const groupIds: string[] = [];

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
  for (const name of ['carol', 'alice', 'bob']) {
    const res = await client.request('POST', '/Users', {
      body: { schemas: [USER], userName: name, displayName: `${name} display` },
    });
    expect(res.status).toBe(201);
    userIds.push(res.body.id);
  }
  for (const name of ['Engineering', 'Admins']) {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: name, members: [{ value: userIds[0] }] },
    });
    expect(res.status).toBe(201);
    groupIds.push(res.body.id);
  }
});
afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  await client.close();
});

async function search(body: Record<string, unknown>, token?: string) {
  const result = await client.request('POST', '/.search', {
    body: { schemas: [SEARCH], ...body },
    ...(token ? { token } : {}),
  });
  const cost = parseCost(result.headers[COST_HEADER]) as DynamoCost;
  return { result, cost };
}

const idsOf = (body: { Resources: { id: string }[] }) => body.Resources.map((r) => r.id);

describe('POST /.search', () => {
  it('lists Users then Groups, each in creation order, with meta.resourceType', async () => {
    const { result, cost } = await search({});
    expect(result.status).toBe(200);
    expect(result.body.totalResults).toBe(5);
    expect(result.body.startIndex).toBe(1);
    expect(idsOf(result.body)).toEqual([...userIds, ...groupIds]);
    expect(result.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual(
      ['User', 'User', 'User', 'Group', 'Group'],
    );
    // 2 counter Queries + 1 listing Query per type (startIndex 1 needs no checkpoint read) +
    // 1 checkpoint PutItem per type whose page part is full + the members the default projection
    // returns (1 Query per group, 1 BatchGetItem of member names).
    expect(cost.byCommand).toEqual({ Query: 6, PutItem: 2, BatchGetItem: 1 });
  });

  it('groups.value eq "<gid>" finds the group’s members, as GET /Users does (and no Groups)', async () => {
    const filter = `groups.value eq "${groupIds[0]}"`;
    const { result } = await search({ filter });
    expect(result.status).toBe(200);
    expect(idsOf(result.body)).toEqual([userIds[0]]);
    expect(result.body.totalResults).toBe(1);
    const users = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(users.body.Resources.map((r: { id: string }) => r.id)).toEqual(idsOf(result.body));
    const nobody = await search({ filter: 'groups.value eq "01890000-0000-7000-8000-000000000000"' });
    expect(nobody.result.body.totalResults).toBe(0);
    const combined = await search({ filter: `${filter} and userName eq "carol"` });
    expect(combined.result.status).toBe(400);
  });

  it('pages across the two types by startIndex and count', async () => {
    const { result: first } = await search({ startIndex: 2, count: 3, excludedAttributes: ['members'] });
    expect(idsOf(first.body)).toEqual([userIds[1], userIds[2], groupIds[0]]);
    expect(first.body.totalResults).toBe(5);
    const { result: last, cost } = await search({ startIndex: 5, count: 3, excludedAttributes: ['members'] });
    expect(idsOf(last.body)).toEqual([groupIds[1]]);
    // Inside the groups only: 2 counter Queries, the groups' nearest page checkpoint (Query),
    // 1 listing Query, the new checkpoint (PutItem); the users' listing is not read.
    expect(cost.byCommand).toEqual({ Query: 4, PutItem: 1 });
    const { result: past } = await search({ startIndex: 9 });
    expect(past.body.Resources).toEqual([]);
    expect(past.body.totalResults).toBe(5);
  });

  it('pages by RFC 9865 cursor through both types', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const { result } = await search({ cursor, count: 2, attributes: ['id'] });
      expect(result.status).toBe(200);
      expect(result.body.startIndex).toBeUndefined();
      seen.push(...idsOf(result.body));
      if (!result.body.nextCursor) break;
      cursor = result.body.nextCursor;
    }
    expect(seen).toEqual([...userIds, ...groupIds]);
  });

  it('a cursor is bound to its query', async () => {
    const { result } = await search({ cursor: '', count: 1 });
    const other = await search({ cursor: result.body.nextCursor, count: 1, filter: 'displayName pr' });
    expect(other.result.status).toBe(400);
    expect(other.result.body.scimType).toBe('invalidCursor');
  });

  it('a filter applies to the types it names: userName finds Users only', async () => {
    const { result } = await search({ filter: 'userName sw "a"' });
    expect(idsOf(result.body)).toEqual([userIds[1]]);
    expect(result.body.totalResults).toBe(1);
  });

  it('a filter on a shared attribute finds both types', async () => {
    const { result } = await search({ filter: 'displayName sw "a"', excludedAttributes: ['members'] });
    expect(idsOf(result.body)).toEqual([userIds[1], groupIds[1]]);
    expect(result.body.Resources[1].meta.resourceType).toBe('Group');
  });

  it('attributes and excludedAttributes project each type; meta.resourceType stays', async () => {
    const { result } = await search({ attributes: ['userName', 'displayName'] });
    expect(result.body.Resources[0]).toEqual({
      schemas: [USER],
      id: userIds[0],
      userName: 'carol',
      displayName: 'carol display',
      meta: { resourceType: 'User' },
    });
    expect(result.body.Resources[3]).toEqual({
      schemas: [GROUP],
      id: groupIds[0],
      displayName: 'Engineering',
      meta: { resourceType: 'Group' },
    });
    const { result: excluded } = await search({ excludedAttributes: ['members', 'meta'] });
    expect(excluded.body.Resources[3].members).toBeUndefined();
  });

  it('sortBy sorts the whole set; resources without the attribute sort last ascending, first descending', async () => {
    const { result } = await search({ sortBy: 'displayName', excludedAttributes: ['members'] });
    expect(result.body.Resources.map((r: { displayName: string }) => r.displayName)).toEqual([
      'Admins',
      'alice display',
      'bob display',
      'carol display',
      'Engineering',
    ]);
    const { result: byUserName } = await search({ sortBy: 'userName', sortOrder: 'descending' });
    expect(idsOf(byUserName.body)).toEqual([groupIds[0], groupIds[1], userIds[0], userIds[2], userIds[1]]);
  });

  it('sortBy on an attribute listed resources do not carry (User.groups, Group.members) is 400, before any read', async () => {
    for (const sortBy of ['groups.value', 'GROUPS.display', 'members.value', 'members']) {
      const { result, cost } = await search({ sortBy });
      expect({ sortBy, status: result.status, scimType: result.body.scimType }).toEqual({
        sortBy,
        status: 400,
        scimType: 'invalidValue',
      });
      expect(cost.requests).toBe(0);
    }
    for (const [path, sortBy] of [
      ['/Users', 'groups.value'],
      ['/Groups', 'members.display'],
    ] as const) {
      const res = await client.request('GET', `${path}?sortBy=${sortBy}`);
      expect(res.status).toBe(400);
      expect(res.body.detail).toContain('do not carry');
    }
  });

  it('a filter naming no attribute of either type reads nothing', async () => {
    const { result, cost } = await search({ filter: 'nosuch eq "x"' });
    expect(result.status).toBe(200);
    expect(result.body.totalResults).toBe(0);
    expect(cost.requests).toBe(0);
  });

  it('a malformed filter is 400 invalidFilter, before any read', async () => {
    const { result, cost } = await search({ filter: 'userName eq' });
    expect(result.status).toBe(400);
    expect(result.body.scimType).toBe('invalidFilter');
    expect(cost.requests).toBe(0);
  });

  it('is tenant-scoped', async () => {
    const { result } = await search({}, client.tokenFor('globex'));
    expect(result.body.totalResults).toBe(0);
    expect(result.body.Resources).toEqual([]);
  });

  it('is POST only', async () => {
    const res = await client.request('GET', '/.search');
    expect(res.status).toBe(405);
  });
});
