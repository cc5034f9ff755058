import { ScimError } from '../../../../lambdas/scim/errors';
import type { FilterNode } from '../../../../lambdas/scim/filter/ast';
import {
  MAX_FILTER_DEPTH,
  MAX_FILTER_TERMS,
  parseFilter,
  parsePatchPath,
  printFilter,
} from '../../../../lambdas/scim/filter/parser';
import { CORE_USER, ENTERPRISE } from './lookup';

const eq = (
  attribute: string,
  value: string | number | boolean | null,
  subAttribute?: string,
): FilterNode => ({
  kind: 'compare',
  path: subAttribute === undefined ? { attribute } : { attribute, subAttribute },
  op: 'eq',
  value,
});

function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

/** What an API Gateway query string parameter looks like after URL decoding (not `+`). */
const fromQuery = (encoded: string): string => decodeURIComponent(encoded);

describe('parseFilter: requests Okta and Entra send', () => {
  test('Okta: userName eq with %20-encoded spaces', () => {
    expect(parseFilter(fromQuery('userName%20eq%20%22test.user%40okta.local%22'))).toEqual(
      eq('userName', 'test.user@okta.local'),
    );
  });

  test('Okta (older): userName+eq+… where API Gateway leaves + undecoded', () => {
    expect(parseFilter(fromQuery('userName+eq+%22jane.doe%40example.com%22'))).toEqual(
      eq('userName', 'jane.doe@example.com'),
    );
  });

  test('a + inside a string literal is kept', () => {
    expect(parseFilter('userName+eq+"jane+tag@example.com"')).toEqual(eq('userName', 'jane+tag@example.com'));
  });

  test('Okta Group Push: displayName eq "Test SCIMv2"', () => {
    expect(parseFilter(fromQuery('displayName%20eq%20%22Test%20SCIMv2%22'))).toEqual(
      eq('displayName', 'Test SCIMv2'),
    );
  });

  test('Entra: externalId eq "…"', () => {
    expect(parseFilter('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')).toEqual(
      eq('externalId', '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159'),
    );
  });

  test('an unquoted word is not a value (RFC 7644 §3.4.2.2; issue #19): invalidFilter', () => {
    expect(errorOf(() => parseFilter('externalId eq jyoung')).scimType).toBe('invalidFilter');
    expect(errorOf(() => parseFilter('externalId eq 8aa1a0c0-c4c3')).scimType).toBe('invalidFilter');
  });

  test('Entra: emails[type eq "work"].value eq "x" becomes one value path with both conditions', () => {
    expect(parseFilter('emails[type eq "work"].value eq "x@example.com"')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: { kind: 'and', left: eq('type', 'work'), right: eq('value', 'x@example.com') },
    });
  });

  test('Entra: userName eq … and … (two matching attributes)', () => {
    expect(parseFilter('userName eq "a" and externalId eq "b"')).toEqual({
      kind: 'and',
      left: eq('userName', 'a'),
      right: eq('externalId', 'b'),
    });
  });

  test('members.value eq (groups of a user)', () => {
    expect(parseFilter('members.value eq "2819c223-7f76-453a-919d-413861904646"')).toEqual(
      eq('members', '2819c223-7f76-453a-919d-413861904646', 'value'),
    );
  });
});

describe('parseFilter: RFC 7644 §3.4.2.2 grammar', () => {
  test.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])('operator %s, in any case', (op) => {
    const expected = { kind: 'compare', path: { attribute: 'title' }, op, value: 'x' };
    expect(parseFilter(`title ${op} "x"`)).toEqual(expected);
    expect(parseFilter(`title ${op.toUpperCase()} "x"`)).toEqual(expected);
  });

  test('pr, in any case', () => {
    expect(parseFilter('title PR')).toEqual({ kind: 'present', path: { attribute: 'title' } });
  });

  test('and binds tighter than or', () => {
    expect(parseFilter('a pr or b pr AND c pr')).toEqual({
      kind: 'or',
      left: { kind: 'present', path: { attribute: 'a' } },
      right: {
        kind: 'and',
        left: { kind: 'present', path: { attribute: 'b' } },
        right: { kind: 'present', path: { attribute: 'c' } },
      },
    });
  });

  test('parentheses override precedence', () => {
    expect(parseFilter('(a pr Or b pr) and c pr')).toEqual({
      kind: 'and',
      left: {
        kind: 'or',
        left: { kind: 'present', path: { attribute: 'a' } },
        right: { kind: 'present', path: { attribute: 'b' } },
      },
      right: { kind: 'present', path: { attribute: 'c' } },
    });
  });

  test('chains of and are left-associative', () => {
    expect(parseFilter('a pr and b pr and c pr')).toEqual({
      kind: 'and',
      left: {
        kind: 'and',
        left: { kind: 'present', path: { attribute: 'a' } },
        right: { kind: 'present', path: { attribute: 'b' } },
      },
      right: { kind: 'present', path: { attribute: 'c' } },
    });
  });

  test('not (…) with and without a space, any case', () => {
    const expected = { kind: 'not', operand: eq('active', true) };
    expect(parseFilter('not (active eq true)')).toEqual(expected);
    expect(parseFilter('NOT(active eq true)')).toEqual(expected);
  });

  test('RFC example: userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', () => {
    expect(
      parseFilter('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")'),
    ).toEqual({
      kind: 'and',
      left: eq('userType', 'Employee'),
      right: {
        kind: 'or',
        left: { kind: 'compare', path: { attribute: 'emails' }, op: 'co', value: 'example.com' },
        right: {
          kind: 'compare',
          path: { attribute: 'emails', subAttribute: 'value' },
          op: 'co',
          value: 'example.org',
        },
      },
    });
  });

  test('RFC example: value path with and inside the brackets', () => {
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'and',
        left: eq('type', 'work'),
        right: { kind: 'compare', path: { attribute: 'value' }, op: 'co', value: '@example.com' },
      },
    });
  });

  test('value paths combine with or and not', () => {
    const node = parseFilter(
      'emails[type eq "work" and value co "@example.com"] or not (ims[type eq "xmpp" and value co "@foo.com"])',
    );
    expect(node.kind).toBe('or');
    if (node.kind !== 'or') return;
    expect(node.right).toMatchObject({
      kind: 'not',
      operand: { kind: 'valuePath', path: { attribute: 'ims' } },
    });
  });

  test('sub-attributes keep the written case', () => {
    expect(parseFilter('name.familyName co "O\'Malley"')).toEqual({
      kind: 'compare',
      path: { attribute: 'name', subAttribute: 'familyName' },
      op: 'co',
      value: "O'Malley",
    });
  });

  test('URN-prefixed paths: the attribute is after the last colon, the URN keeps its dots', () => {
    expect(parseFilter(`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`)).toEqual({
      kind: 'compare',
      path: { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
      op: 'eq',
      value: '26118915-6090-4610-87e4-49d8ca9f808d',
    });
    expect(parseFilter(`${CORE_USER}:userName sw "J"`)).toEqual({
      kind: 'compare',
      path: { schema: CORE_USER, attribute: 'userName' },
      op: 'sw',
      value: 'J',
    });
    expect(parseFilter(`${ENTERPRISE}:employeeNumber pr`)).toEqual({
      kind: 'present',
      path: { schema: ENTERPRISE, attribute: 'employeeNumber' },
    });
  });

  test('URN-prefixed value path', () => {
    expect(parseFilter(`${CORE_USER}:emails[type eq "work"]`)).toEqual({
      kind: 'valuePath',
      path: { schema: CORE_USER, attribute: 'emails' },
      filter: eq('type', 'work'),
    });
  });

  test('members.$ref is an attribute name', () => {
    expect(parseFilter('members.$ref pr')).toEqual({
      kind: 'present',
      path: { attribute: 'members', subAttribute: '$ref' },
    });
  });

  test('JSON string escapes', () => {
    expect(parseFilter(String.raw`title eq "a\"b\\c\u00e9\n\t\/"`)).toEqual(eq('title', 'a"b\\cé\n\t/'));
  });

  test.each([
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['2.5e+2', 250],
  ])('number literal %s', (text, value) => {
    expect(parseFilter(`loginCount gt ${text}`)).toEqual({
      kind: 'compare',
      path: { attribute: 'loginCount' },
      op: 'gt',
      value,
    });
  });

  test('an exponent + survives + -as-space decoding', () => {
    expect(parseFilter('loginCount+gt+1e+2')).toEqual({
      kind: 'compare',
      path: { attribute: 'loginCount' },
      op: 'gt',
      value: 100,
    });
  });

  test.each([
    ['true', true],
    ['True', true],
    ['FALSE', false],
    ['null', null],
    ['NULL', null],
  ])('keyword literal %s', (text, value) => {
    expect(parseFilter(`active eq ${text}`)).toEqual(eq('active', value));
  });

  test('extra whitespace (tabs, newlines, repeated spaces) is ignored', () => {
    expect(parseFilter('  userName \t eq\n"x"  ')).toEqual(eq('userName', 'x'));
  });

  test('an attribute may be named like a keyword when the grammar says it is an attribute', () => {
    expect(parseFilter('not eq "x"')).toEqual(eq('not', 'x'));
    expect(parseFilter('NOT pr')).toEqual({ kind: 'present', path: { attribute: 'NOT' } });
    expect(parseFilter('not[type eq "x"]')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'not' },
      filter: eq('type', 'x'),
    });
  });
});

describe('parseFilter: errors say where and what', () => {
  test.each([
    ['userName equ "x"', 'Expected a comparison operator or "pr" at position 9 near "equ \\"x\\""'],
    ['userName eq', 'Expected a value (string, number, true, false or null) at the end of the text'],
    ['userName', 'Expected a comparison operator or "pr" at the end of the text'],
    ['userName eq "x', 'Unterminated string literal at position 12 near "\\"x"'],
    [
      'userName eq "x" annd title pr',
      'Expected "and", "or" or the end of the filter at position 16 near "annd title pr"',
    ],
    ['(userName eq "x"', 'Expected ")" (to close the "(" at position 0) at the end of the text'],
    ['userName eq "x")', 'Unbalanced ")" at position 15 near ")"'],
    ['emails[type eq "work"', 'Expected "]" (to close the "[" at position 6) at the end of the text'],
    [
      'emails[type[value eq "x"] eq "y"]',
      'Value filters cannot be nested at position 11 near "[value eq \\"x\\"] eq \\"y"',
    ],
    [
      'emails[name.x eq "y"]',
      'Expected a sub-attribute name inside "[…]" at position 7 near "name.x eq \\"y\\"]"',
    ],
    [
      'name.given.x eq "y"',
      'Expected a sub-attribute name after "." at position 5 near "given.x eq \\"y\\""',
    ],
    ['1abc eq "y"', 'Expected an attribute name at position 0 near "1abc eq \\"y\\""'],
    [
      'foo:bar eq "y"',
      'Expected an attribute name (a schema prefix must start with "urn:") at position 0 near "foo:bar eq \\"y\\""',
    ],
    [
      `${ENTERPRISE}: eq "y"`,
      `Expected an attribute name after the schema URN at position 59 near " eq \\"y\\""`,
    ],
    [
      'title eq "\\q"',
      'Invalid string literal (bad escape or control character) at position 9 near "\\"\\\\q\\""',
    ],
    ['loginCount gt 01', 'Invalid number at position 14 near "01"'],
    ['loginCount gt 1e999', 'Number is out of range at position 14 near "1e999"'],
    ['title eq and', 'Expected a value (string, number, true, false or null) at position 9 near "and"'],
    ['and', 'Expected a comparison operator or "pr" at the end of the text'],
    ['not title pr', 'Expected "(" after "not" (RFC 7644 writes not (filter)) at position 4 near "title pr"'],
    [
      'title pr and not "x"',
      'Expected "(" after "not" (RFC 7644 writes not (filter)) at position 17 near "\\"x\\""',
    ],
    [') or x pr', 'Expected an attribute expression, "not" or "(" at position 0 near ") or x pr"'],
    ['title pr or', 'Expected an attribute expression, "not" or "(" at the end of the text'],
    [
      'name.familyName[value eq "x"]',
      'A value filter applies to an attribute, not to a sub-attribute at position 15 near "[value eq \\"x\\"]"',
    ],
  ])('%s', (filter, detail) => {
    const error = errorOf(() => parseFilter(filter));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toBe(detail);
  });

  test('an empty or blank filter', () => {
    for (const text of ['', '   ', '+++']) {
      expect(errorOf(() => parseFilter(text))).toMatchObject({
        status: 400,
        scimType: 'invalidFilter',
        message: 'Filter is empty',
      });
    }
  });

  test(`nesting deeper than ${MAX_FILTER_DEPTH} levels is refused, ${MAX_FILTER_DEPTH} is fine`, () => {
    const nested = (n: number) => `${'('.repeat(n)}title pr${')'.repeat(n)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ kind: 'present', path: { attribute: 'title' } });
    const error = errorOf(() => parseFilter(nested(MAX_FILTER_DEPTH + 1)));
    expect(error.detail).toBe(
      `Filter nests deeper than ${MAX_FILTER_DEPTH} levels at position ${MAX_FILTER_DEPTH} near "(title pr)))))))))))"`,
    );
  });

  test('not (…) counts as nesting too', () => {
    const nested = `${'not ('.repeat(MAX_FILTER_DEPTH + 1)}title pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(errorOf(() => parseFilter(nested)).scimType).toBe('invalidFilter');
  });

  test(`more than ${MAX_FILTER_TERMS} attribute expressions are refused`, () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `id eq "${i}"`).join(' or ');
    expect(() => parseFilter(terms(MAX_FILTER_TERMS))).not.toThrow();
    expect(errorOf(() => parseFilter(terms(MAX_FILTER_TERMS + 1))).detail).toMatch(
      /^Filter has more than 1000 attribute expressions at position \d+/,
    );
  });

  test('100 KB inputs fail fast with a ScimError, never a stack overflow', () => {
    const inputs = [
      '('.repeat(100_000),
      `${'not ('.repeat(20_000)}`,
      `emails[${'['.repeat(100_000)}`,
      `title eq "${'a'.repeat(100_000)}`,
      'a'.repeat(100_000),
      'title pr and '.repeat(8_000),
      `"${'\\'.repeat(100_000)}`,
    ];
    for (const input of inputs) {
      const started = Date.now();
      const error = errorOf(() => parseFilter(input));
      expect(error.scimType).toBe('invalidFilter');
      expect(Date.now() - started).toBeLessThan(500);
    }
  });

  test('a 100 KB string literal is fine', () => {
    const value = 'x'.repeat(100_000);
    expect(parseFilter(`title eq "${value}"`)).toEqual(eq('title', value));
  });
});

describe('parsePatchPath (RFC 7644 §3.5.2)', () => {
  test.each([
    ['userName', { path: { attribute: 'userName' } }],
    ['name.familyName', { path: { attribute: 'name', subAttribute: 'familyName' } }],
    ['active', { path: { attribute: 'active' } }],
    [
      'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]',
      {
        path: { attribute: 'members' },
        valueFilter: eq('value', '89bb1940-b905-4575-9e7f-6f887cfb368e'),
      },
    ],
    [
      'emails[type eq "work"].value',
      { path: { attribute: 'emails' }, valueFilter: eq('type', 'work'), subAttribute: 'value' },
    ],
    [
      'addresses[type eq "work"].formatted',
      { path: { attribute: 'addresses' }, valueFilter: eq('type', 'work'), subAttribute: 'formatted' },
    ],
    [`${ENTERPRISE}:department`, { path: { schema: ENTERPRISE, attribute: 'department' } }],
    [`${ENTERPRISE}:manager`, { path: { schema: ENTERPRISE, attribute: 'manager' } }],
    [
      `${ENTERPRISE}:manager.value`,
      { path: { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' } },
    ],
    [
      'EMAILS[TYPE EQ "work"].VALUE',
      {
        path: { attribute: 'EMAILS' },
        valueFilter: { kind: 'compare', path: { attribute: 'TYPE' }, op: 'eq', value: 'work' },
        subAttribute: 'VALUE',
      },
    ],
  ])('%s', (text, expected) => {
    expect(parsePatchPath(text)).toEqual(expected);
  });

  test('a bare extension URN is the whole extension when the caller names its schemas', () => {
    expect(parsePatchPath(ENTERPRISE, { schemas: [CORE_USER, ENTERPRISE] })).toEqual({
      path: { schema: ENTERPRISE, attribute: '' },
    });
    expect(parsePatchPath(`${ENTERPRISE.toLowerCase()}:manager.value`, { schemas: [ENTERPRISE] })).toEqual({
      path: { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
    });
  });

  test.each([
    ['', 'Path is empty'],
    ['emails[type eq "work"', 'Expected "]" (to close the "[" at position 6) at the end of the text'],
    [
      'emails[type eq "work"] .value',
      'Expected ".subAttribute" or the end of the path at position 23 near ".value"',
    ],
    ['emails[type eq "work"].', 'Expected a sub-attribute name after "]." at the end of the text'],
    [
      'emails[type eq "work"].value.x',
      'Expected a sub-attribute name after "]." at position 23 near "value.x"',
    ],
    ['emails[type eq "work"].value x', 'Expected the end of the path at position 29 near "x"'],
    [
      'name.familyName[value eq "x"]',
      'A value filter applies to an attribute, not to a sub-attribute at position 15 near "[value eq \\"x\\"]"',
    ],
    [
      'emails[type equ "work"]',
      'Expected a comparison operator or "pr" at position 12 near "equ \\"work\\"]"',
    ],
    ['userName eq "x"', 'Expected "[" or the end of the path at position 9 near "eq \\"x\\""'],
    ['[type eq "x"]', 'Expected an attribute name at position 0 near "[type eq \\"x\\"]"'],
  ])('invalidPath: %s', (text, detail) => {
    const error = errorOf(() => parsePatchPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toBe(detail);
  });
});

describe('printFilter', () => {
  test.each([
    ['userName+eq+"x"', 'userName eq "x"'],
    ['NOT(a PR) Or b Eq TRUE', 'not (a pr) or b eq true'],
    ['a pr and (b pr or c pr)', 'a pr and (b pr or c pr)'],
    ['(a pr or b pr) and c pr', '(a pr or b pr) and c pr'],
    ['a pr or (b pr or c pr)', 'a pr or (b pr or c pr)'],
    ['a pr and (b pr and c pr)', 'a pr and (b pr and c pr)'],
    ['(a pr and b pr) and c pr', 'a pr and b pr and c pr'],
    ['emails[type eq "work"].value eq "x"', 'emails[type eq "work" and value eq "x"]'],
    [`${ENTERPRISE}:manager.value eq "m"`, `${ENTERPRISE}:manager.value eq "m"`],
    ['title eq "a\\"b"', 'title eq "a\\"b"'],
    ['n eq 1e2', 'n eq 100'],
  ])('%s → %s', (input, printed) => {
    expect(printFilter(parseFilter(input))).toBe(printed);
    expect(parseFilter(printed)).toEqual(parseFilter(input));
  });
});
