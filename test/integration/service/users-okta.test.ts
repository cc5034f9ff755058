/**
 * Okta as the SCIM client (docs/OKTA.md): the published
 * "Okta SCIM 2.0 SPEC Test" steps in order, then the request shapes of Okta custom (AIW) and
 * OIN apps, replayed through the real handlers on DynamoDB Local.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { userKey } from '../../../lambdas/store/keys';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const OKTA_GET_HEADERS = {
  'Accept-Charset': 'utf-8',
  'Content-Type': 'application/scim+json; charset=utf-8',
  Accept: 'application/scim+json',
  'User-Agent': 'OKTA SCIM Integration',
};

let client: ScimTestClient;
beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

/** Okta's create body (docs/OKTA.md): password, groups: [], externalId. */
function oktaCreateBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
    ...extra,
  };
}

async function create(userName: string, extra: Record<string, unknown> = {}) {
  const res = await client.request('POST', '/Users', { body: oktaCreateBody(userName, extra) });
  expect(res.status).toBe(201);
  return res.body;
}

describe('Okta SCIM 2.0 SPEC Test (Runscope suite, in order)', () => {
  // The suite needs one user on the server before it runs.
  let existing: { id: string };
  const randomUsername = 'Runscope300Hfluaklab151@atko.com';
  let idUserOne: string;

  beforeAll(async () => {
    existing = await create('preexisting.user@atko.com');
  });

  it('step 1: GET /Users?count=1&startIndex=1 lists a user with integer paging fields', async () => {
    const res = await client.request('GET', '/Users?count=1&startIndex=1', { headers: OKTA_GET_HEADERS });
    expect(res.status).toBe(200);
    expect(res.body.schemas).toContain(LIST_SCHEMA);
    expect(Number.isInteger(res.body.itemsPerPage)).toBe(true);
    expect(res.body.startIndex).toBe(1);
    expect(Number.isInteger(res.body.totalResults)).toBe(true);
    expect(res.body.Resources).toHaveLength(1);
    const first = res.body.Resources[0];
    expect(first.id).toBeTruthy();
    expect(first.name.familyName).toBeTruthy();
    expect(first.name.givenName).toBeTruthy();
    expect(first.userName).toBeTruthy();
    expect(first.active).toBe(true);
    expect(first.emails[0].value).toBeTruthy();
  });

  it('step 2: GET /Users/{id} returns that user', async () => {
    const res = await client.request('GET', `/Users/${existing.id}`, { headers: OKTA_GET_HEADERS });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(existing.id);
    expect(res.body.name.familyName).toBe('User');
    expect(res.body.emails[0].value).toBe('preexisting.user@atko.com');
  });

  it('step 3: filter on an unknown userName is a 200 ListResponse with totalResults 0', async () => {
    const res = await client.request('GET', '/Users?filter=userName eq "abcdefgh@atko.com"', {
      headers: OKTA_GET_HEADERS,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schemas: [LIST_SCHEMA],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('step 4: GET of a non-UUID id is a 404 SCIM error', async () => {
    const res = await client.request('GET', '/Users/010101001010101011001010101011', {
      headers: OKTA_GET_HEADERS,
    });
    expect(res.status).toBe(404);
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
    expect(res.body.detail).toBeTruthy();
    expect(res.body.status).toBe('404');
  });

  it('step 5: the random user does not exist yet', async () => {
    const res = await client.request('GET', `/Users?filter=userName eq "${randomUsername}"`, {
      headers: OKTA_GET_HEADERS,
    });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  const specCreateBody = {
    schemas: [USER_SCHEMA],
    userName: randomUsername,
    name: { givenName: 'Runscope300', familyName: 'Hfluaklab151' },
    emails: [{ primary: true, value: randomUsername, type: 'work' }],
    displayName: 'Runscope300 Hfluaklab151',
    active: true,
  };
  const specCreateHeaders = {
    'Content-Type': 'application/json',
    Accept: 'application/scim+json; charset=utf-8',
  };

  it('step 6: creates a user sent as application/json, preserving case', async () => {
    const res = await client.request('POST', '/Users', { body: specCreateBody, headers: specCreateHeaders });
    expect(res.status).toBe(201);
    expect(res.body.active).toBe(true);
    expect(res.body.id).toBeTruthy();
    expect(res.body.userName).toBe(randomUsername);
    expect(res.body.name).toEqual({ givenName: 'Runscope300', familyName: 'Hfluaklab151' });
    expect(res.body.schemas).toContain(USER_SCHEMA);
    idUserOne = res.body.id;
  });

  it('step 7: the created user can be read back', async () => {
    const res = await client.request('GET', `/Users/${idUserOne}`, { headers: OKTA_GET_HEADERS });
    expect(res.status).toBe(200);
    expect(res.body.userName).toBe(randomUsername);
    expect(res.body.name.givenName).toBe('Runscope300');
  });

  it('step 8: recreating the same user is a 409', async () => {
    const res = await client.request('POST', '/Users', { body: specCreateBody, headers: specCreateHeaders });
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe('uniqueness');
  });

  it('step 9: the upper-cased userName finds the user (case-insensitive userName)', async () => {
    const res = await client.request('GET', `/Users?filter=userName eq "${randomUsername.toUpperCase()}"`, {
      headers: OKTA_GET_HEADERS,
    });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(idUserOne);
  });

  it('step 11: a bad Authorization header is a 401 with string status', async () => {
    const res = await client.request('GET', `/Users?filter=userName eq "${randomUsername.toUpperCase()}"`, {
      token: null,
      headers: { ...OKTA_GET_HEADERS, Authorization: 'non-token' },
    });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBeTruthy();
    expect(res.body.status).toBe('401');
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
  });

  it('step 12: GET /Users/00919288221112222 is a 404 with string status', async () => {
    const res = await client.request('GET', '/Users/00919288221112222', { headers: OKTA_GET_HEADERS });
    expect(res.status).toBe(404);
    expect(res.body.detail).toBeTruthy();
    expect(res.body.status).toBe('404');
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
  });
});

describe('Okta custom-app flows', () => {
  it('Okta: create with password, groups: [] and externalId → 201; password neither returned nor stored', async () => {
    const res = await client.request('POST', '/Users', {
      body: oktaCreateBody('test.user@okta.local'),
      headers: { 'Content-Type': 'application/scim+json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
    expect(res.body.password).toBeUndefined();
    expect(res.body.groups).toBeUndefined();
    expect(res.body.externalId).toBe('00ujl29u0le5T6Aj10h7');
    expect(res.body.meta).toMatchObject({
      resourceType: 'User',
      location: `http://scim.test/scim/v2/Users/${res.body.id}`,
      version: 'W/"1"',
    });
    expect(res.body.meta.created).toBe(res.body.meta.lastModified);
    expect(res.headers.location).toBe(res.body.meta.location);
    expect(res.headers.etag).toBe(res.body.meta.version);
    const raw = await client.table.db.send(
      new GetCommand({ TableName: client.table.tableName, Key: userKey('acme', res.body.id) }),
    );
    expect(raw.Item).toBeDefined();
    expect(JSON.stringify(raw.Item)).not.toContain('1mz050nq');
    expect(JSON.stringify(raw.Item).toLowerCase()).not.toContain('password');
  });

  it('Okta: lookup before create — absent userName is 200 with totalResults 0, then found in any case', async () => {
    const lookup = '/Users?filter=userName%20eq%20%22lookup.first%40okta.local%22&startIndex=1&count=100';
    const before = await client.request('GET', lookup);
    expect(before.status).toBe(200);
    expect(before.body.totalResults).toBe(0);
    expect(before.body.Resources).toEqual([]);
    const created = await create('Lookup.First@okta.local');
    const after = await client.request('GET', lookup);
    expect(after.body.totalResults).toBe(1);
    expect(after.body.Resources[0].id).toBe(created.id);
    const plus = await client.request(
      'GET',
      '/Users?filter=userName+eq+%22LOOKUP.FIRST%40okta.local%22&startIndex=1&count=100',
    );
    expect(plus.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  it('Okta: full PUT echoing id and meta (non-ISO dates) updates the user and keeps id and created', async () => {
    const created = await create('put.user@okta.local');
    const got = await client.request('GET', `/Users/${created.id}`);
    const echoed = {
      ...got.body,
      name: { givenName: 'Updated', familyName: 'User' },
      meta: { ...got.body.meta, created: '04-12-2018 00:00:00', lastModified: '04-12-2018 00:00:00' },
      password: 'newpassword1',
    };
    const res = await client.request('PUT', `/Users/${created.id}`, { body: echoed });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
    expect(res.body.name.givenName).toBe('Updated');
    expect(res.body.password).toBeUndefined();
    expect(res.body.meta.created).toBe(created.meta.created);
    expect(res.body.meta.version).toBe('W/"2"');
    expect(res.headers.etag).toBe('W/"2"');
    expect(Date.parse(res.body.meta.lastModified)).toBeGreaterThanOrEqual(
      Date.parse(created.meta.lastModified),
    );
  });

  it('Okta: PUT with a different id in the body never changes the id', async () => {
    const created = await create('put.other.id@okta.local');
    const res = await client.request('PUT', `/Users/${created.id}`, {
      body: { ...oktaCreateBody('put.other.id@okta.local'), id: '01890a5d-ac96-774b-bcce-b302099a8057' },
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
  });

  it('Okta: PUT deactivate — the user stays readable and listed with active:false', async () => {
    const created = await create('put.deactivate@okta.local');
    const got = await client.request('GET', `/Users/${created.id}`);
    const res = await client.request('PUT', `/Users/${created.id}`, { body: { ...got.body, active: false } });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    const again = await client.request('GET', `/Users/${created.id}`);
    expect(again.status).toBe(200);
    expect(again.body.active).toBe(false);
    const listed = await client.request('GET', '/Users?filter=userName eq "put.deactivate@okta.local"');
    expect(listed.body.Resources[0]).toMatchObject({ id: created.id, active: false });
  });

  it('Okta: path-less PATCH deactivates and reactivates the same id', async () => {
    const created = await create('patch.deactivate@okta.local');
    const deactivate = await client.request('PATCH', `/Users/${created.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] },
    });
    expect(deactivate.status).toBe(200);
    expect(deactivate.body).toMatchObject({ id: created.id, active: false });
    const reactivate = await client.request('PATCH', `/Users/${created.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] },
    });
    expect(reactivate.status).toBe(200);
    expect(reactivate.body).toMatchObject({
      id: created.id,
      active: true,
      userName: 'patch.deactivate@okta.local',
    });
    expect(reactivate.body.meta.version).toBe('W/"3"');
  });

  it('Okta: creating a duplicate userName is a 409 uniqueness error with string status', async () => {
    await create('duplicate@okta.local');
    const res = await client.request('POST', '/Users', { body: oktaCreateBody('DUPLICATE@okta.local') });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    expect(res.body.detail).toContain('DUPLICATE@okta.local');
  });

  it('Okta: an unknown token gets a 401 SCIM error body', async () => {
    const res = await client.request('GET', '/Users?startIndex=1&count=2', {
      token: 'not-a-valid-token-at-all-000000000',
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });

  it('Okta: the connection probe GET /Users?startIndex=1&count=2 is a ListResponse of at most 2', async () => {
    const res = await client.request('GET', '/Users?startIndex=1&count=2');
    expect(res.status).toBe(200);
    expect(res.body.itemsPerPage).toBe(2);
    expect(res.body.Resources).toHaveLength(2);
    expect(res.body.totalResults).toBeGreaterThanOrEqual(2);
  });
});
