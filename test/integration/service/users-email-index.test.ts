/**
 * The email index on a tenant of 2,001 users (seeded with the store's own item builders):
 * Entra's `emails[type eq "work"].value eq "x"` and `emails.value eq "x"` cost at most 2 DynamoDB
 * requests (1 Query of the index + 1 GetItem) and at most 2 read units, case-insensitively, and
 * the index follows every create, PUT, PATCH and DELETE. Groups' `displayName sw "x"` is 1 Query
 * of the name index (GSI3) on a tenant of 1,000 groups. docs/FILTERS.md lists the plans.
 * The plan, not the tenant's size, is what the assertions prove: a walk of the listing would send
 * no GetItem and read the whole listing (about 75 read units for the users, 30 for the groups).
 */
import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { batchWrite } from '../../../lambdas/store/batch';
import { uuidv7 } from '../../../lambdas/store/ids';
import { groupKey, groupListingPk, groupNamesPk } from '../../../lambdas/store/keys';
import { userEmailItems } from '../../../lambdas/store/user-emails';
import { userItem } from '../../../lambdas/store/users-store';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';
import { usePatientClient } from './large-group-seed';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEEDED_USERS = 2_001;
const SEEDED_GROUPS = 1_000;

jest.setTimeout(120_000);

let client: ScimTestClient;
const costHeaderBefore = process.env.SCIM_COST_HEADER;

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
  usePatientClient(client);
  const now = new Date().toISOString();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < SEEDED_USERS; i++) {
    const id = uuidv7();
    const resource = {
      schemas: [USER],
      userName: `seed${i}@example.com`,
      emails: [{ value: `seed${i}@example.com`, type: 'work', primary: true }],
    };
    items.push(userItem('acme', { id, version: 1, created: now, lastModified: now, resource }));
    items.push(...userEmailItems('acme', id, resource));
  }
  for (let i = 0; i < SEEDED_GROUPS; i++) {
    const id = uuidv7();
    const displayName = `Seeded group ${String(i).padStart(5, '0')}`;
    items.push({
      ...groupKey('acme', id),
      type: 'Group',
      tenant: 'acme',
      id,
      version: 1,
      resourceVersion: 1,
      created: now,
      lastModified: now,
      resource: { schemas: [GROUP], displayName },
      GSI1PK: groupListingPk('acme'),
      GSI1SK: id,
      GSI3PK: groupNamesPk('acme'),
      GSI3SK: displayName.toLowerCase(),
    });
  }
  await batchWrite(
    client.table,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
});
afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  await client?.close();
});

async function filtered(resource: 'Users' | 'Groups', filter: string, extra = '') {
  const res = await client.request('GET', `/${resource}?filter=${encodeURIComponent(filter)}${extra}`);
  expect(res.status).toBe(200);
  const cost = parseCost(res.headers[COST_HEADER]) as DynamoCost;
  return {
    ids: (res.body.Resources as { id: string }[]).map((r) => r.id),
    total: res.body.totalResults,
    cost,
  };
}

async function createUser(userName: string, emails: unknown[]): Promise<string> {
  const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName, emails } });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('email look-up on a tenant of 2,001 users', () => {
  let ada: string;
  beforeAll(async () => {
    ada = await createUser('ada', [
      { value: 'Ada.Lovelace@Example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ]);
  });

  it.each([
    ['Entra: emails[type eq "work"].value eq', 'emails[type eq "work"].value eq "ada.lovelace@example.com"'],
    ['emails.value eq, another case', 'emails.value eq "ADA.LOVELACE@example.COM"'],
    ['bracket with value', 'emails[value eq "ada@home.example"]'],
    ['and-joined with other terms', 'emails.value eq "ada@home.example" and userName sw "a"'],
  ])('%s: 1 Query + 1 GetItem', async (_name, filter) => {
    const { ids, cost } = await filtered('Users', filter);
    expect(ids).toEqual([ada]);
    expect(cost.requests).toBeLessThanOrEqual(2);
    expect(cost.byCommand).toEqual({ Query: 1, GetItem: 1 });
    expect(cost.readCapacityUnits).toBeLessThanOrEqual(2);
  });

  it('the whole filter is still evaluated: the home address is not of type work', async () => {
    const { ids, cost } = await filtered('Users', 'emails[type eq "work"].value eq "ada@home.example"');
    expect(ids).toEqual([]);
    expect(cost.requests).toBeLessThanOrEqual(2);
  });

  it('a seeded user is found the same way; an unknown address costs 1 Query', async () => {
    const seeded = await filtered('Users', 'emails[type eq "work"].value eq "seed1876@example.com"');
    expect(seeded.ids).toHaveLength(1);
    expect(seeded.cost.requests).toBeLessThanOrEqual(2);
    expect(seeded.cost.readCapacityUnits).toBeLessThanOrEqual(2);
    // The bound tells the plans apart on this tenant: `co` cannot use the index and walks.
    const walked = await filtered('Users', 'emails.value co "seed1876@"');
    expect(walked.ids).toEqual(seeded.ids);
    expect(walked.cost.byCommand.GetItem).toBeUndefined();
    expect(walked.cost.readCapacityUnits).toBeGreaterThan(20);
    const none = await filtered('Users', 'emails.value eq "nobody@example.com"');
    expect(none.ids).toEqual([]);
    expect(none.cost.byCommand).toEqual({ Query: 1 });
  });

  it('users sharing an address are all found (1 Query + 1 BatchGetItem)', async () => {
    const a = await createUser('shared.a', [{ value: 'team@example.com', type: 'work' }]);
    const b = await createUser('shared.b', [{ value: 'TEAM@example.com', type: 'other' }]);
    const { ids, cost } = await filtered('Users', 'emails.value eq "team@example.com"');
    expect(ids).toEqual([a, b]);
    expect(cost.byCommand).toEqual({ Query: 1, BatchGetItem: 1 });
  });

  it('PATCH, PUT and DELETE keep the index in step, within their existing requests', async () => {
    const id = await createUser('moving', [{ value: 'old@example.com', type: 'work' }]);
    const patch = await client.request('PATCH', `/Users/${id}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }],
      },
    });
    expect(patch.status).toBe(200);
    // The same 1 Query + 1 write as before; the write is a transaction because emails changed.
    expect(parseCost(patch.headers[COST_HEADER])?.byCommand).toEqual({ Query: 1, TransactWriteItems: 1 });
    expect((await filtered('Users', 'emails.value eq "old@example.com"')).ids).toEqual([]);
    expect((await filtered('Users', 'emails.value eq "new@example.com"')).ids).toEqual([id]);

    // A PATCH that leaves emails alone is still 1 Query + 1 PutItem (+ its activity record's
    // PutItem: this test runs without a stream consumer).
    const rename = await client.request('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'M' }] },
    });
    expect(parseCost(rename.headers[COST_HEADER])?.byCommand).toEqual({ Query: 1, PutItem: 2 });

    const put = await client.request('PUT', `/Users/${id}`, {
      body: { schemas: [USER], userName: 'moved', emails: [{ value: 'put@example.com', type: 'home' }] },
    });
    expect(put.status).toBe(200);
    expect((await filtered('Users', 'emails.value eq "new@example.com"')).ids).toEqual([]);
    expect((await filtered('Users', 'emails[type eq "home"].value eq "put@example.com"')).ids).toEqual([id]);

    expect((await client.request('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await filtered('Users', 'emails.value eq "put@example.com"')).ids).toEqual([]);
  });

  it('more than 40 distinct emails is 400 invalidValue, nothing written', async () => {
    const emails = Array.from({ length: 41 }, (_, i) => ({ value: `many${i}@example.com` }));
    const res = await client.request('POST', '/Users', {
      body: { schemas: [USER], userName: 'many', emails },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    expect((await filtered('Users', 'emails.value eq "many0@example.com"')).ids).toEqual([]);
  });
});

describe('group displayName sw on a tenant of 1,000 groups', () => {
  it('is 1 Query of the name index, case-insensitive', async () => {
    const { ids, total, cost } = await filtered(
      'Groups',
      'displayName sw "seeded GROUP 0012"',
      '&excludedAttributes=members',
    );
    expect(ids).toHaveLength(10);
    expect(total).toBe(10);
    expect(cost.requests).toBeLessThanOrEqual(2);
    expect(cost.byCommand).toEqual({ Query: 1 });
    expect(cost.readCapacityUnits).toBeLessThanOrEqual(2);
    // `co` walks the listing: the read units tell the plans apart where the request count cannot.
    const walked = await filtered('Groups', 'displayName co "group 0012"', '&excludedAttributes=members');
    expect(walked.total).toBe(10);
    expect(walked.cost.readCapacityUnits).toBeGreaterThan(10);
  });
});
