import { createDiscoveryHandler } from '../../../lambdas/handlers/discovery';
import { matchRoute } from '../../../lambdas/routes';
import { createSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { buildProxyEvent } from '../../../local/http-server';
import { createScimTestClient, type ScimTestClient, TEST_BASE, toResponse } from '../../support/scim-client';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('discovery endpoints through the real handler (RFC 7644 §4)', () => {
  let client: ScimTestClient;
  beforeAll(async () => {
    client = await createScimTestClient();
  });
  afterAll(() => client.close());

  it('ServiceProviderConfig states the real capabilities', async () => {
    const res = await client.request('GET', '/ServiceProviderConfig');
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(res.body.patch).toEqual({ supported: true });
    expect(res.body.bulk.supported).toBe(false);
    expect(res.body.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(res.body.changePassword.supported).toBe(false);
    expect(res.body.sort.supported).toBe(true);
    expect(res.body.pagination).toMatchObject({
      cursor: true,
      index: true,
      maxPageSize: 1000,
      defaultPageSize: 100,
    });
    expect(res.body.etag.supported).toBe(true);
    expect(res.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    expect(res.body.meta).toEqual({
      resourceType: 'ServiceProviderConfig',
      location: `${TEST_BASE}/ServiceProviderConfig`,
    });
  });

  it('lists User and Group resource types with the enterprise extension on User', async () => {
    const res = await client.request('GET', '/ResourceTypes');
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([LIST]);
    expect(res.body.totalResults).toBe(2);
    expect(res.body.itemsPerPage).toBe(2);
    expect(res.body.startIndex).toBe(1);
    const user = res.body.Resources.find((r: { id: string }) => r.id === 'User');
    expect(user).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      name: 'User',
      endpoint: '/Users',
      schema: USER,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
      meta: { resourceType: 'ResourceType', location: `${TEST_BASE}/ResourceTypes/User` },
    });
    const group = res.body.Resources.find((r: { id: string }) => r.id === 'Group');
    expect(group).toMatchObject({ endpoint: '/Groups', schema: GROUP, schemaExtensions: [] });
  });

  it('reads one resource type by id, and answers 404 for an unknown one', async () => {
    const group = await client.request('GET', '/ResourceTypes/Group');
    expect(group.status).toBe(200);
    expect(group.body.id).toBe('Group');
    const missing = await client.request('GET', '/ResourceTypes/Device');
    expect(missing.status).toBe(404);
    expect(missing.body.schemas).toEqual([ERROR]);
    expect(missing.body.status).toBe('404');
    expect(missing.body.detail).toContain('Device');
  });

  it('Entra schema discovery: GET /Schemas lists User, Group and EnterpriseUser with full attribute definitions', async () => {
    const res = await client.request('GET', '/Schemas');
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([LIST]);
    const ids = res.body.Resources.map((s: { id: string }) => s.id);
    expect(ids).toEqual([USER, GROUP, ENTERPRISE]);
    expect(res.body.totalResults).toBe(3);
    const user = res.body.Resources[0];
    expect(user.meta).toEqual({ resourceType: 'Schema', location: `${TEST_BASE}/Schemas/${USER}` });
    const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
    expect(userName).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
    });
    const password = user.attributes.find((a: { name: string }) => a.name === 'password');
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    const emails = user.attributes.find((a: { name: string }) => a.name === 'emails');
    expect(emails.multiValued).toBe(true);
    expect(emails.subAttributes.map((s: { name: string }) => s.name)).toEqual([
      'value',
      'display',
      'type',
      'primary',
    ]);
    const group = res.body.Resources[1];
    const members = group.attributes.find((a: { name: string }) => a.name === 'members');
    expect(members.subAttributes.find((s: { name: string }) => s.name === 'value').mutability).toBe(
      'immutable',
    );
  });

  it('reads one schema by URN, case-insensitively, and answers 404 for an unknown URN', async () => {
    const res = await client.request('GET', `/Schemas/${ENTERPRISE.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ENTERPRISE);
    const manager = res.body.attributes.find((a: { name: string }) => a.name === 'manager');
    expect(manager.subAttributes.find((s: { name: string }) => s.name === 'displayName').mutability).toBe(
      'readOnly',
    );
    const missing = await client.request('GET', '/Schemas/urn:example:unknown');
    expect(missing.status).toBe(404);
    expect(missing.body.schemas).toEqual([ERROR]);
  });

  it.each(['/Schemas', '/ResourceTypes', '/ServiceProviderConfig'])(
    'refuses a filter on %s with 403 (RFC 7644 §4)',
    async (path) => {
      const res = await client.request('GET', `${path}?filter=${encodeURIComponent('id eq "User"')}`);
      expect(res.status).toBe(403);
      expect(res.body.schemas).toEqual([ERROR]);
    },
  );

  it('requires a token like every other endpoint', async () => {
    const res = await client.request('GET', '/Schemas', { token: null });
    expect(res.status).toBe(401);
  });
});

describe('discovery with a configured extension', () => {
  const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';
  let client: ScimTestClient;
  beforeAll(async () => {
    client = await createScimTestClient();
  });
  afterAll(() => client.close());

  it('serves the extension at /Schemas and lists it on its resource type', async () => {
    const registry = createSchemaRegistry({
      extensions: [
        {
          resourceType: 'Group',
          required: true,
          schema: { id: ACME, name: 'AcmeGroup', attributes: [{ name: 'costCenter', type: 'string' }] },
        },
      ],
    });
    const handler = createDiscoveryHandler(() => client.runtime, registry);
    const get = async (path: string) => {
      const url = new URL(`${TEST_BASE}${path}`);
      const match = matchRoute(url.pathname);
      if (!match) throw new Error(`unrouted ${path}`);
      const event = buildProxyEvent({
        method: 'GET',
        url,
        rawHeaders: ['Host', url.host, 'Authorization', `Bearer ${client.tokenFor('acme')}`],
        body: '',
        resource: match.route.path,
        pathParameters: match.pathParameters,
      });
      return toResponse(await handler(event));
    };
    const schemas = await get('/Schemas');
    expect(schemas.body.totalResults).toBe(4);
    const acme = await get(`/Schemas/${ACME}`);
    expect(acme.status).toBe(200);
    expect(acme.body.attributes).toEqual([
      {
        name: 'costCenter',
        type: 'string',
        multiValued: false,
        description: '',
        required: false,
        caseExact: false,
        mutability: 'readWrite',
        returned: 'default',
        uniqueness: 'none',
      },
    ]);
    const group = await get('/ResourceTypes/Group');
    expect(group.body.schemaExtensions).toEqual([{ schema: ACME, required: true }]);
  });
});
