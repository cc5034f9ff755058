/**
 * Paging one group's members with `GET /Users?filter=groups.value eq "<gid>"` on a group of
 * 10,001 members: every member once, in id order, by cursor; each page
 * is 1 Query of the membership keys + BatchGetItem of the page's users, and reads a small
 * fraction of what reading the whole partition costs; offset bounds; tenant isolation; removed
 * members and deleted users disappear; combinations that cannot be paged exactly are 400.
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type DynamoCost, measureCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { groupKey, userKey } from '../../../lambdas/store/keys';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';
import { seedMemberships, seedUsers, usePatientClient } from './large-group-seed';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MEMBERS = 10_001;

jest.setTimeout(300_000);

let client: ScimTestClient;
let members: string[];
let outsider: string;
let groupId: string;
/** Read capacity of one strongly consistent Query of the whole membership partition. */
let partitionReadRcu: number;
let seedMs: number;
const costHeaderBefore = process.env.SCIM_COST_HEADER;

const filterOf = (gid: string) => encodeURIComponent(`groups.value eq "${gid}"`);
const idsOf = (res: ScimResponse): string[] =>
  ((res.body.Resources ?? []) as { id: string }[]).map((r) => r.id);
const costOf = (res: ScimResponse): DynamoCost => {
  const cost = parseCost(res.headers[COST_HEADER]);
  if (!cost) throw new Error('no cost header');
  return cost;
};

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient({ tenants: ['acme', 'other'] });
  usePatientClient(client);
  const started = performance.now();
  const users = await seedUsers(client, MEMBERS + 1);
  members = users.slice(0, MEMBERS).sort();
  outsider = users[MEMBERS] as string;
  const res = await client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName: 'Everyone' },
  });
  expect(res.status).toBe(201);
  groupId = res.body.id as string;
  // The user side only for the member a test removes through the API.
  await seedMemberships(client, groupId, members, members.slice(0, 1));
  seedMs = Math.round(performance.now() - started);
  const { cost } = await measureCost(async () => {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.table.db.send(
        new QueryCommand({
          TableName: client.table.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': groupKey('acme', groupId).PK },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  });
  partitionReadRcu = cost.readCapacityUnits;
});

afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  await client?.close();
});

it('pages all 10,001 members by cursor: each exactly once, in id order, 1 Query + 1 BatchGetItem per 100', async () => {
  console.log(
    `group-members-paging: seeding took ${seedMs} ms; one read of the partition: ${partitionReadRcu} RCU`,
  );
  expect(partitionReadRcu).toBeGreaterThan(400);
  const seen: string[] = [];
  let cursor = '';
  let pages = 0;
  const rcu: number[] = [];
  for (;;) {
    const res = await client.request('GET', `/Users?filter=${filterOf(groupId)}&count=1000&cursor=${cursor}`);
    expect(res.status).toBe(200);
    pages++;
    const ids = idsOf(res);
    seen.push(...ids);
    expect(res.body.itemsPerPage).toBe(ids.length);
    expect(res.body).not.toHaveProperty('startIndex');
    expect(res.body).not.toHaveProperty('totalResults');
    const cost = costOf(res);
    // count + 1 keys in one Query, the page's 1,000 users in 10 BatchGetItem of 100.
    expect(cost.byCommand).toEqual({ Query: 1, BatchGetItem: Math.ceil(ids.length / 100) });
    rcu.push(cost.readCapacityUnits);
    if (!res.body.nextCursor) break;
    expect(ids).toHaveLength(1000);
    cursor = encodeURIComponent(res.body.nextCursor as string);
  }
  console.log(`cursor walk: ${pages} pages of 1,000, RCU per page ${rcu.join(', ')}`);
  expect(pages).toBe(11);
  expect(seen).toEqual(members);
});

it('a page of 100 (the console) reads 101 keys and 100 users: a small fraction of the partition', async () => {
  const first = await client.request('GET', `/Users?filter=${filterOf(groupId)}&count=100&cursor=`);
  expect(idsOf(first)).toEqual(members.slice(0, 100));
  const next = await client.request(
    'GET',
    `/Users?filter=${filterOf(groupId)}&count=100&cursor=${encodeURIComponent(first.body.nextCursor)}`,
  );
  expect(idsOf(next)).toEqual(members.slice(100, 200));
  for (const res of [first, next]) {
    const cost = costOf(res);
    console.log(`page of 100 members: ${JSON.stringify(cost.byCommand)}, ${cost.readCapacityUnits} RCU`);
    expect(cost.byCommand).toEqual({ Query: 1, BatchGetItem: 1 });
    // ~5 RCU of keys + 100 users at 0.5 RCU; reading the partition's keys alone is ~10× that.
    expect(cost.readCapacityUnits * 5).toBeLessThan(partitionReadRcu);
  }
  // The same through POST /Users/.search, cursor included.
  const search = await client.request('POST', '/Users/.search', {
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `groups[value eq "${groupId}"]`,
      count: 100,
      cursor: '',
      attributes: ['userName'],
    },
  });
  expect(search.status).toBe(200);
  expect(idsOf(search)).toEqual(members.slice(0, 100));
  expect(search.body.Resources[0]).not.toHaveProperty('emails');
});

it('offset paging: startIndex/count slices the members, bounded like the listing', async () => {
  const first = await client.request('GET', `/Users?filter=${filterOf(groupId)}&startIndex=1&count=100`);
  expect(first.status).toBe(200);
  expect(first.body.startIndex).toBe(1);
  expect(idsOf(first)).toEqual(members.slice(0, 100));
  expect(costOf(first).byCommand).toEqual({ Query: 1, BatchGetItem: 1 });

  const deep = await client.request('GET', `/Users?filter=${filterOf(groupId)}&startIndex=9951&count=100`);
  expect(idsOf(deep)).toEqual(members.slice(9950, 10_001));
  expect(costOf(deep).byCommand.BatchGetItem).toBe(1);
  console.log(
    `startIndex=9951&count=100: ${JSON.stringify(costOf(deep).byCommand)}, ${costOf(deep).readCapacityUnits} RCU`,
  );

  // count=0 asks for the total alone (RFC 7644 §3.4.2.4): counted by DynamoDB, no user read,
  // bounded like a walk — this group's 10,001 members are more than a count reads.
  const total = await client.request('GET', `/Users?filter=${filterOf(groupId)}&count=0`);
  expect(total.status).toBe(400);
  expect(total.body.scimType).toBe('tooMany');
  expect(Object.keys(costOf(total).byCommand)).toEqual(['Query']);
  const small = await client.request('POST', '/Groups', {
    body: {
      schemas: [GROUP],
      displayName: 'Three',
      members: members.slice(0, 3).map((value) => ({ value })),
    },
  });
  const three = await client.request('GET', `/Users?filter=${filterOf(small.body.id)}&count=0`);
  expect(three.body).toMatchObject({ totalResults: 3, Resources: [] });
  expect(costOf(three).byCommand).toEqual({ Query: 1 });
  expect(first.body.totalResults).toBeUndefined(); // pages leave it out (docs/GROUPS.md)

  // Skipping more than 10,000 members is refused before any read.
  const tooDeep = await client.request('GET', `/Users?filter=${filterOf(groupId)}&startIndex=10002&count=10`);
  expect(tooDeep.status).toBe(400);
  expect(tooDeep.body.scimType).toBe('tooMany');
  expect(tooDeep.body.detail).toContain('cursor');
  expect(costOf(tooDeep).requests).toBe(0);
});

it('another tenant pages nothing with this group id, and an unknown group is an empty page', async () => {
  const other = await client.request('GET', `/Users?filter=${filterOf(groupId)}&cursor=`, {
    token: client.tokenFor('other'),
  });
  expect(other.status).toBe(200);
  expect(other.body.Resources ?? []).toEqual([]);
  expect(other.body).not.toHaveProperty('nextCursor');
  expect(costOf(other).byCommand).toEqual({ Query: 1 });
  // A cursor of acme's listing is not accepted by another tenant.
  const acme = await client.request('GET', `/Users?filter=${filterOf(groupId)}&count=10&cursor=`);
  const replay = await client.request(
    'GET',
    `/Users?filter=${filterOf(groupId)}&count=10&cursor=${encodeURIComponent(acme.body.nextCursor)}`,
    { token: client.tokenFor('other') },
  );
  expect(replay.status).toBe(400);
  expect(replay.body.scimType).toBe('invalidCursor');

  const unknown = await client.request('GET', `/Users?filter=${filterOf(outsider)}`);
  expect(unknown.status).toBe(200);
  expect(unknown.body.Resources ?? []).toEqual([]);
});

it('a removed member disappears; a member whose user is gone is left out (the page re-reads users)', async () => {
  const [removed, orphaned] = members as [string, string];
  const patch = await client.request('PATCH', `/Groups/${groupId}`, {
    body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${removed}"]` }] },
  });
  expect(patch.status).toBe(204);
  // The race GROUPS.md describes: the user item deleted, its group-side membership left behind.
  await client.table.db.send(
    new DeleteCommand({ TableName: client.table.tableName, Key: userKey('acme', orphaned) }),
  );
  const res = await client.request('GET', `/Users?filter=${filterOf(groupId)}&count=5&cursor=`);
  // Keys members[1..5] were read; members[1] has no user any more, so the page holds 4.
  expect(idsOf(res)).toEqual(members.slice(2, 6));
  const next = await client.request(
    'GET',
    `/Users?filter=${filterOf(groupId)}&count=5&cursor=${encodeURIComponent(res.body.nextCursor)}`,
  );
  expect(idsOf(next)).toEqual(members.slice(6, 11));
});

it('filters that a page of the partition cannot answer exactly are 400, not a wrong page', async () => {
  const combined = await client.request(
    'GET',
    `/Users?filter=${encodeURIComponent(`groups.value eq "${groupId}" and active eq true`)}`,
  );
  expect(combined.status).toBe(400);
  expect(combined.body.scimType).toBe('invalidFilter');
  expect(combined.body.detail).toContain('whole filter');
  expect(costOf(combined).requests).toBe(0);

  // Any other reference to groups is refused too: the listing does not materialise groups, so
  // it would answer these with nothing (or, under `not`, with everyone) instead of the truth.
  for (const other of [
    `groups.value eq "${groupId}" or userName eq "x"`,
    `not (groups.value eq "${groupId}")`,
    `groups.value ne "${groupId}"`,
    'groups pr',
    'groups.display eq "Everyone"',
    `groups[value eq "${groupId}" or value eq "x"]`,
  ]) {
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent(other)}`);
    expect({ other, status: res.status, scimType: res.body.scimType }).toEqual({
      other,
      status: 400,
      scimType: 'invalidFilter',
    });
    expect(costOf(res).requests).toBe(0);
  }

  const sorted = await client.request('GET', `/Users?filter=${filterOf(groupId)}&sortBy=userName`);
  expect(sorted.status).toBe(400);
  expect(sorted.body.scimType).toBe('invalidValue');
});
