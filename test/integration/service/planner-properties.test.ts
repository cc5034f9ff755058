/**
 * The query planner answers some filters from indexes (id, userName eq via the guard, externalId
 * via GSI2, userName sw via GSI3, emails.value eq via the email index) and the rest by walking the
 * listing; whatever it chooses, the result must equal evaluating the filter in memory over every
 * user. Random data, random filters; emails include values whose Unicode folding (docs/NAMES.md)
 * differs from lower-casing (ß, ligatures, combining accents).
 */
import fc from 'fast-check';
import type { FilterNode } from '../../../lambdas/scim/filter/ast';
import { matchesFilter } from '../../../lambdas/scim/filter/evaluate';
import { printFilter } from '../../../lambdas/scim/filter/parser';
import { createSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const registry = createSchemaRegistry();
const lookup = registry.lookup('User');
let client: ScimTestClient;
// biome-ignore lint/suspicious/noExplicitAny: SCIM JSON as returned by the API.
let users: any[] = [];

const NAMES = ['ann', 'Ann.B', 'bob', 'BOBBY', 'carl', 'anna', 'béa', 'zoe'];
const EXTERNAL = ['x1', 'X1', 'x2', 'y'];
const EMAILS = ['a@x.com', 'B@x.com', 'c@y.org', 'straße@x.com', 'ﬁn@x.com', 'jose\u0301@y.org'];
/** Spellings of an email that nameKey folds together, none of them equal to lower-casing it. */
const emailVariants = (email: string): string[] => [
  email.toUpperCase(),
  email.normalize('NFC'),
  email.normalize('NFD'),
  email.normalize('NFKC'),
];

beforeAll(async () => {
  client = await createScimTestClient({ tenants: ['acme'] });
  const data = fc.sample(
    fc.record({
      name: fc.constantFrom(...NAMES),
      suffix: fc.nat(999),
      externalId: fc.option(fc.constantFrom(...EXTERNAL), { nil: undefined }),
      active: fc.boolean(),
      title: fc.option(fc.constantFrom('Eng', 'eng', 'Ops'), { nil: undefined }),
      email: fc.option(fc.constantFrom(...EMAILS), { nil: undefined }),
    }),
    { seed: 7644, numRuns: 40 },
  );
  const taken = new Set<string>();
  for (const d of data) {
    const userName = `${d.name}${d.suffix}`;
    if (taken.has(userName.toLowerCase())) continue;
    taken.add(userName.toLowerCase());
    const res = await client.request('POST', '/Users', {
      body: {
        userName,
        active: d.active,
        ...(d.externalId ? { externalId: d.externalId } : {}),
        ...(d.title ? { title: d.title } : {}),
        ...(d.email ? { emails: [{ value: d.email, type: 'work', primary: true }] } : {}),
      },
    });
    expect(res.status).toBe(201);
  }
  users = (await client.request('GET', '/Users?count=1000')).body.Resources;
}, 120_000);
afterAll(() => client.close());

const str = (values: readonly string[]) => fc.constantFrom(...values);
const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant({ attribute: 'userName' }),
    op: fc.constantFrom('eq' as const, 'sw' as const, 'co' as const, 'ew' as const),
    value: fc.oneof(str(NAMES), str(['a', 'AN', 'b', 'ann1', '9'])),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant({ attribute: 'externalId' }),
    op: fc.constantFrom('eq' as const, 'ne' as const),
    value: str(EXTERNAL),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant({ attribute: 'active' }),
    op: fc.constant('eq' as const),
    value: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant({ attribute: 'title' }),
    op: fc.constantFrom('eq' as const, 'sw' as const),
    value: str(['Eng', 'ENG', 'O']),
  }),
  fc.record({
    kind: fc.constant('valuePath' as const),
    path: fc.constant({ attribute: 'emails' }),
    filter: fc.record({
      kind: fc.constant('compare' as const),
      path: fc.constant({ attribute: 'value' }),
      op: fc.constantFrom('eq' as const, 'ew' as const),
      value: str(['a@x.com', 'b@X.com', 'y.org', 'STRASSE@X.COM', 'fin@x.com', 'josé@y.org']),
    }),
  }),
  fc.record({
    kind: fc.constant('present' as const),
    path: fc.constantFrom({ attribute: 'title' }, { attribute: 'externalId' }),
  }),
);
const filters: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant('and' as const), left: tie('node'), right: tie('node') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('node'), right: tie('node') }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
  ),
})).node;

it('every filter returns exactly the users the in-memory evaluator selects, whichever plan answers it', async () => {
  expect(users.length).toBeGreaterThan(30);
  // Also aim filters at real values so index look-ups hit: a known id and a known userName in any case.
  const known = fc.constantFrom(...users).map(
    (u): FilterNode => ({
      kind: 'and',
      left: {
        kind: 'compare',
        path: { attribute: 'userName' },
        op: 'eq',
        value: String(u.userName).toUpperCase(),
      },
      right: { kind: 'compare', path: { attribute: 'id' }, op: 'eq', value: u.id },
    }),
  );
  // And real emails spelt another way, in Entra's shape (the email index plan).
  const withEmail = users.filter((u) => Array.isArray(u.emails));
  const knownEmail = fc.tuple(fc.constantFrom(...withEmail), fc.nat(3)).map(
    ([u, variant]): FilterNode => ({
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'compare',
        path: { attribute: 'value' },
        op: 'eq',
        value: emailVariants(String(u.emails[0].value))[variant] ?? '',
      },
    }),
  );
  // And prefixes of real userNames in mixed case, alone or with another term (the GSI3 plan).
  const prefixed = fc
    .tuple(fc.constantFrom(...users), fc.integer({ min: 1, max: 4 }), fc.boolean(), filters)
    .map(([u, length, upper, other]): FilterNode => {
      const prefix = String(u.userName).slice(0, length);
      const sw: FilterNode = {
        kind: 'compare',
        path: { attribute: 'userName' },
        op: 'sw',
        value: upper ? prefix.toUpperCase() : prefix,
      };
      return length % 2 === 0 ? { kind: 'and', left: other, right: sw } : sw;
    });
  await fc.assert(
    fc.asyncProperty(fc.oneof(filters, known, prefixed, knownEmail), async (filter) => {
      const text = printFilter(filter);
      const res = await client.request('GET', `/Users?count=1000&filter=${encodeURIComponent(text)}`);
      if (res.status !== 200) throw new Error(`${text} → ${res.status} ${res.text}`);
      const got = res.body.Resources.map((u: { id: string }) => u.id);
      const expected = users.filter((u) => matchesFilter(u, filter, lookup)).map((u) => u.id);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(`${text}: planner ${JSON.stringify(got)} vs evaluator ${JSON.stringify(expected)}`);
      }
      if (res.body.totalResults !== expected.length)
        throw new Error(`${text}: totalResults ${res.body.totalResults}`);
    }),
    { seed: 20261123, numRuns: 150 },
  );
}, 120_000);
