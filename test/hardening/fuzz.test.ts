/**
 * Fuzzing through the real handlers on DynamoDB Local: random and mutated filters, PATCH
 * bodies, User and Group bodies, paths, methods and headers. Every answer must be 2xx/4xx
 * with a SCIM JSON body (never ≥ 500, never a stack trace), and a 4xx must leave the stored
 * data exactly as it was (Scan before and after; activity records and page checkpoints aside).
 *
 * Seeded (support/fuzz.ts FUZZ_SEED) and bounded: on failure fast-check prints the seed and
 * the counterexample path; replay it with fc.assert(..., { seed, path }) or FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { matchRoute } from '../../lambdas/routes';
import { buildProxyEvent } from '../../local/http-server';
import {
  createScimTestClient,
  type ScimResponse,
  type ScimTestClient,
  toResponse,
} from '../support/scim-client';
import {
  assertNoPrototypePollution,
  assertScimAnswer,
  fuzzParameters,
  HOSTILE_KEYS,
  hostileJsonValue,
  hostileString,
  mutatedObject,
  timeBoxedProperty,
} from './support/fuzz';
import { checkInvariants, dataSnapshot, scanTable, snapshotDiff } from './support/table';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let client: ScimTestClient;
let userId: string;
let groupId: string;
let otherUserId: string;

const validUser = {
  schemas: [USER, ENTERPRISE],
  userName: 'fuzz.target@example.com',
  externalId: '00u1fuzz',
  name: { givenName: 'Fuzz', familyName: 'Target', formatted: 'Fuzz Target' },
  displayName: 'Fuzz Target',
  emails: [{ value: 'fuzz.target@example.com', type: 'work', primary: true }],
  phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  active: true,
  [ENTERPRISE]: { employeeNumber: '42', department: 'QA' },
};
const validGroup = { schemas: [GROUP], displayName: 'Fuzz Group', externalId: 'g-fuzz' };

beforeAll(async () => {
  client = await createScimTestClient();
  userId = (await client.request('POST', '/Users', { body: validUser })).body.id;
  otherUserId = (
    await client.request('POST', '/Users', { body: { schemas: [USER], userName: 'fuzz.member@example.com' } })
  ).body.id;
  groupId = (
    await client.request('POST', '/Groups', { body: { ...validGroup, members: [{ value: otherUserId }] } })
  ).body.id;
});
afterAll(() => client.close());
afterEach(() => assertNoPrototypePollution());

/** Sends one request; checks the answer; on 4xx checks the data did not change. */
async function probe(
  method: string,
  path: string,
  options: { rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ScimResponse> {
  const before = await dataSnapshot(client.table);
  const res = await client.request(method, path, options);
  const what = `${method} ${path.slice(0, 200)} ${options.rawBody?.slice(0, 200) ?? ''}`;
  assertScimAnswer(res, what);
  if (res.status >= 400) {
    const changed = snapshotDiff(before, await dataSnapshot(client.table));
    if (changed.length > 0) throw new Error(`4xx changed data (${changed.join(', ')}): ${what}`);
  }
  return res;
}

const VALID_FILTERS = [
  'userName eq "fuzz.target@example.com"',
  'externalId eq "00u1fuzz"',
  'emails[type eq "work" and value co "@example.com"]',
  'name.familyName sw "Tar" or title pr',
  'not (active eq false) and meta.lastModified gt "2020-01-01T00:00:00Z"',
  `${ENTERPRISE}:employeeNumber eq "42"`,
  'id eq "0190f5e2-0000-7000-8000-000000000000"',
  'displayName eq "Fuzz Group"',
  'members[value eq "x"]',
];

const FILTER_PIECES = [
  ' ',
  '(',
  ')',
  '[',
  ']',
  '"',
  '\\',
  ' eq ',
  ' and ',
  ' or ',
  'not',
  ' pr',
  '.',
  ':',
  'true',
  '1e999',
  '-0',
];

/** A valid filter with characters deleted, inserted or duplicated. */
const mutatedFilter: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...VALID_FILTERS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 5 }),
        fc.oneof(fc.constantFrom(...FILTER_PIECES), fc.string({ maxLength: 3 })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([filter, edits]) => {
    let text = filter;
    for (const [at, cut, insert] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(i + cut);
    }
    return text;
  });

const anyFilter = fc.oneof(
  mutatedFilter,
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(fc.constantFrom(...FILTER_PIECES, 'userName', 'emails', '"a"', 'value'), { maxLength: 30 })
    .map((p) => p.join('')),
  fc.integer({ min: 1, max: 10 }).map((n) => `${'('.repeat(n * 10)}userName pr${')'.repeat(n * 10)}`),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => `userName eq "${'x'.repeat(n)}"`),
  fc.integer({ min: 10, max: 1_500 }).map((n) => Array.from({ length: n }, () => 'title pr').join(' or ')),
);

describe('fuzz: filters', () => {
  it('GET /Users and /Groups with random and mutated filters: 2xx/4xx SCIM answers only', async () => {
    await fc.assert(
      timeBoxedProperty(anyFilter, fc.boolean(), async (filter, groups) => {
        const res = await probe(
          'GET',
          `/${groups ? 'Groups' : 'Users'}?filter=${encodeURIComponent(filter)}`,
        );
        if (res.status === 400)
          expect(['invalidFilter', 'invalidValue', 'invalidPath']).toContain(res.body.scimType);
      }),
      fuzzParameters(100),
    );
  });

  it('POST /.search with random SearchRequest members: 2xx/4xx only', async () => {
    await fc.assert(
      timeBoxedProperty(
        mutatedObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'userName pr',
          startIndex: 1,
          count: 10,
        }),
        async (raw) => {
          await probe('POST', '/Users/.search', { rawBody: raw });
        },
      ),
      fuzzParameters(80),
    );
  });
});

const PATCH_PATHS = [
  'userName',
  'active',
  'name.givenName',
  'emails[type eq "work"].value',
  'emails[type eq "work"]',
  'phoneNumbers',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:employeeNumber`,
  'members',
  'members[value eq "x"]',
  'displayName',
  'externalId',
  'id',
  'meta.created',
  'groups',
  'schemas',
  '__proto__',
  'constructor.prototype',
  '__proto__.polluted',
  'emails[__proto__ eq "x"].value',
];

const patchOperation: fc.Arbitrary<string> = fc
  .record(
    {
      op: fc.oneof(
        fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'copy', ''),
        hostileString,
      ),
      path: fc.oneof(fc.constantFrom(...PATCH_PATHS), hostileString),
      value: hostileJsonValue,
    },
    { requiredKeys: ['op'] },
  )
  .map(
    (o) =>
      `{${Object.entries(o)
        .map(([k, v]) => `"${k}":${k === 'value' ? v : JSON.stringify(v)}`)
        .join(',')}}`,
  );

const patchBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(patchOperation, { maxLength: 6 })
    .map((ops) => `{"schemas":["${PATCH}"],"Operations":[${ops.join(',')}]}`),
  fc.array(patchOperation, { maxLength: 3 }).map((ops) => `{"Operations":[${ops.join(',')}]}`),
  mutatedObject({ schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }),
  hostileJsonValue,
);

describe('fuzz: PATCH bodies', () => {
  it('PATCH /Users/{id} with random operations, paths and values: 2xx/4xx; a 4xx changes nothing', async () => {
    await fc.assert(
      timeBoxedProperty(patchBody, async (raw) => {
        await probe('PATCH', `/Users/${userId}`, { rawBody: raw });
      }),
      fuzzParameters(100),
    );
    // Whatever was patched, the user is still a readable, valid User.
    expect((await client.request('GET', `/Users/${userId}`)).status).toBe(200);
  });

  it('PATCH /Groups/{id} with random operations (members paths included): 2xx/4xx; a 4xx changes nothing', async () => {
    await fc.assert(
      timeBoxedProperty(patchBody, async (raw) => {
        await probe('PATCH', `/Groups/${groupId}`, { rawBody: raw });
      }),
      fuzzParameters(100),
    );
    expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(200);
  });
});

describe('fuzz: resource bodies', () => {
  it('POST /Users with mutated Okta/Entra bodies (wrong types, deep nesting, huge strings, __proto__): 2xx/4xx only', async () => {
    let n = 0;
    await fc.assert(
      timeBoxedProperty(mutatedObject(validUser), async (raw) => {
        // A distinct userName per run unless the mutation replaced it: creates do not collide.
        const body = raw.replace('fuzz.target@example.com', `fuzz.${++n}@example.com`);
        const res = await probe('POST', '/Users', { rawBody: body });
        if (res.status === 201) {
          expect(typeof res.body.id).toBe('string');
          expect(Object.getPrototypeOf(res.body)).toBe(Object.prototype);
        }
      }),
      fuzzParameters(100),
    );
  });

  it('PUT /Users/{id} with mutated bodies: 2xx/4xx; a 4xx leaves the user as it was', async () => {
    await fc.assert(
      timeBoxedProperty(mutatedObject(validUser), async (raw) => {
        await probe('PUT', `/Users/${userId}`, { rawBody: raw });
      }),
      fuzzParameters(100),
    );
  });

  it('POST and PUT /Groups with mutated bodies (members of wrong shapes included): 2xx/4xx only', async () => {
    let n = 0;
    const base = { ...validGroup, members: [{ value: otherUserId, type: 'User' }] };
    await fc.assert(
      timeBoxedProperty(mutatedObject(base), fc.boolean(), async (raw, put) => {
        const body = raw.replace('Fuzz Group', `Fuzz Group ${++n}`);
        await probe(put ? 'PUT' : 'POST', put ? `/Groups/${groupId}` : '/Groups', { rawBody: body });
      }),
      fuzzParameters(100),
    );
  });

  it('bodies that are not objects at all (any JSON, broken JSON, deep nesting): 4xx only', async () => {
    const raw = fc.oneof(
      hostileJsonValue,
      hostileJsonValue.map((t) => t.slice(0, Math.max(0, t.length - 1))),
      fc.string({ unit: 'binary', maxLength: 50 }),
    );
    await fc.assert(
      timeBoxedProperty(
        raw,
        fc.constantFrom('POST /Users', 'POST /Groups', `PUT /Users/${userId}`, 'POST /Groups/.search'),
        async (text, target) => {
          const [method, path] = target.split(' ') as [string, string];
          await probe(method, path, { rawBody: text });
        },
      ),
      fuzzParameters(100),
    );
  });
});

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

describe('after all the fuzzing', () => {
  it('the store still holds its invariants and the hostile keys were never stored as prototypes', async () => {
    const items = await scanTable(client.table);
    const report = checkInvariants(items);
    expect(report.broken).toEqual([]);
    expect(report.orphanMembershipsOfGroups).toEqual([]);
    for (const item of items) {
      for (const key of HOSTILE_KEYS.slice(0, 3)) {
        const resource = item.resource as Record<string, unknown> | undefined;
        if (resource && Object.hasOwn(resource, key)) {
          // Stored only as an ordinary own key would be acceptable; a polluted prototype is not.
          expect(Object.getPrototypeOf(resource)).toBe(Object.prototype);
        }
      }
    }
  });
});
