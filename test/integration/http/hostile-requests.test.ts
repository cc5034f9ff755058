/**
 * The Lambda path (handler called with the proxy event API Gateway sends) on hostile requests,
 * issue #19 findings 1, 4 and 5: header and parameter names from Object.prototype (built with
 * JSON.parse, so `__proto__` is an own key) never cause a 5xx; a lone surrogate or a body that
 * is not UTF-8 is refused before it can be stored; two Authorization headers authenticate nobody.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { buildProxyEvent } from '../../../local/http-server';
import { assertNoPrototypePollution, assertScimAnswer, fuzzParameters } from '../../hardening/support/fuzz';
import { createScimTestClient, type ScimTestClient, TEST_BASE, toResponse } from '../../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PROTOTYPE_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'constructor', 'prototype']),
];

let client: ScimTestClient;

beforeAll(async () => {
  client = await createScimTestClient();
});

afterAll(async () => {
  await client.close();
});

/** A GET /Users event as API Gateway would send it, its header and query maps replaced. */
function usersEvent(
  headers: [string, string][],
  query: [string, string][],
  path = '/Users',
): APIGatewayProxyEvent {
  const base = buildProxyEvent({
    method: 'GET',
    url: new URL(`${TEST_BASE}${path}`),
    rawHeaders: [],
    body: '',
    resource: path === '/Users' ? '/scim/v2/Users' : '/scim/v2/Users/{id}',
    pathParameters: path === '/Users' ? {} : { id: path.slice('/Users/'.length) },
  });
  // JSON text, so every name (`__proto__` included) becomes an own key of a plain object.
  const single = (entries: [string, string][]): string =>
    `{${entries.map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`).join(',')}}`;
  const multi = (entries: [string, string][]): string =>
    `{${entries.map(([n, v]) => `${JSON.stringify(n)}:[${JSON.stringify(v)}]`).join(',')}}`;
  return {
    ...base,
    headers: JSON.parse(single(headers)),
    multiValueHeaders: JSON.parse(multi(headers)),
    queryStringParameters: query.length > 0 ? JSON.parse(single(query)) : null,
    multiValueQueryStringParameters: query.length > 0 ? JSON.parse(multi(query)) : null,
  };
}

const uniqueByName = (entries: [string, string][]): [string, string][] => [
  ...new Map(entries.map(([n, v]) => [n, v] as const)).entries(),
];

describe('Lambda path: names from Object.prototype', () => {
  it('header and query parameter names from Object.prototype answer SCIM JSON, never 5xx', async () => {
    const name = fc.constantFrom(...PROTOTYPE_NAMES);
    const value = fc.oneof(fc.constantFrom('1', 'x', '', 'userName eq "a"'), fc.string({ maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, value), { maxLength: 4 }),
        fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('/Users', '/Users/00000000-0000-4000-8000-000000000000'),
        async (headers, query, authenticated, path) => {
          const all = uniqueByName([
            ...headers,
            ...(authenticated
              ? ([['Authorization', `Bearer ${client.tokenFor('acme')}`]] as [string, string][])
              : []),
          ]);
          const result = await client.handlers.users(usersEvent(all, uniqueByName(query), path));
          assertScimAnswer(
            toResponse(result),
            `GET ${path} headers=${JSON.stringify(all)} query=${JSON.stringify(query)}`,
          );
        },
      ),
      fuzzParameters(60),
    );
    assertNoPrototypePollution();
  });
});

describe('Lambda path: strict decoding', () => {
  it('a base64 body that is not UTF-8 is 400 invalidSyntax, and nothing is created', async () => {
    const base = buildProxyEvent({
      method: 'POST',
      url: new URL(`${TEST_BASE}/Users`),
      rawHeaders: [
        'Authorization',
        `Bearer ${client.tokenFor('acme')}`,
        'Content-Type',
        'application/scim+json',
      ],
      body: '',
      resource: '/scim/v2/Users',
      pathParameters: {},
    });
    for (const bad of [[0xff], [0xfe], [0xc3, 0x28]]) {
      const bytes = Buffer.concat([
        Buffer.from(`{"schemas":["${USER}"],"userName":"bytes`),
        Buffer.from(bad),
        Buffer.from('"}'),
      ]);
      const res = toResponse(
        await client.handlers.users({ ...base, body: bytes.toString('base64'), isBase64Encoded: true }),
      );
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidSyntax');
    }
    const list = await client.request('GET', `/Users?filter=${encodeURIComponent('userName sw "bytes"')}`);
    expect(list.body.totalResults).toBe(0);
  });

  it('a userName with a lone surrogate is 400 invalidValue, so two of them never collide', async () => {
    for (const name of ['lone\ud800', 'lone\udbff', 'lone\udc00x']) {
      const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName: name } });
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
    }
    const list = await client.request('GET', `/Users?filter=${encodeURIComponent('userName sw "lone"')}`);
    expect(list.body.totalResults).toBe(0);
  });

  it('a filter with a lone surrogate is 400 invalidValue', async () => {
    const res = toResponse(
      await client.handlers.users(
        usersEvent(
          [['Authorization', `Bearer ${client.tokenFor('acme')}`]],
          [['filter', 'userName eq "lone\ud800"']],
        ),
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
  });
});

describe('Lambda path: two Authorization headers', () => {
  const acme = (): string => `Bearer ${client.tokenFor('acme')}`;
  const globex = (): string => `Bearer ${client.tokenFor('globex')}`;

  it('two values in multiValueHeaders are 401, whichever API Gateway kept in headers', async () => {
    const event = usersEvent([['Authorization', globex()]], []);
    const res = toResponse(
      await client.handlers.users({ ...event, multiValueHeaders: { Authorization: [acme(), globex()] } }),
    );
    expect(res.status).toBe(401);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('two valid tokens joined in one header are 401', async () => {
    for (const value of [`${acme()}, ${globex()}`, `${acme()},${globex()}`]) {
      const res = toResponse(await client.handlers.users(usersEvent([['Authorization', value]], [])));
      expect(res.status).toBe(401);
    }
  });

  it('one Authorization header still authenticates', async () => {
    const res = toResponse(await client.handlers.users(usersEvent([['Authorization', acme()]], [])));
    expect(res.status).toBe(200);
  });
});
