/**
 * Fuzzing through the real handlers on DynamoDB Local: random and mutated filters and PATCH bodies.
 * Every answer must be 2xx/4xx with a SCIM JSON body (never ≥ 500, never a stack trace), and a
 * 4xx must leave the stored data exactly as it was (support/fuzz-target.ts `probe`). Seeded and
 * bounded: on failure fast-check prints the seed and the counterexample path; replay with
 * FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import {
  fuzzParameters,
  hostileJsonValue,
  hostileString,
  mutatedObject,
  timeBoxedProperty,
} from './support/fuzz';
import {
  client,
  ENTERPRISE,
  groupId,
  itKeepsTheStoreIntact,
  PATCH,
  probe,
  useFuzzTarget,
  userId,
} from './support/fuzz-target';

useFuzzTarget();

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

itKeepsTheStoreIntact();
