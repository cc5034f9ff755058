/**
 * Tenant isolation through the real Users and Groups handlers: the token decides the tenant,
 * and every key starts with it. With two tenants' tokens, every endpoint and method of one
 * tenant applied to the other's resource ids answers 404 (or, for references inside a body, a
 * 4xx) and changes nothing — checked against the table itself, item by item — while the same
 * userName and group displayName can exist in both tenants.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { tenantPrefix } from '../../../lambdas/store/keys';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

let client: ScimTestClient;

interface Resources {
  userId: string;
  groupId: string;
}
const made: Record<'acme' | 'globex', Resources> = {
  acme: { userId: '', groupId: '' },
  globex: { userId: '', groupId: '' },
};

async function as(tenant: string, method: string, path: string, body?: unknown) {
  return client.request(method, path, {
    token: client.tokenFor(tenant),
    ...(body !== undefined ? { body } : {}),
  });
}

/** Every item of a tenant, straight from the table (base table keys carry the tenant first). */
async function tenantItems(tenant: string): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.table.db.send(
      new ScanCommand({ TableName: client.table.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      if (String(item.PK).startsWith(`${tenantPrefix(tenant)}#`)) items.push(JSON.stringify(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

beforeAll(async () => {
  client = await createScimTestClient({ tenants: ['acme', 'globex'] });
  for (const tenant of ['acme', 'globex'] as const) {
    // Same userName, externalId and displayName in both tenants: uniqueness is per tenant.
    const user = await as(tenant, 'POST', '/Users', {
      schemas: [USER],
      userName: 'alice@example.com',
      externalId: 'ext-alice',
      name: { givenName: 'Alice', familyName: tenant },
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
      active: true,
    });
    expect(user.status).toBe(201);
    const group = await as(tenant, 'POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      members: [{ value: user.body.id }],
    });
    expect(group.status).toBe(201);
    made[tenant] = { userId: user.body.id, groupId: group.body.id };
  }
});
afterAll(() => client.close());

describe('the same names in two tenants', () => {
  it('lets both tenants hold userName alice@example.com and group Engineering, with distinct ids', () => {
    expect(made.acme.userId).not.toBe(made.globex.userId);
    expect(made.acme.groupId).not.toBe(made.globex.groupId);
  });

  it('still enforces uniqueness inside one tenant (409 uniqueness)', async () => {
    const dupUser = await as('globex', 'POST', '/Users', { schemas: [USER], userName: 'ALICE@example.com' });
    expect(dupUser.status).toBe(409);
    expect(dupUser.body.scimType).toBe('uniqueness');
    const dupGroup = await as('globex', 'POST', '/Groups', { schemas: [GROUP], displayName: 'engineering' });
    expect(dupGroup.status).toBe(409);
  });

  it('answers each tenant’s Okta lookup (userName eq) with its own user only', async () => {
    for (const tenant of ['acme', 'globex'] as const) {
      const res = await as(
        tenant,
        'GET',
        '/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100',
      );
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(made[tenant].userId);
    }
  });
});

describe.each([
  ['globex', 'acme'],
  ['acme', 'globex'],
] as const)('%s applied to %s’s resources', (intruder, owner) => {
  let before: string[];
  beforeAll(async () => {
    before = await tenantItems(owner);
    expect(before.length).toBeGreaterThan(0);
  });

  // Checked after every test of this block: the owner's items are byte-for-byte unchanged.
  afterEach(async () => {
    expect(await tenantItems(owner)).toEqual(before);
  });

  const userPath = () => `/Users/${made[owner].userId}`;
  const groupPath = () => `/Groups/${made[owner].groupId}`;

  it.each([
    ['GET', 'user'],
    ['PUT', 'user'],
    ['PATCH', 'user'],
    ['DELETE', 'user'],
    ['GET', 'group'],
    ['PUT', 'group'],
    ['PATCH', 'group'],
    ['DELETE', 'group'],
  ])('%s on the other tenant’s %s is 404', async (method, kind) => {
    const path = kind === 'user' ? userPath() : groupPath();
    const body =
      method === 'PUT'
        ? kind === 'user'
          ? { schemas: [USER], id: made[owner].userId, userName: 'hijacked@example.com', active: false }
          : { schemas: [GROUP], id: made[owner].groupId, displayName: 'Hijacked', members: [] }
        : method === 'PATCH'
          ? kind === 'user'
            ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }
            : { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] }
          : undefined;
    const res = await as(intruder, method, path, body);
    expect(res.status).toBe(404);
    expect(res.body.status).toBe('404');
  });

  it('PATCH and DELETE with an If-Match of the real version are still 404', async () => {
    const owned = await as(owner, 'GET', userPath());
    const etag = owned.headers.etag;
    expect(etag).toBeDefined();
    const deleted = await client.request('DELETE', userPath(), {
      token: client.tokenFor(intruder),
      headers: { 'If-Match': etag as string },
    });
    expect(deleted.status).toBe(404);
    const patched = await client.request('PATCH', userPath(), {
      token: client.tokenFor(intruder),
      headers: { 'If-Match': etag as string },
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
    expect(patched.status).toBe(404);
  });

  it.each([
    ['GET /Users?filter=id eq <their user>', () => `/Users?filter=id%20eq%20%22${made[owner].userId}%22`],
    ['GET /Groups?filter=id eq <their group>', () => `/Groups?filter=id%20eq%20%22${made[owner].groupId}%22`],
    [
      'GET /Groups?filter=members.value eq <their user>',
      () => `/Groups?filter=members.value%20eq%20%22${made[owner].userId}%22`,
    ],
  ])('%s finds nothing of the other tenant', async (_name, path) => {
    const res = await as(intruder, 'GET', path());
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it('lists and searches only its own resources', async () => {
    const users = await as(intruder, 'GET', '/Users?count=1000');
    const groups = await as(intruder, 'GET', '/Groups?count=1000');
    const search = await as(intruder, 'POST', '/Users/.search', {
      schemas: [SEARCH],
      filter: `id eq "${made[owner].userId}" or externalId eq "ext-alice"`,
    });
    expect(users.status).toBe(200);
    expect(groups.status).toBe(200);
    expect(search.status).toBe(200);
    const seen = [...users.body.Resources, ...groups.body.Resources, ...search.body.Resources].map(
      (r: { id: string }) => r.id,
    );
    expect(seen).not.toContain(made[owner].userId);
    expect(seen).not.toContain(made[owner].groupId);
    expect(search.body.Resources.map((r: { id: string }) => r.id)).toEqual([made[intruder].userId]);
  });

  it('cannot make the other tenant’s user a member of its own group (POST, PATCH add, PUT)', async () => {
    const foreign = { value: made[owner].userId };
    const created = await as(intruder, 'POST', '/Groups', {
      schemas: [GROUP],
      displayName: `Mixed ${intruder}`,
      members: [foreign],
    });
    expect(created.status).toBeGreaterThanOrEqual(400);
    expect(created.status).toBeLessThan(500);
    const patched = await as(intruder, 'PATCH', `/Groups/${made[intruder].groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [foreign] }],
    });
    expect(patched.status).toBeGreaterThanOrEqual(400);
    expect(patched.status).toBeLessThan(500);
    const replaced = await as(intruder, 'PUT', `/Groups/${made[intruder].groupId}`, {
      schemas: [GROUP],
      displayName: 'Engineering',
      members: [{ value: made[intruder].userId }, foreign],
    });
    expect(replaced.status).toBeGreaterThanOrEqual(400);
    expect(replaced.status).toBeLessThan(500);
    const own = await as(intruder, 'GET', `/Groups/${made[intruder].groupId}`);
    expect(own.body.members.map((m: { value: string }) => m.value)).toEqual([made[intruder].userId]);
  });

  it('leaves the owner’s view of its user and group as it was', async () => {
    const user = await as(owner, 'GET', userPath());
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({
      userName: 'alice@example.com',
      active: true,
      meta: { version: 'W/"1"' },
    });
    const group = await as(owner, 'GET', groupPath());
    expect(group.body.displayName).toBe('Engineering');
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([made[owner].userId]);
  });
});
