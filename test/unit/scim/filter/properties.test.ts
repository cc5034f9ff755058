/**
 * Property tests for the filter language. Seeds are fixed so a failure reproduces; fast-check
 * prints the seed and the shrunk counterexample when a property fails.
 */

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ScimError } from '../../../../lambdas/scim/errors';
import type {
  AttributePath,
  CompareOperator,
  FilterNode,
  FilterValue,
} from '../../../../lambdas/scim/filter/ast';
import { matchesFilter } from '../../../../lambdas/scim/filter/evaluate';
import {
  parseFilter,
  parsePatchPath,
  printFilter,
  printPatchPath,
} from '../../../../lambdas/scim/filter/parser';
import { CORE_USER, ENTERPRISE, testLookup } from './lookup';

/**
 * Strict deep equality that throws, for use inside properties: expect() is slow when called
 * thousands of times, and fast-check reports the thrown message with the counterexample.
 */
function same(actual: unknown, expected: unknown): void {
  // structuredClone gives fast-check's null-prototype records a plain prototype (keeps -0).
  if (!isDeepStrictEqual(structuredClone(actual), structuredClone(expected))) {
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const OPS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/* ---------------------------------- (a) print → parse ----------------------------------- */

const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$-]{0,8}$/),
  // Names that look like keywords must still round-trip where the grammar expects a name.
  fc.constantFrom('not', 'and', 'or', 'pr', 'eq', 'true', 'null', 'value', '$ref'),
);
const schema = fc.constantFrom(CORE_USER, ENTERPRISE, 'urn:acme:scim:schemas:1.0:Ext');

const topPath: fc.Arbitrary<AttributePath> = fc
  .record({
    schema: fc.option(schema, { nil: undefined }),
    attribute: name,
    sub: fc.option(name, { nil: undefined }),
  })
  .map(({ schema: s, attribute, sub }) => ({
    ...(s === undefined ? {} : { schema: s }),
    attribute,
    ...(sub === undefined ? {} : { subAttribute: sub }),
  }));
const elementPath: fc.Arbitrary<AttributePath> = name.map((attribute) => ({ attribute }));

const literal: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

function filterArbitrary(
  path: fc.Arbitrary<AttributePath>,
  withValuePaths: boolean,
): fc.Arbitrary<FilterNode> {
  const { node } = fc.letrec<{ node: FilterNode }>((tie) => {
    const leaves: fc.Arbitrary<FilterNode>[] = [
      fc.record({ kind: fc.constant('compare' as const), path, op: fc.constantFrom(...OPS), value: literal }),
      fc.record({ kind: fc.constant('present' as const), path }),
    ];
    if (withValuePaths) {
      leaves.push(
        fc.record({
          kind: fc.constant('valuePath' as const),
          path: topPath.filter((p) => p.subAttribute === undefined),
          filter: filterArbitrary(elementPath, false),
        }),
      );
    }
    return {
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        ...leaves,
        fc.record({ kind: fc.constant('and' as const), left: tie('node'), right: tie('node') }),
        fc.record({ kind: fc.constant('or' as const), left: tie('node'), right: tie('node') }),
        fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
      ),
    };
  });
  return node;
}

const anyFilter = filterArbitrary(topPath, true);

describe('printFilter / parseFilter', () => {
  test('parse(print(ast)) deep-equals ast for random ASTs', () => {
    fc.assert(
      fc.property(anyFilter, (ast) => {
        same(parseFilter(printFilter(ast)), ast);
      }),
      { seed: 20261123, numRuns: 1500 },
    );
  });

  test('printing is a fixed point: print(parse(print(ast))) === print(ast)', () => {
    fc.assert(
      fc.property(anyFilter, (ast) => {
        const text = printFilter(ast);
        expect(printFilter(parseFilter(text))).toBe(text);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

const patchPath = fc.oneof(
  topPath.map((path) => ({ path })),
  fc
    .record({
      path: topPath.filter((p) => p.subAttribute === undefined),
      valueFilter: filterArbitrary(elementPath, false),
      sub: fc.option(name, { nil: undefined }),
    })
    .map(({ path, valueFilter, sub }) => ({
      path,
      valueFilter,
      ...(sub === undefined ? {} : { subAttribute: sub }),
    })),
);

describe('printPatchPath / parsePatchPath', () => {
  test('parsePatchPath(printPatchPath(p)) deep-equals p for random paths', () => {
    fc.assert(
      fc.property(patchPath, (p) => {
        same(parsePatchPath(printPatchPath(p)), p);
      }),
      { seed: 31, numRuns: 1000 },
    );
  });

  test('a bare schema URN round-trips when the caller names its schemas', () => {
    fc.assert(
      fc.property(schema, (urn) => {
        const p = { path: { schema: urn, attribute: '' } };
        expect(parsePatchPath(printPatchPath(p), { schemas: [CORE_USER, ENTERPRISE, urn] })).toEqual(p);
      }),
      { seed: 32, numRuns: 20 },
    );
  });
});

/* ------------------------------ (b) only ScimError 400 ---------------------------------- */

function onlyScimError(run: () => unknown, scimType: 'invalidFilter' | 'invalidPath'): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    // A plain check, not expect(): this runs thousands of times and expect() is slow in a loop.
    if (error.status !== 400 || error.scimType !== scimType || error.detail.length === 0) {
      throw new Error(`expected 400 ${scimType}, got ${error.status} ${error.scimType}: ${error.detail}`);
    }
  }
}

const tricky = fc.constantFrom(
  '(',
  ')',
  '[',
  ']',
  '"',
  '\\',
  '+',
  ' ',
  '.',
  ':',
  'not',
  ' and ',
  ' or ',
  'pr',
  'eq',
  'e+',
  '-',
  '0',
  'urn:',
);

/** A valid filter's text with random edits: deletions, insertions of grammar characters, splices. */
const mutated = fc
  .tuple(
    anyFilter.map(printFilter),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.oneof(tricky, fc.string({ maxLength: 3 }))), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, remove, insert] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + remove);
    }
    return out;
  });

describe('parseFilter and parsePatchPath throw nothing but ScimError 400', () => {
  test('arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: tricky, maxLength: 30 })),
        (text) => {
          onlyScimError(() => parseFilter(text), 'invalidFilter');
          onlyScimError(() => parsePatchPath(text), 'invalidPath');
        },
      ),
      { seed: 42, numRuns: 4000 },
    );
  });

  test('mutated valid filters', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        onlyScimError(() => parseFilter(text), 'invalidFilter');
        onlyScimError(() => parsePatchPath(text), 'invalidPath');
      }),
      { seed: 4242, numRuns: 4000 },
    );
  });

  test('mutated valid filters that still parse evaluate without throwing anything but ScimError', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        let ast: FilterNode;
        try {
          ast = parseFilter(text);
        } catch {
          return;
        }
        onlyScimError(
          () => matchesFilter({ userName: 'x', emails: [{ value: 'y' }] }, ast, testLookup),
          'invalidFilter',
        );
      }),
      { seed: 99, numRuns: 2000 },
    );
  });
});

/* --------------------------- (c) evaluator vs naive reference --------------------------- */

interface Person {
  userName?: string | null;
  externalId?: string;
  title?: string | null;
  active?: boolean;
  loginCount?: number;
  emails?: { type?: string; value?: string }[];
}

const word = fc.constantFrom('a', 'A', 'ab', 'Ab', 'aB', 'b', 'ba', '');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const person: fc.Arbitrary<Person> = fc
  .record({
    userName: maybe(fc.oneof(word, fc.constant(null))),
    externalId: maybe(word),
    title: maybe(fc.oneof(word, fc.constant(null))),
    active: maybe(fc.boolean()),
    loginCount: maybe(fc.integer({ min: -2, max: 2 })),
    emails: maybe(
      fc.array(fc.record({ type: maybe(fc.constantFrom('work', 'home', 'WORK')), value: maybe(word) }), {
        maxLength: 3,
      }),
    ),
  })
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Person);

type Attr = 'userName' | 'externalId' | 'title' | 'active' | 'loginCount' | 'emails.value' | 'emails.type';

const STRING_OPS: readonly CompareOperator[] = OPS;
const NUMBER_OPS: readonly CompareOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

/** Writes the attribute name in a random case: the evaluator must not care. */
const casing = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

function pathOf(attr: Attr | 'emails' | 'type' | 'value'): fc.Arbitrary<AttributePath> {
  const [a, sub] = attr.split('.') as [string, string | undefined];
  return fc
    .tuple(casing(a), sub === undefined ? fc.constant(undefined) : casing(sub))
    .map(([attribute, subAttribute]) =>
      subAttribute === undefined ? { attribute } : { attribute, subAttribute },
    );
}

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.constantFrom<Attr>('userName', 'externalId', 'title', 'emails.value', 'emails.type').chain((attr) =>
    fc.oneof(
      fc.record({
        kind: fc.constant('compare' as const),
        path: pathOf(attr),
        op: fc.constantFrom(...STRING_OPS),
        value: word,
      }),
      fc.record({ kind: fc.constant('present' as const), path: pathOf(attr) }),
    ),
  ),
  fc.record({
    kind: fc.constant('compare' as const),
    path: pathOf('active'),
    op: fc.constantFrom<CompareOperator>('eq', 'ne'),
    value: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: pathOf('loginCount'),
    op: fc.constantFrom(...NUMBER_OPS),
    value: fc.integer({ min: -2, max: 2 }),
  }),
  fc
    .constantFrom<Attr>('active', 'loginCount')
    .chain((attr) => fc.record({ kind: fc.constant('present' as const), path: pathOf(attr) })),
  fc.record({
    kind: fc.constant('valuePath' as const),
    path: pathOf('emails'),
    filter: fc.record({
      kind: fc.constant('and' as const),
      left: fc.record({
        kind: fc.constant('compare' as const),
        path: pathOf('type'),
        op: fc.constant('eq' as const),
        value: fc.constantFrom('work', 'home'),
      }),
      right: fc.record({
        kind: fc.constant('compare' as const),
        path: pathOf('value'),
        op: fc.constantFrom(...STRING_OPS),
        value: word,
      }),
    }),
  }),
);

const { tree } = fc.letrec<{ tree: FilterNode }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.record({ kind: fc.constant('and' as const), left: tie('tree'), right: tie('tree') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('tree'), right: tie('tree') }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('tree') }),
  ),
}));

/** The obvious, slow reading of RFC 7644 §3.4.2.2 for this fixed schema. */
function reference(p: Person, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return reference(p, node.left) && reference(p, node.right);
    case 'or':
      return reference(p, node.left) || reference(p, node.right);
    case 'not':
      return !reference(p, node.operand);
    case 'valuePath':
      return (p.emails ?? []).some((e) =>
        node.filter.kind === 'and' &&
        node.filter.left.kind === 'compare' &&
        node.filter.right.kind === 'compare'
          ? e.type !== undefined &&
            e.type.toLowerCase() === String(node.filter.left.value).toLowerCase() &&
            (node.filter.right.op === 'ne'
              ? e.value === undefined || !stringOp('eq', e.value, String(node.filter.right.value), false)
              : e.value !== undefined &&
                stringOp(node.filter.right.op, e.value, String(node.filter.right.value), false))
          : false,
      );
    case 'present':
    case 'compare': {
      const key = [node.path.attribute, node.path.subAttribute].filter(Boolean).join('.').toLowerCase();
      const values: unknown[] =
        key === 'emails.value'
          ? (p.emails ?? []).map((e) => e.value)
          : key === 'emails.type'
            ? (p.emails ?? []).map((e) => e.type)
            : key === 'username'
              ? [p.userName]
              : key === 'externalid'
                ? [p.externalId]
                : key === 'title'
                  ? [p.title]
                  : key === 'active'
                    ? [p.active]
                    : [p.loginCount];
      const present = values.filter((v) => v !== undefined && v !== null && v !== '');
      if (node.kind === 'present') return present.length > 0;
      const all = values.filter((v) => v !== undefined && v !== null);
      const test = (v: unknown): boolean => {
        const op = node.op === 'ne' ? 'eq' : node.op;
        if (typeof v === 'boolean') return v === node.value;
        if (typeof v === 'number') return numberOp(op, v, node.value as number);
        return stringOp(op, v as string, node.value as string, key === 'externalid');
      };
      return node.op === 'ne' ? !all.some(test) : all.some(test);
    }
  }
}

function stringOp(op: CompareOperator, v: string, l: string, caseExact: boolean): boolean {
  const a = caseExact ? v : v.toLowerCase();
  const b = caseExact ? l : l.toLowerCase();
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

function numberOp(op: CompareOperator, v: number, l: number): boolean {
  return op === 'eq' ? v === l : op === 'gt' ? v > l : op === 'ge' ? v >= l : op === 'lt' ? v < l : v <= l;
}

describe('dateTime comparisons follow the instants, whatever the written offset', () => {
  const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) });
  const offsetMinutes = fc.integer({ min: -14 * 60, max: 14 * 60 });
  /** RFC 3339 text of `ms` as seen from a zone `offset` minutes east of UTC. */
  const written = (ms: number, offset: number): string => {
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  };

  test('gt/ge/lt/le/eq/ne on meta.lastModified', () => {
    fc.assert(
      fc.property(
        instant,
        instant,
        offsetMinutes,
        fc.constantFrom(...NUMBER_OPS),
        (stored, given, offset, op) => {
          const resource = { meta: { lastModified: new Date(stored).toISOString() } };
          const filter = parseFilter(`meta.lastModified ${op} ${JSON.stringify(written(given, offset))}`);
          expect(matchesFilter(resource, filter, testLookup)).toBe(
            op === 'ne' ? stored !== given : numberOp(op, stored, given),
          );
        },
      ),
      { seed: 2026, numRuns: 1000 },
    );
  });

  test('equal instants written with different offsets are eq', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, (ms, offset) => {
        const resource = { meta: { created: new Date(ms).toISOString() } };
        expect(
          matchesFilter(resource, parseFilter(`meta.created eq "${written(ms, offset)}"`), testLookup),
        ).toBe(true);
      }),
      { seed: 2027, numRuns: 300 },
    );
  });
});

describe('matchesFilter agrees with a naive reference', () => {
  test('random resources × random eq/ne/co/sw/ew/gt/ge/lt/le/pr/not/and/or/value-path filters', () => {
    fc.assert(
      fc.property(person, tree, (p, filter) => {
        same(matchesFilter(p as Record<string, unknown>, filter, testLookup), reference(p, filter));
      }),
      { seed: 1234, numRuns: 5000 },
    );
  });

  test('the same through the text form (print → parse → evaluate)', () => {
    fc.assert(
      fc.property(person, tree, (p, filter) => {
        expect(
          matchesFilter(p as Record<string, unknown>, parseFilter(printFilter(filter)), testLookup),
        ).toBe(reference(p, filter));
      }),
      { seed: 5678, numRuns: 2000 },
    );
  });
});
