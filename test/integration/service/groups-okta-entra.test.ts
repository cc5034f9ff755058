import { storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient, TEST_BASE } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

let client: ScimTestClient;

beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

async function createUser(userName: string, tenant?: string): Promise<string> {
  const res = await client.request('POST', '/Users', {
    body: { schemas: [USER], userName, name: { givenName: 'G', familyName: 'F' }, active: true },
    ...(tenant ? { token: client.tokenFor(tenant) } : {}),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const sorted = (ids: (string | undefined)[]) => [...ids].sort();

describe('Okta Group Push', () => {
  let alice: string;
  let bob: string;
  let carol: string;
  let groupId: string;

  beforeAll(async () => {
    alice = await createUser('alice@okta.local');
    bob = await createUser('bob@okta.local');
    carol = await createUser('carol@okta.local');
  });

  it('Okta: looks the group up by displayName before creating it (200, totalResults 0)', async () => {
    const res = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('Okta: creates the group with an empty members list → 201 with id, Location and ETag', async () => {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] },
    });
    expect(res.status).toBe(201);
    groupId = res.body.id;
    expect(res.body).toMatchObject({ schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
    expect(res.body.meta).toMatchObject({
      resourceType: 'Group',
      location: `${TEST_BASE}/Groups/${groupId}`,
    });
    expect(res.headers.location).toBe(`${TEST_BASE}/Groups/${groupId}`);
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('Okta: a second create of the same name (any case) is 409 uniqueness', async () => {
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'test scimv2' },
    });
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
  });

  it('Okta: finds the group by displayName after creating it', async () => {
    const res = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`,
    );
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0]).toMatchObject({ id: groupId, displayName: 'Test SCIMv2', members: [] });
  });

  it('Okta: PATCH add members with value + display (no type) → 204, members stored', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: [
              { value: alice, display: 'alice@okta.local' },
              { value: bob, display: 'bob@okta.local' },
            ],
          },
        ],
      },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([alice, bob]));
  });

  it('Okta: GET returns members as value/display with $ref', async () => {
    const res = await client.request('GET', `/Groups/${groupId}`);
    expect(res.status).toBe(200);
    const members = res.body.members as { value: string; display: string; $ref: string }[];
    expect(members.map((m) => m.value).sort()).toEqual(sorted([alice, bob]));
    expect(members.find((m) => m.value === alice)).toMatchObject({
      display: 'alice@okta.local',
      $ref: `${TEST_BASE}/Users/${alice}`,
    });
  });

  it('Okta: PATCH remove by members[value eq "id"] plus add in one request', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'remove', path: `members[value eq "${alice}"]` },
          { op: 'add', path: 'members', value: [{ value: carol, display: 'carol@okta.local' }] },
        ],
      },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([bob, carol]));
  });

  it('Okta: rename with a path-less replace whose value carries the id → 204, members kept', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 renamed' } }],
      },
    });
    expect(res.status).toBe(204);
    const got = await client.request('GET', `/Groups/${groupId}`);
    expect(got.body.displayName).toBe('Test SCIMv2 renamed');
    expect(got.body.id).toBe(groupId);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([bob, carol]));
    // The old name is free again, the new one is found by filter.
    const byNew = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "test scimv2 RENAMED"')}`,
    );
    expect(byNew.body.totalResults).toBe(1);
    const byOld = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}`,
    );
    expect(byOld.body.totalResults).toBe(0);
  });

  it('Okta: "Push Now" replaces the whole member list (PATCH replace members)', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path: 'members', value: [{ value: alice, display: 'alice@okta.local' }] },
        ],
      },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([alice]);
  });

  it('Okta: path-less replace with a members list sets the members', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { members: [{ value: bob }] } }] },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([bob]);
  });

  it('Okta (AIW): full PUT with id and members → 200, the stored set becomes exactly the list', async () => {
    const res = await client.request('PUT', `/Groups/${groupId}`, {
      body: {
        schemas: [GROUP],
        id: groupId,
        displayName: 'Test SCIMv2',
        members: [
          { value: alice, display: 'alice@okta.local' },
          { value: carol, display: 'carol@okta.local' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: groupId, displayName: 'Test SCIMv2' });
    expect(res.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([alice, carol]));
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([alice, carol]));
  });

  it('Okta (AIW): PUT with members: [] empties the group', async () => {
    const res = await client.request('PUT', `/Groups/${groupId}`, {
      body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] },
    });
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual([]);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  });

  it('Okta: DELETE → 204, then GET is 404 and no membership item is left', async () => {
    await client.request('PUT', `/Groups/${groupId}`, {
      body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [{ value: alice }, { value: bob }] },
    });
    expect(await storedMemberIds(client.table, groupId)).toHaveLength(2);
    const res = await client.request('DELETE', `/Groups/${groupId}`, {
      headers: { 'Content-Type': 'application/scim+json' },
    });
    expect(res.status).toBe(204);
    expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
    // And the name can be pushed again.
    const again = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Test SCIMv2' },
    });
    expect(again.status).toBe(201);
  });

  it('Okta: POST with populated members (value + display) stores them', async () => {
    const res = await client.request('POST', '/Groups', {
      body: {
        schemas: [GROUP],
        displayName: 'Created full',
        members: [{ value: alice, display: 'alice@okta.local' }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.members).toEqual([
      { value: alice, display: 'alice@okta.local', $ref: `${TEST_BASE}/Users/${alice}`, type: 'User' },
    ]);
    expect(await storedMemberIds(client.table, res.body.id)).toEqual([alice]);
  });
});

describe('Entra group provisioning', () => {
  let u1: string;
  let u2: string;
  let u3: string;
  let groupId: string;

  beforeAll(async () => {
    u1 = await createUser('u1@contoso.test');
    u2 = await createUser('u2@contoso.test');
    u3 = await createUser('u3@contoso.test');
  });

  it('Entra: creates a group with the ADSCIM URN and read-only meta → 201 with members: []', async () => {
    const res = await client.request('POST', '/Groups', {
      body: {
        schemas: [GROUP, ADSCIM_GROUP],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      },
    });
    expect(res.status).toBe(201);
    groupId = res.body.id;
    expect(res.body).toMatchObject({
      schemas: [GROUP],
      id: groupId,
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      members: [],
    });
    expect(res.body.meta.resourceType).toBe('Group');
  });

  it('Entra: GET with excludedAttributes=members → the group without members', async () => {
    const res = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: groupId, displayName: 'displayName' });
    expect(res.body).not.toHaveProperty('members');
  });

  it('Entra: filter by displayName with excludedAttributes=members → one result without members', async () => {
    const res = await client.request(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(res.body.Resources[0]).toMatchObject({ id: groupId });
    expect(res.body.Resources[0]).not.toHaveProperty('members');
  });

  it('Entra: filter by externalId finds the group', async () => {
    const res = await client.request(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')}`,
    );
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(groupId);
  });

  it('Entra: Add members with "$ref": null → 204', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Add',
            path: 'members',
            value: [
              { $ref: null, value: u1 },
              { $ref: null, value: u2 },
              { $ref: null, value: u3 },
            ],
          },
        ],
      },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([u1, u2, u3]));
  });

  it('Entra: Remove with path "members" and a value list removes only those members', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: u1 }] }],
      },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([u2, u3]));
  });

  it('Entra: Replace displayName → 204 and the new name is found', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Replace',
            path: 'displayName',
            value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
          },
        ],
      },
    });
    expect(res.status).toBe(204);
    const got = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(got.body.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted([u2, u3]));
  });

  it('Entra (flag aadOptscim062020): remove with members[value eq "id"] removes one member', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${u2}"]` }] },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([u3]);
  });

  it('Entra: PATCH with an empty Operations list → 204 and nothing changes', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [] },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([u3]);
  });

  it('RFC 7644: remove with path "members" and no value removes every member', async () => {
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] },
    });
    expect(res.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  });

  it('Entra: DELETE → 204', async () => {
    expect((await client.request('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await client.request('DELETE', `/Groups/${groupId}`)).status).toBe(404);
  });
});
