/**
 * Through the real handlers: an enterprise extension object carrying its own `schemas` is
 * accepted (and the member ignored) by POST, PUT and PATCH; other unknown keys in a PATCH
 * extension value are still 400 invalidPath.
 */
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(async () => {
  await client.close();
});

const ext = (department: string) => ({ schemas: [ENTERPRISE], department });

it('POST, PUT and PATCH (URN path and path-less) accept schemas inside the extension object', async () => {
  const created = await client.request('POST', '/Users', {
    body: { schemas: [USER, ENTERPRISE], userName: 'ext.schemas', [ENTERPRISE]: ext('A') },
  });
  expect(created.status).toBe(201);
  expect(created.body[ENTERPRISE]).toEqual({ department: 'A' });
  const id = created.body.id as string;

  const put = await client.request('PUT', `/Users/${id}`, {
    body: { schemas: [USER, ENTERPRISE], userName: 'ext.schemas', [ENTERPRISE]: ext('B') },
  });
  expect(put.status).toBe(200);
  expect(put.body[ENTERPRISE]).toEqual({ department: 'B' });

  for (const [i, operation] of [
    { op: 'replace', path: ENTERPRISE, value: ext('C') },
    { op: 'add', value: { [ENTERPRISE]: ext('D') } },
  ].entries()) {
    const res = await client.request('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [operation] },
    });
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE]).toEqual({ department: i === 0 ? 'C' : 'D' });
    expect(res.body.schemas).toEqual([USER, ENTERPRISE]);
  }

  const unknown = await client.request('PATCH', `/Users/${id}`, {
    body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: ENTERPRISE, value: { bogus: 'x' } }] },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.scimType).toBe('invalidPath');
});
