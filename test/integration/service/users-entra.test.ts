/**
 * Microsoft Entra ID provisioning as the SCIM client (docs/ENTRA.md): the request bodies of
 * Microsoft's "Build a SCIM endpoint" tutorial and Entra's quirks, replayed through the real
 * handlers on DynamoDB Local.
 */
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let counter = 0;
beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

/** The tutorial's create body: enterprise URN without attributes, read-only meta, empty roles. */
function entraCreateBody(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: `0a21f0f2-8d2a-4f8e-bf98-7363c4aed4${String(counter).padStart(2, '0')}`,
    userName: `Test_User_${counter}_00aa00aa-bb11-cc22-dd33-44ee44ee44ee`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${counter}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}) {
  const res = await client.request('POST', '/Users', { body: entraCreateBody(overrides) });
  expect(res.status).toBe(201);
  return res.body;
}

async function patch(id: string, Operations: unknown[]) {
  return client.request('PATCH', `/Users/${id}`, { body: { schemas: [PATCH_SCHEMA], Operations } });
}

const list = (query: string) => client.request('GET', `/Users?${query}`);

describe('Microsoft Entra ID user provisioning', () => {
  it('Entra: create with the enterprise URN, read-only meta and empty roles → 201 with server meta', async () => {
    const body = entraCreateBody();
    const res = await client.request('POST', '/Users', { body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      externalId: body.externalId,
      userName: body.userName,
      active: true,
      name: body.name,
      emails: body.emails,
    });
    expect(res.body.roles).toBeUndefined();
    expect(res.body.meta).toMatchObject({ resourceType: 'User', created: expect.any(String) });
    expect(Number.isNaN(Date.parse(res.body.meta.lastModified))).toBe(false);
    expect(res.body.schemas).toContain(USER_SCHEMA);
  });

  it('Entra: create with explicit nulls (tutorial example 2) is accepted', async () => {
    const res = await client.request('POST', '/Users', {
      body: entraCreateBody({
        addresses: null,
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        [ENTERPRISE]: { department: null, manager: null },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.addresses).toBeUndefined();
    expect(res.body[ENTERPRISE]).toBeUndefined();
  });

  it('Entra: unknown schema URNs in schemas (Microsoft ADSCIM, a malformed enterprise URN) are tolerated', async () => {
    const res = await client.request('POST', '/Users', {
      body: entraCreateBody({
        schemas: [
          USER_SCHEMA,
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0User',
        ],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0User': { department: 'Typo' },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.schemas).toEqual([USER_SCHEMA]);
  });

  it('Entra: filter externalId eq finds the user with a GSI look-up', async () => {
    const created = await create();
    const res = await list(`filter=${encodeURIComponent(`externalId eq "${created.externalId}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(created.id);
    // externalId is caseExact (RFC 7643 §3.1).
    const upper = await list(
      `filter=${encodeURIComponent(`externalId eq "${created.externalId.toUpperCase()}"`)}`,
    );
    expect(upper.body.totalResults).toBe(0);
  });

  it('Entra: filter emails[type eq "work"].value eq finds the user', async () => {
    const created = await create();
    const email = created.emails[0].value;
    const res = await list(`filter=${encodeURIComponent(`emails[type eq "work"].value eq "${email}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
    const other = await list(`filter=${encodeURIComponent(`emails[type eq "home"].value eq "${email}"`)}`);
    expect(other.body.totalResults).toBe(0);
    const plain = await list(`filter=${encodeURIComponent(`emails.value eq "${email.toUpperCase()}"`)}`);
    expect(plain.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  it('Entra: filter userName eq returns a ListResponse with the user', async () => {
    const created = await create();
    const res = await list(`filter=${encodeURIComponent(`userName eq "${created.userName}"`)}`);
    expect(res.body).toMatchObject({
      schemas: [LIST_SCHEMA],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect(res.body.Resources[0].id).toBe(created.id);
  });

  it('Entra: "and" of indexed terms is evaluated exactly', async () => {
    const created = await create();
    const both = `userName eq "${created.userName}" and externalId eq "${created.externalId}"`;
    expect((await list(`filter=${encodeURIComponent(both)}`)).body.totalResults).toBe(1);
    const mismatch = `userName eq "${created.userName}" and externalId eq "someone-else"`;
    expect((await list(`filter=${encodeURIComponent(mismatch)}`)).body.totalResults).toBe(0);
  });

  it('Entra: Test Connection — a random GUID userName is 200 with an empty ListResponse', async () => {
    const res = await list(
      `filter=${encodeURIComponent('userName eq "5f1e5b41-6d4c-4a43-9d6a-3e5bd7a0b9f1"')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('Entra: Replace emails[type eq "work"].value and name.familyName in one PATCH → 200 with the user', async () => {
    const created = await create();
    const res = await patch(created.id, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(res.body.name.familyName).toBe('updatedFamilyName');
    expect(res.body.name.givenName).toBe('givenName');
    const found = await list(
      `filter=${encodeURIComponent('emails[type eq "work"].value eq "updatedemail@microsoft.com"')}`,
    );
    expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  it('Entra: Add/Replace emails[type eq "work"].value creates the work email when absent', async () => {
    const created = await create({ emails: [{ type: 'home', value: 'home@example.com' }] });
    const res = await patch(created.id, [
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'new.work@example.com' },
    ]);
    expect(res.status).toBe(200);
    const get = await client.request('GET', `/Users/${created.id}`);
    expect(get.body.emails).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'home', value: 'home@example.com' }),
        expect.objectContaining({ type: 'work', value: 'new.work@example.com' }),
      ]),
    );
  });

  it('Entra: Replace userName renames; the old name is free and the new one taken', async () => {
    const created = await create();
    const newName = `renamed-${created.id}@testuser.com`;
    const res = await patch(created.id, [{ op: 'Replace', path: 'userName', value: newName }]);
    expect(res.status).toBe(200);
    expect(res.body.userName).toBe(newName);
    expect(
      (await list(`filter=${encodeURIComponent(`userName eq "${created.userName}"`)}`)).body.totalResults,
    ).toBe(0);
    expect(
      (await list(`filter=${encodeURIComponent(`userName eq "${newName}"`)}`)).body.Resources[0].id,
    ).toBe(created.id);
    const takeOld = await client.request('POST', '/Users', {
      body: entraCreateBody({ userName: created.userName }),
    });
    expect(takeOld.status).toBe(201);
    const takeNew = await client.request('POST', '/Users', {
      body: entraCreateBody({ userName: newName.toUpperCase() }),
    });
    expect(takeNew.status).toBe(409);
    expect(takeNew.body.scimType).toBe('uniqueness');
  });

  it("Entra: Replace userName onto another user's name is a 409 and changes nothing", async () => {
    const a = await create();
    const b = await create();
    const res = await patch(b.id, [{ op: 'Replace', path: 'userName', value: a.userName.toLowerCase() }]);
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
    expect((await client.request('GET', `/Users/${b.id}`)).body.userName).toBe(b.userName);
  });

  it('Entra: Replace active with the string "False" deactivates; the user stays readable', async () => {
    const created = await create();
    const res = await patch(created.id, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    const get = await client.request('GET', `/Users/${created.id}`);
    expect(get.status).toBe(200);
    expect(get.body.active).toBe(false);
  });

  it('Entra: Add on a single-valued attribute sets it', async () => {
    const created = await create();
    const res = await patch(created.id, [{ op: 'Add', path: 'nickName', value: 'Babs' }]);
    expect(res.body.nickName).toBe('Babs');
    const again = await patch(created.id, [{ op: 'Add', path: 'nickName', value: 'Barbara' }]);
    expect(again.body.nickName).toBe('Barbara');
  });

  it('Entra (aadOptscim062020): path-less replace with dotted and URN-qualified keys', async () => {
    const created = await create();
    const res = await patch(created.id, [
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Bjfe');
    expect(res.body.name).toMatchObject({
      givenName: 'Kkom',
      familyName: 'Unua',
      formatted: 'givenName familyName',
    });
    expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: 'Aklq' });
    expect(res.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
  });

  it('Entra: enterprise attributes by URN path — employeeNumber, department and manager', async () => {
    const manager = await create();
    const created = await create();
    const res = await patch(created.id, [
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '1234' },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Retail' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: manager.id } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE]).toMatchObject({
      employeeNumber: '1234',
      department: 'Retail',
      manager: { value: manager.id },
    });
    const changed = await patch(created.id, [
      { op: 'Replace', path: `${ENTERPRISE}:manager.value`, value: created.id },
    ]);
    expect(changed.body[ENTERPRISE].manager.value).toBe(created.id);
    const removed = await patch(created.id, [{ op: 'Remove', path: `${ENTERPRISE}:manager` }]);
    expect(removed.status).toBe(200);
    expect(removed.body[ENTERPRISE].manager).toBeUndefined();
    const byEmployeeNumber = await list(
      `filter=${encodeURIComponent(`${ENTERPRISE}:employeeNumber eq "1234"`)}`,
    );
    expect(byEmployeeNumber.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  it("Entra: manager as a bare id string by URN path, and as the tutorial's one-element array", async () => {
    const manager = await create();
    const created = await create();
    const byString = await patch(created.id, [
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager.id },
    ]);
    expect(byString.status).toBe(200);
    expect(byString.body[ENTERPRISE].manager.value).toBe(manager.id);
    const byArray = await patch(created.id, [
      { op: 'Add', path: 'manager', value: [{ $ref: null, value: created.id }] },
    ]);
    expect(byArray.status).toBe(200);
    expect(byArray.body[ENTERPRISE].manager.value).toBe(created.id);
  });

  it('Entra: PATCH with an empty Operations list is a 200 no-op', async () => {
    const created = await create();
    const res = await patch(created.id, []);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
    expect(res.body.meta.version).toBe(created.meta.version);
    expect(res.body.meta.lastModified).toBe(created.meta.lastModified);
  });

  it('Entra: DELETE /Users/{id} → 204, then 404 (hard delete after the soft-delete period)', async () => {
    const created = await create();
    const del = await client.request('DELETE', `/Users/${created.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await client.request('GET', `/Users/${created.id}`)).status).toBe(404);
    expect(
      (await list(`filter=${encodeURIComponent(`userName eq "${created.userName}"`)}`)).body.totalResults,
    ).toBe(0);
  });
});

describe('Entra validation template: pagination with startIndex=N&count=5', () => {
  it('Entra: pages of 5 over 12 users, startIndex echoed, stable order, no overlap', async () => {
    const paging = await createScimTestClient({ tenants: ['paging'] });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await paging.request('POST', '/Users', { body: { userName: `page-user-${i}` } });
        ids.push(res.body.id);
      }
      const seen: string[] = [];
      for (let page = 0; page < 3; page++) {
        const startIndex = page * 5 + 1;
        const res = await paging.request('GET', `/Users?startIndex=${startIndex}&count=5`);
        expect(res.status).toBe(200);
        expect(res.body.startIndex).toBe(startIndex);
        expect(res.body.totalResults).toBe(12);
        expect(res.body.itemsPerPage).toBe(page < 2 ? 5 : 2);
        seen.push(...res.body.Resources.map((u: { id: string }) => u.id));
      }
      expect(seen).toEqual(ids);
      const beyond = await paging.request('GET', '/Users?startIndex=13&count=5');
      expect(beyond.body).toMatchObject({ totalResults: 12, startIndex: 13, itemsPerPage: 0, Resources: [] });
    } finally {
      await paging.close();
    }
  });
});
