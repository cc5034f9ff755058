import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('foundation: routing, auth and error rendering through the real handlers', () => {
  let client: ScimTestClient;
  beforeAll(async () => {
    client = await createScimTestClient();
  });
  afterAll(() => client.close());

  it('serves ServiceProviderConfig to a valid token with the SCIM media type', async () => {
    const res = await client.request('GET', '/ServiceProviderConfig');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it.each([
    ['no header', null, undefined],
    ['unknown token', 'not-a-real-token-not-a-real-token-0000', undefined],
    ['wrong scheme', null, { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['empty bearer', null, { Authorization: 'Bearer ' }],
  ])('answers 401 with one SCIM error body for %s', async (_name, token, headers) => {
    const res = await client.request('GET', '/ServiceProviderConfig', {
      token,
      ...(headers ? { headers } : {}),
    });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '401',
      detail: 'Authentication failed: a valid bearer token is required',
    });
  });

  it('answers an unsupported method with a 405 SCIM error naming the allowed methods', async () => {
    const res = await client.request('DELETE', '/ServiceProviderConfig');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
    expect(res.body.status).toBe('405');
  });

  it('/Me and /Bulk, which RFC 7644 defines and the service does not offer, are 501 SCIM errors', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const me = await client.request(method, '/Me');
      expect(me.status).toBe(501);
      expect(me.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '501' });
      expect(me.body.detail).toMatch(/Me/);
    }
    const bulk = await client.request('POST', '/Bulk', {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] },
    });
    expect(bulk.status).toBe(501);
    expect(bulk.body.detail).toMatch(/bulk\.supported is false/);
    const config = await client.request('GET', '/ServiceProviderConfig');
    expect(config.body.bulk.supported).toBe(false);
    expect((await client.request('GET', '/Bulk')).headers.allow).toBe('POST');
  });

  it('answers HEAD wherever GET is served: the same status and headers, no body (RFC 9110 §9.3.2)', async () => {
    const get = await client.request('GET', '/ServiceProviderConfig');
    const head = await client.request('HEAD', '/ServiceProviderConfig');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect((await client.request('HEAD', '/Users/not-an-id')).status).toBe(404);
    // Not where only POST is served.
    const search = await client.request('HEAD', '/Users/.search');
    expect(search.status).toBe(405);
    expect(search.headers.allow).toBe('POST');
  });
});
