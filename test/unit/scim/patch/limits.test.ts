/**
 * Red-team finding 2 (issue #19): PATCH on a multi-valued attribute was O(n×m). Checks that
 * the set-based add/remove give the pairwise reference's result, that oversized requests get
 * 400 tooMany before the work, and that the worst request accepted under 1 MB stays under 1 s.
 */
import fc from 'fast-check';
import {
  MAX_PATCH_VALUES,
  MAX_PATCH_WORK,
  MAX_VALUES_PER_ATTRIBUTE,
  parsePatchRequest,
  splitMemberOperations,
} from '../../../../lambdas/scim/patch';
import { deepEqual } from '../../../../lambdas/scim/patch/values';
import type { AttributeDefinition } from '../../../../lambdas/scim/schema/types';
import { expectScimError, ops, patchGroup, patchUser, storedGroup, storedUser, userLookup } from './support';

const MAX_BODY_BYTES = 1_048_576;
const emailsDefinition = userLookup({ attribute: 'emails' }) as AttributeDefinition;

type Email = Record<string, string>;
const withEmails = (emails: unknown[]) => ({ ...storedUser(), emails });
const emailList = (count: number, prefix = 'e'): Email[] =>
  Array.from({ length: count }, (_, i) => ({
    value: `${prefix}${i}@example.com`,
    type: 'work',
    display: `E ${i}`,
  }));
const bodyBytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body), 'utf8');

/** The engine's equality before the fix, pairwise: every given sub-attribute equal, caseExact=false strings folded. */
function sameAsListed(element: unknown, spec: unknown): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(spec) || !isObject(element)) return deepEqual(element, spec);
  return Object.entries(spec).every(([key, value]) => {
    const sub = emailsDefinition.subAttributes?.find((s) => s.name.toLowerCase() === key.toLowerCase());
    const present = element[key];
    if (sub && !sub.caseExact && typeof value === 'string' && typeof present === 'string') {
      return value.toLowerCase() === present.toLowerCase();
    }
    return deepEqual(present, value);
  });
}

/** The same element: the same sub-attributes, each equal (caseExact=false strings folded). */
function sameElement(a: Email, b: Email): boolean {
  const keys = Object.keys(a).sort();
  return JSON.stringify(keys) === JSON.stringify(Object.keys(b).sort()) && sameAsListed(a, b);
}

/** Straightforward n×m reference of add (skip values already held) and remove-listed. */
function reference(existing: Email[], op: 'add' | 'remove', values: Email[]): Email[] | undefined {
  if (op === 'add') {
    const next = [...existing];
    for (const item of values) if (!next.some((present) => sameElement(present, item))) next.push(item);
    return next.length > 0 ? next : undefined;
  }
  const kept = existing.filter((element) => !values.some((spec) => sameAsListed(element, spec)));
  return kept.length > 0 ? kept : undefined;
}

describe('linear add/remove equals the pairwise reference', () => {
  // Few distinct strings in mixed case so duplicates and case-folded matches are common.
  const word = fc.constantFrom('a', 'A', 'b', 'B', 'x@y', 'X@Y');
  const email: fc.Arbitrary<Email> = fc
    .record(
      { value: word, type: fc.constantFrom('work', 'Work', 'home'), display: word },
      { requiredKeys: [] },
    )
    .filter((e) => Object.keys(e).length > 0) as fc.Arbitrary<Email>;

  it('gives the same emails for random small inputs', () => {
    fc.assert(
      fc.property(
        fc.array(email, { maxLength: 8 }),
        fc.constantFrom<'add' | 'remove'>('add', 'remove'),
        fc.array(email, { minLength: 1, maxLength: 6 }),
        (existing, op, values) => {
          const stored = existing.length > 0 ? withEmails(existing) : storedUser();
          if (existing.length === 0) delete stored.emails;
          const { resource } = patchUser(stored, ops({ op, path: 'emails', value: values }));
          expect(resource.emails).toEqual(reference(existing, op, values));
        },
      ),
      { seed: 19_2, numRuns: 400 },
    );
  });
});

describe('limits answered with 400 tooMany before the work', () => {
  it('rejects one list longer than MAX_VALUES_PER_ATTRIBUTE at parse time', () => {
    const body = ops({ op: 'add', path: 'emails', value: emailList(MAX_VALUES_PER_ATTRIBUTE + 1) });
    expectScimError(() => parsePatchRequest(body), 400, 'tooMany');
  });

  it('rejects more than MAX_PATCH_VALUES list values across operations at parse time', () => {
    const perOp = MAX_VALUES_PER_ATTRIBUTE;
    const count = Math.floor(MAX_PATCH_VALUES / perOp) + 1;
    const body = ops(
      ...Array.from({ length: count }, (_, i) => ({
        op: 'add',
        path: 'emails',
        value: emailList(perOp, `o${i}-`),
      })),
    );
    expectScimError(() => parsePatchRequest(body), 400, 'tooMany');
  });

  it('does not count group members (they keep the groups service limit)', () => {
    const members = Array.from({ length: 5_000 }, (_, i) => ({ value: `m${i}` }));
    const { memberChanges } = patchGroup(storedGroup(), ops({ op: 'add', path: 'members', value: members }));
    expect(memberChanges).toEqual([{ kind: 'add', ids: members.map((m) => m.value) }]);
    const pathless = ops({ op: 'replace', value: { displayName: 'x', members } });
    expect(splitMemberOperations(parsePatchRequest(pathless)).memberChanges).toHaveLength(1);
  });

  it('rejects an add that grows a list past MAX_VALUES_PER_ATTRIBUTE', () => {
    const body = ops({ op: 'add', path: 'emails', value: emailList(10, 'new') });
    expectScimError(
      () => patchUser(withEmails(emailList(MAX_VALUES_PER_ATTRIBUTE - 5)), body),
      400,
      'tooMany',
    );
    // A longer stored list may still shrink.
    const shrunk = patchUser(
      withEmails(emailList(MAX_VALUES_PER_ATTRIBUTE + 5)),
      ops({ op: 'remove', path: 'emails[value eq "e0@example.com"]' }),
    );
    expect(shrunk.resource.emails).toHaveLength(MAX_VALUES_PER_ATTRIBUTE + 4);
  });

  it('rejects a request whose operations would examine more than MAX_PATCH_WORK values', () => {
    const stored = withEmails(emailList(MAX_VALUES_PER_ATTRIBUTE));
    const count = Math.ceil(MAX_PATCH_WORK / MAX_VALUES_PER_ATTRIBUTE) + 1;
    const body = ops(
      ...Array.from({ length: count }, () => ({ op: 'remove', path: 'emails[value eq "nobody"]' })),
    );
    expectScimError(() => patchUser(stored, body), 400, 'tooMany');
  });

  it('still accepts what real clients send', () => {
    const stored = withEmails(emailList(300));
    const body = ops(
      { op: 'add', path: 'emails', value: emailList(300, 'n') },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'w@example.com' },
      { op: 'remove', path: 'emails', value: [{ value: 'W@EXAMPLE.COM' }] },
    );
    expect(patchUser(stored, body).resource).not.toHaveProperty('emails');
  });
});

describe('worst case under the 1 MB body limit', () => {
  /** Each body is as large as the limits let it do work; the slowest must stay well under 1 s. */
  const stored = withEmails(emailList(MAX_VALUES_PER_ATTRIBUTE));
  /** As many operations as fit in 1 MB (and the 1,000-operation cap). */
  const fill = (one: (i: number) => unknown) => {
    const operations: unknown[] = [];
    let size = bodyBytes(ops());
    for (let i = 0; i < 1000; i++) {
      const op = one(i);
      size += bodyBytes(op) + 1;
      if (size > MAX_BODY_BYTES) break;
      operations.push(op);
    }
    return ops(...operations);
  };
  const longOr = Array.from({ length: 200 }, (_, i) => `value eq "z${i}"`).join(' or ');
  const cases: Record<string, unknown> = {
    'one add of ~1 MB of values (the reported attack)': ops({
      op: 'add',
      path: 'emails',
      value: Array.from({ length: 90_000 }, (_, i) => `v${i}`),
    }),
    'add of duplicates, repeated': fill(() => ({ op: 'add', path: 'emails', value: emailList(5) })),
    'remove of listed values, every sub-attribute combination': fill((i) => ({
      op: 'remove',
      path: 'emails',
      value: emailList(16).map((e, j) =>
        Object.fromEntries(Object.entries(e).filter((_, k) => (j >> k) & 1 || k === i % 3)),
      ),
    })),
    'filtered replace with a long or-chain': fill(() => ({
      op: 'replace',
      path: `emails[${longOr}].display`,
      value: 'x',
    })),
  };

  it.each(Object.entries(cases))('%s: < 1000 ms', (_name, body) => {
    expect(bodyBytes(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const started = performance.now();
    try {
      patchUser(stored, body);
    } catch (error) {
      expect((error as { scimType?: string }).scimType).toBe('tooMany');
    }
    const elapsed = performance.now() - started;
    console.log(`${_name}: ${bodyBytes(body)} bytes, ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(1000);
  });
});
