/**
 * What a client receives on a 401, over real HTTP through the local server, which renames and
 * drops the handlers' response headers as the deployed REST API does (issue #20): the bearer
 * challenge arrives as x-amzn-Remapped-WWW-Authenticate, never as WWW-Authenticate, next to the
 * SCIM error body. The challenge is the one the 401 gateway response sends (lib/constructs).
 * With the emulation switched off the server answers with the handler's own headers.
 */
import type { Server } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { BEARER_CHALLENGE } from '../../lambdas/deployment';
import { createLocalServer, type HandlerTable, listen } from '../../local/http-server';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const REMAPPED = 'x-amzn-remapped-www-authenticate';

let client: ScimTestClient;
const servers: Server[] = [];

async function start(handlers: HandlerTable, options?: { gatewayHeaderRemap: boolean }): Promise<string> {
  const server = createLocalServer(handlers, options);
  servers.push(server);
  return `http://127.0.0.1:${await listen(server, 0)}/scim/v2`;
}

beforeAll(async () => {
  client = await createScimTestClient();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await client.close();
});

describe('a 401 as a client of the deployed API receives it', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an unknown token', 'Bearer not-a-real-token-not-a-real-token-0000'],
    ['the wrong scheme', 'Basic dXNlcjpwYXNz'],
  ])(
    '%s: x-amzn-Remapped-WWW-Authenticate with the bearer challenge, no WWW-Authenticate, a SCIM error body',
    async (_name, authorization) => {
      const base = await start(client.handlers);
      const res = await fetch(`${base}/Users?count=1`, {
        headers: {
          Accept: 'application/scim+json',
          ...(authorization ? { Authorization: authorization } : {}),
        },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.headers.get(REMAPPED)).toBe(BEARER_CHALLENGE);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(await res.json()).toEqual({
        schemas: [ERROR_SCHEMA],
        status: '401',
        detail: 'Authentication failed: a valid bearer token is required',
      });
    },
  );

  it('a valid token is answered normally: nothing the handlers send on success is renamed', async () => {
    const base = await start(client.handlers);
    const res = await fetch(`${base}/ServiceProviderConfig`, {
      headers: { Authorization: `Bearer ${client.tokenFor('acme')}` },
    });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((name) => name.startsWith('x-amzn-remapped-'))).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it("with gatewayHeaderRemap off, the handler's own WWW-Authenticate is sent as is", async () => {
    const base = await start(client.handlers, { gatewayHeaderRemap: false });
    const res = await fetch(`${base}/Users`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(BEARER_CHALLENGE);
    expect(res.headers.get(REMAPPED)).toBeNull();
  });
});

describe("the gateway's header table, as the local server applies it to a handler's answer", () => {
  it('renames the remapped headers, drops the dropped ones and passes the rest through', async () => {
    const answer: APIGatewayProxyResult = {
      statusCode: 200,
      headers: {
        'WWW-Authenticate': BEARER_CHALLENGE,
        Authorization: 'x',
        'Content-MD5': 'Q2hlY2sgSW50ZWdyaXR5IQ==',
        Date: 'Thu, 01 Jan 1970 00:00:00 GMT',
        Server: 'handler',
        Via: '1.1 handler',
        'Proxy-Authenticate': 'Basic',
        'Content-Type': 'application/scim+json',
        ETag: 'W/"1"',
        'Retry-After': '5',
      },
      body: '{}',
    };
    const stub = async (): Promise<APIGatewayProxyResult> => answer;
    const base = await start({
      users: stub,
      groups: stub,
      discovery: stub,
      console: stub,
      feed: stub,
      activity: stub,
    });
    const res = await fetch(`${base}/Users`);
    const h = res.headers;
    expect(h.get(REMAPPED)).toBe(BEARER_CHALLENGE);
    expect(h.get('x-amzn-remapped-authorization')).toBe('x');
    expect(h.get('x-amzn-remapped-content-md5')).toBe('Q2hlY2sgSW50ZWdyaXR5IQ==');
    expect(h.get('x-amzn-remapped-date')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(h.get('x-amzn-remapped-server')).toBe('handler');
    expect(h.get('date')).not.toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    for (const name of [
      'www-authenticate',
      'authorization',
      'content-md5',
      'server',
      'via',
      'proxy-authenticate',
    ])
      expect(h.get(name)).toBeNull();
    expect(h.get('content-type')).toBe('application/scim+json');
    expect(h.get('etag')).toBe('W/"1"');
    expect(h.get('retry-after')).toBe('5');
  });
});
