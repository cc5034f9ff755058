/**
 * The Users lifecycle over real HTTP: the local server (the same adapter `npm start` runs) in
 * this process on a free port, driven with fetch, so query-string encoding, headers and
 * status lines are what a client on the wire sees. Okta encodes spaces in filters as `+` in
 * some requests and `%20` in others; both must find the user.
 */
import type { Server } from 'node:http';
import { createLocalServer, listen } from '../../local/http-server';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';

let client: ScimTestClient;
let server: Server;
let base: string;
let auth: Record<string, string>;

beforeAll(async () => {
  client = await createScimTestClient();
  server = createLocalServer(client.handlers);
  const port = await listen(server, 0);
  base = `http://127.0.0.1:${port}/scim/v2`;
  auth = { Authorization: `Bearer ${client.tokenFor('acme')}`, Accept: 'application/scim+json' };
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...auth,
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json; charset=utf-8' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text === '' ? undefined : JSON.parse(text) };
}

describe('Users over HTTP through the local server', () => {
  it('Okta over the wire: create → get → list with +- and %20-encoded filters → delete → 404', async () => {
    const userName = 'Jane.Doe+scim@example.com';
    const created = await call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ primary: true, type: 'work', value: userName }],
      password: 'placeholder-1',
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id: string = created.body.id;
    expect(created.headers.get('location')).toBe(`${base}/Users/${id}`);
    expect(created.body.meta.location).toBe(`${base}/Users/${id}`);
    expect(created.body.password).toBeUndefined();

    const got = await call('GET', `/Users/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.userName).toBe(userName);
    expect(got.headers.get('etag')).toBe('W/"1"');

    const encoded = encodeURIComponent(userName.toUpperCase());
    const plus = await call('GET', `/Users?filter=userName+eq+%22${encoded}%22&startIndex=1&count=100`);
    expect(plus.status).toBe(200);
    expect(plus.body.totalResults).toBe(1);
    expect(plus.body.Resources[0].id).toBe(id);

    const percent = await call('GET', `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22`);
    expect(percent.body.Resources.map((u: { id: string }) => u.id)).toEqual([id]);

    const all = await call('GET', '/Users?startIndex=1&count=100');
    expect(all.body.Resources.map((u: { id: string }) => u.id)).toContain(id);

    const deleted = await call('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    const gone = await call('GET', `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      status: '404',
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    });
    const absent = await call('GET', `/Users?filter=userName+eq+%22${encoded}%22`);
    expect(absent.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('a non-UUID id over the wire is a SCIM 404, not a gateway or server error', async () => {
    const res = await call('GET', '/Users/00919288221112222');
    expect(res.status).toBe(404);
    expect(res.body.status).toBe('404');
  });
});
