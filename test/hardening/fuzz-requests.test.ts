/**
 * Fuzzing through the real handlers on DynamoDB Local: random paths, methods, headers and query parameters.
 * Every answer must be 2xx/4xx with a SCIM JSON body (never ≥ 500, never a stack trace), and a
 * 4xx must leave the stored data exactly as it was (support/fuzz-target.ts `probe`). Seeded and
 * bounded: on failure fast-check prints the seed and the counterexample path; replay with
 * FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { matchRoute } from '../../lambdas/routes';
import { buildProxyEvent } from '../../local/http-server';
import { toResponse } from '../support/scim-client';
import { assertScimAnswer, fuzzParameters, hostileString, timeBoxedProperty } from './support/fuzz';
import {
  client,
  itKeepsTheStoreIntact,
  PATCH,
  probe,
  useFuzzTarget,
  userId,
  validUser,
} from './support/fuzz-target';
import { dataSnapshot, snapshotDiff } from './support/table';

useFuzzTarget();

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'get',
  'FOO',
];

describe('fuzz: paths, methods and headers', () => {
  it('random methods on random paths under /scim/v2 reach the handler: 2xx/4xx SCIM answers only', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'Users',
        'Groups',
        '.search',
        'Me',
        'Bulk',
        'Schemas',
        'ResourceTypes',
        'ServiceProviderConfig',
        '..',
        '%2e%2e',
        '%00',
        userId,
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const handlers = client.handlers;
    await fc.assert(
      timeBoxedProperty(
        fc.constantFrom(...METHODS),
        fc.array(segment, { minLength: 0, maxLength: 4 }),
        fc.constantFrom('users', 'groups', 'discovery') as fc.Arbitrary<keyof typeof handlers>,
        async (method, segments, fallback) => {
          const url = new URL(`http://scim.test/scim/v2/${segments.join('/')}`);
          const match = matchRoute(url.pathname);
          const event = buildProxyEvent({
            method,
            url,
            rawHeaders: ['Host', url.host, 'Authorization', `Bearer ${client.tokenFor('acme')}`],
            body: '',
            // An undeclared path reaches a handler only through the local server's catch-all.
            resource: match?.route.path ?? url.pathname,
            pathParameters: match?.pathParameters ?? {},
          });
          const before = await dataSnapshot(client.table);
          const res = toResponse(await handlers[match?.route.target ?? fallback](event));
          assertScimAnswer(res, `${method} ${url.pathname}`);
          if (res.status >= 400) expect(snapshotDiff(before, await dataSnapshot(client.table))).toEqual([]);
        },
      ),
      fuzzParameters(100),
    );
  });

  it('random Content-Type, If-Match, Accept and Authorization headers on PUT/PATCH: 2xx/4xx; a 4xx changes nothing', async () => {
    const headerValue = fc.oneof(
      fc.constantFrom(
        'application/scim+json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        '*',
        'W/"1"',
        '"1"',
        'W/"999"',
        'W/""',
        '',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    );
    await fc.assert(
      timeBoxedProperty(
        fc.dictionary(
          fc.constantFrom(
            'Content-Type',
            'If-Match',
            'If-None-Match',
            'Accept',
            'Authorization',
            'X-HTTP-Method-Override',
          ),
          headerValue,
          { maxKeys: 4 },
        ),
        fc.boolean(),
        async (headers, patch) => {
          const res = await probe(patch ? 'PATCH' : 'PUT', `/Users/${userId}`, {
            rawBody: patch
              ? JSON.stringify({
                  schemas: [PATCH],
                  Operations: [{ op: 'replace', path: 'title', value: 'Header fuzz' }],
                })
              : JSON.stringify({ ...validUser, title: 'Header fuzz' }),
            headers,
          });
          if ('Authorization' in headers && res.status !== 401) {
            // Only the right token authenticates: anything else sent as Authorization is a 401.
            expect(headers.Authorization).toBe(`Bearer ${client.tokenFor('acme')}`);
          }
        },
      ),
      fuzzParameters(100),
    );
  });

  it('random query parameters on list endpoints (startIndex, count, sortBy, attributes, cursor): 2xx/4xx only', async () => {
    const param = fc.constantFrom(
      'startIndex',
      'count',
      'sortBy',
      'sortOrder',
      'attributes',
      'excludedAttributes',
      'cursor',
      'filter',
    );
    const value = fc.oneof(
      fc.constantFrom(
        '-1',
        '0',
        '1',
        '1001',
        '99999999999999999999',
        'NaN',
        '1e3',
        '0x10',
        ' 1',
        'userName',
        'members',
        '__proto__',
        'descending',
        'emails.value',
      ),
      hostileString.filter((s) => s.length < 5_000),
    );
    await fc.assert(
      timeBoxedProperty(fc.dictionary(param, value, { maxKeys: 4 }), fc.boolean(), async (query, groups) => {
        const qs = new URLSearchParams(query).toString();
        const res = await probe('GET', `/${groups ? 'Groups' : 'Users'}?${qs}`);
        if (res.status === 200) expect(res.body.Resources.length).toBeLessThanOrEqual(1000);
      }),
      fuzzParameters(100),
    );
  });
});

itKeepsTheStoreIntact();
