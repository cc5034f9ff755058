/**
 * Shared pieces of the fuzz tests: the seeds (fixed, so every run is the same run; override
 * with FUZZ_SEED to explore, and replay a failure with the seed and path fast-check prints),
 * the "is this an acceptable SCIM answer" check, and generators of hostile JSON text.
 *
 * Hostile JSON is generated as TEXT, not as objects: `__proto__` keys only survive as real
 * keys when written into the body, and deep nesting must reach the server's JSON.parse rather
 * than fast-check's.
 */
import fc from 'fast-check';
import type { ScimResponse } from '../../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Seed of every property in test/hardening; FUZZ_SEED=<n> explores other inputs. */
export const FUZZ_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261123;

/**
 * Wall-clock budget of one property, so `npm test` stays fast on a slow machine: once spent,
 * the remaining runs pass without sending anything (see timeBoxed). The runs that do execute
 * are always the seed's first ones, in the same order.
 */
export const FUZZ_TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 6_000);

/** fast-check parameters: seeded and bounded. */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns };
}

/**
 * Wraps a property's predicate with the time budget. Not fast-check's interruptAfterTimeLimit:
 * that stops AWAITING the run in flight, whose requests then land during the next property and
 * corrupt its before/after snapshots (seen as a counter write "caused" by a 4xx). After a
 * failure the budget is lifted, so shrinking runs in full.
 */
export function timeBoxed<A extends unknown[]>(
  predicate: (...args: A) => Promise<void>,
  budgetMs = FUZZ_TIME_LIMIT_MS,
): (...args: A) => Promise<void> {
  let deadline: number | undefined;
  return async (...args: A) => {
    deadline ??= Date.now() + budgetMs;
    if (Date.now() > deadline) return;
    try {
      await predicate(...args);
    } catch (error) {
      deadline = Number.POSITIVE_INFINITY;
      throw error;
    }
  };
}

/** fc.asyncProperty with its predicate wrapped in timeBoxed. */
export function timeBoxedProperty<Ts extends [unknown, ...unknown[]]>(
  ...args: [
    ...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
    predicate: (...args: Ts) => Promise<void>,
  ]
): fc.IAsyncPropertyWithHooks<Ts> {
  const predicate = args[args.length - 1] as (...a: Ts) => Promise<void>;
  const arbitraries = args.slice(0, -1) as { [K in keyof Ts]: fc.Arbitrary<Ts[K]> };
  return fc.asyncProperty(...arbitraries, timeBoxed(predicate));
}

/**
 * The answer a SCIM client may get for ANY input: 2xx or 4xx (never ≥ 500), a JSON body (or an
 * empty one for 204), and an Error body with string `status` equal to the HTTP status when it
 * is an error (RFC 7644 §3.12).
 */
export function assertScimAnswer(res: ScimResponse, what: string): void {
  const where = `${what} → HTTP ${res.status} ${res.text.slice(0, 300)}`;
  // 501 is a deliberate answer (/Me, /Bulk: RFC 7644 §3.11), checked as a SCIM error below.
  if (!Number.isInteger(res.status) || res.status < 200 || (res.status >= 500 && res.status !== 501))
    throw new Error(`5xx/odd: ${where}`);
  // 204, and any answer to HEAD (RFC 9110 §9.3.2: GET's status and headers, no body).
  if (res.status === 204 || what.startsWith('HEAD ')) {
    if (res.text !== '') throw new Error(`${res.status} with a body: ${where}`);
    return;
  }
  if (typeof res.body !== 'object' || res.body === null) throw new Error(`not SCIM JSON: ${where}`);
  if (res.status >= 400) {
    const body = res.body as Record<string, unknown>;
    if (
      !Array.isArray(body.schemas) ||
      body.schemas[0] !== ERROR_SCHEMA ||
      body.status !== String(res.status) ||
      typeof body.detail !== 'string' ||
      body.detail === ''
    ) {
      throw new Error(`not a SCIM Error body: ${where}`);
    }
    if (/\n\s+at |node_modules|\.ts:\d+/.test(res.text)) throw new Error(`stack trace in body: ${where}`);
  }
}

/** Keys that pollute prototypes when merged naively, plus names SCIM code handles specially. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'schemas',
  'id',
  'meta',
  'members',
  'groups',
  '$ref',
  '',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  'name.givenName',
  'emails[type eq "work"].value',
] as const;

/** Strings that have hurt parsers and stores: unicode edge cases, huge, control, filter syntax. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\u202e',
    'e\u0301',
    'ǅ',
    'ß',
    'İ',
    '"',
    '\\',
    '")) or (1 eq 1',
    'userName eq "x"',
    // Log4Shell-style lookup text, built so it is not mistaken for a template literal.
    ['$', '{jndi:ldap://x}'].join(''),
    '<script>',
  ),
  // Larger than MAX_STRING_LENGTH (64 KiB) and DynamoDB's 400 KB item when repeated.
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

/** JSON text nested `depth` levels deep (objects or arrays), around a leaf value. */
const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 10, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Any JSON value as text, including hostile keys, deep nesting and huge strings. */
export const hostileJsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    hostileString.map((s) => JSON.stringify(s)),
    deepJson,
    fc
      .array(
        fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), tie('value')),
        {
          maxLength: 4,
        },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
})).value;

/** A JSON object text: `base`'s entries with some replaced or added by hostile ones. */
export function mutatedObject(base: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(base);
  return fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...keys, ...HOSTILE_KEYS), fc.string({ maxLength: 10 })),
        hostileJsonValue,
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((changes) => {
      const entries = new Map<string, string>(keys.map((k) => [k, JSON.stringify(base[k])]));
      for (const [k, v] of changes) entries.set(k, v);
      return `{${[...entries].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
    });
}

/** Every property of Object.prototype someone might have polluted. */
export function assertNoPrototypePollution(): void {
  const probe: Record<string, unknown> = {};
  for (const key of ['a', 'polluted', 'isAdmin', 'value', 'schemas', 'userName', 'x']) {
    if (key in probe) throw new Error(`Object.prototype.${key} was polluted`);
  }
  if (Object.keys(Object.prototype).length > 0) {
    throw new Error(`Object.prototype has keys: ${Object.keys(Object.prototype).join(',')}`);
  }
}
