import { ScimError } from '../../../../lambdas/scim/errors';
import {
  compileFilter,
  indexableEquality,
  matchesFilter,
  validateFilter,
} from '../../../../lambdas/scim/filter/evaluate';
import { parseFilter } from '../../../../lambdas/scim/filter/parser';
import { CORE_USER, ENTERPRISE, testLookup } from './lookup';

const jane = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '0190a1b2-AbCd-7000-8000-000000000001',
  externalId: 'Okta-00u1',
  userName: 'Jane.Doe@Example.com',
  displayName: 'Jane Doe',
  active: true,
  loginCount: 7,
  score: 2.5,
  name: { familyName: "O'Hara", givenName: 'Jane' },
  emails: [
    { type: 'work', value: 'jane@corp.example.com', primary: true },
    { type: 'home', value: 'jane@home.example.org' },
  ],
  meta: { created: '2024-05-01T10:00:00Z', lastModified: '2024-05-02T10:00:00.000Z', version: 'W/"3"' },
  [ENTERPRISE]: { employeeNumber: 'E-42', manager: { value: 'Boss-1', displayName: 'The Boss' } },
};

const group = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'g1',
  displayName: 'Test SCIMv2',
  members: [{ value: 'U-1', display: 'a' }, { value: 'u-2' }],
};

const matches = (filter: string, resource: Record<string, unknown> = jane) =>
  matchesFilter(resource, parseFilter(filter), testLookup);

function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('matchesFilter: what Okta and Entra look up', () => {
  test('Okta: userName eq matches whatever the case (userName is caseExact=false)', () => {
    expect(matches('userName eq "jane.doe@example.com"')).toBe(true);
    expect(matches('userName eq "JANE.DOE@EXAMPLE.COM"')).toBe(true);
    expect(matches('userName eq "jane.doe@example.co"')).toBe(false);
  });

  test('Entra: externalId eq is caseExact', () => {
    expect(matches('externalId eq "Okta-00u1"')).toBe(true);
    expect(matches('externalId eq "okta-00u1"')).toBe(false);
  });

  test('id is caseExact', () => {
    expect(matches('id eq "0190a1b2-AbCd-7000-8000-000000000001"')).toBe(true);
    expect(matches('id eq "0190a1b2-abcd-7000-8000-000000000001"')).toBe(false);
  });

  test('Entra: emails[type eq "work"].value eq needs one element to satisfy both', () => {
    expect(matches('emails[type eq "work"].value eq "JANE@corp.example.com"')).toBe(true);
    // The home address exists, but not on the work element.
    expect(matches('emails[type eq "work"].value eq "jane@home.example.org"')).toBe(false);
    expect(matches('emails[type eq "home"].value eq "jane@home.example.org"')).toBe(true);
  });

  test('Okta Group Push: displayName eq', () => {
    expect(matches('displayName eq "test scimv2"', group)).toBe(true);
    expect(matches('displayName eq "Test SCIMv3"', group)).toBe(false);
  });

  test('members.value eq looks across all members; members.value is caseExact', () => {
    expect(matches('members.value eq "u-2"', group)).toBe(true);
    expect(matches('members.value eq "U-1"', group)).toBe(true);
    expect(matches('members.value eq "u-1"', group)).toBe(false);
    expect(matches('members[value eq "U-1"]', group)).toBe(true);
  });

  test('and: both terms must hold', () => {
    expect(matches('userName eq "jane.doe@example.com" and externalId eq "Okta-00u1"')).toBe(true);
    expect(matches('userName eq "jane.doe@example.com" and externalId eq "other"')).toBe(false);
  });
});

describe('matchesFilter: RFC 7644 §3.4.2.2 semantics', () => {
  test('attribute names in the filter match in any case', () => {
    expect(matches('USERNAME eq "jane.doe@example.com"')).toBe(true);
    expect(matches('Name.FamilyName eq "o\'hara"')).toBe(true);
    expect(matches('EMAILS[TYPE eq "WORK"]')).toBe(true);
  });

  test('co, sw, ew on strings, case-insensitive unless caseExact', () => {
    expect(matches('userName co "DOE@"')).toBe(true);
    expect(matches('userName sw "jane."')).toBe(true);
    expect(matches('userName ew ".COM"')).toBe(true);
    expect(matches('userName sw "doe"')).toBe(false);
    expect(matches('externalId sw "okta"')).toBe(false);
    expect(matches('externalId sw "Okta"')).toBe(true);
  });

  test('gt/ge/lt/le on strings compare lexicographically (case-folded unless caseExact)', () => {
    expect(matches('userName gt "J"')).toBe(true);
    expect(matches('userName gt "jb"')).toBe(false);
    expect(matches('userName ge "jane.doe@example.com"')).toBe(true);
    expect(matches('userName lt "k"')).toBe(true);
    expect(matches('userName le "a"')).toBe(false);
  });

  test('numbers compare as numbers', () => {
    expect(matches('loginCount gt 6')).toBe(true);
    expect(matches('loginCount gt 7')).toBe(false);
    expect(matches('loginCount ge 7')).toBe(true);
    expect(matches('loginCount lt 10')).toBe(true);
    expect(matches('loginCount le 6.9')).toBe(false);
    expect(matches('score eq 2.5')).toBe(true);
    expect(matches('loginCount eq "7"')).toBe(true);
  });

  test('dateTime compares as instants, whatever the written offset or precision', () => {
    expect(matches('meta.created eq "2024-05-01T12:00:00+02:00"')).toBe(true);
    expect(matches('meta.lastModified eq "2024-05-02T10:00:00Z"')).toBe(true);
    expect(matches('meta.lastModified gt "2024-05-02T09:59:59.999Z"')).toBe(true);
    expect(matches('meta.lastModified lt "2024-05-02T10:00:00Z"')).toBe(false);
    expect(matches('meta.created ge "2024-05-01T10:00:00Z" and meta.created le "2024-05-01T10:00:00Z"')).toBe(
      true,
    );
  });

  test('dateTime compares below the millisecond: a 7-digit (.NET) watermark is not cut to 3 digits', () => {
    // lastModified is 2024-05-02T10:00:00.000Z
    expect(matches('meta.lastModified lt "2024-05-02T10:00:00.0000001Z"')).toBe(true);
    expect(matches('meta.lastModified ge "2024-05-02T10:00:00.0005Z"')).toBe(false);
    expect(matches('meta.lastModified eq "2024-05-02T10:00:00.000000000Z"')).toBe(true);
    expect(matches('meta.lastModified gt "2024-05-02T09:59:59.9999999Z"')).toBe(true);
    expect(matches('meta.lastModified eq "2024-05-02T12:00:00.0000000+02:00"')).toBe(true);
  });

  test('a date without a time is midnight UTC, a time without an offset is UTC', () => {
    expect(matches('meta.created gt "2024-05-01"')).toBe(true);
    expect(matches('meta.created lt "2024-05-02"')).toBe(true);
    expect(matches('meta.created eq "2024-05-01T10:00:00"')).toBe(true);
    expect(matches('meta.created eq "2024-05-01t10:00:00.000z"')).toBe(true);
  });

  test('dateTime sw compares the stored text', () => {
    expect(matches('meta.created sw "2024-05"')).toBe(true);
  });

  test('booleans: true/false and the strings "True"/"False" (Entra) compare as booleans', () => {
    expect(matches('active eq true')).toBe(true);
    expect(matches('active eq "True"')).toBe(true);
    expect(matches('active eq false')).toBe(false);
    expect(matches('active ne false')).toBe(true);
    expect(matches('active eq "false"', { ...jane, active: 'False' })).toBe(true);
  });

  test('multi-valued: any value matches', () => {
    expect(matches('emails.value ew ".org"')).toBe(true);
    expect(matches('emails.type eq "home"')).toBe(true);
    expect(matches('emails.type eq "other"')).toBe(false);
    expect(matches('schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"')).toBe(false);
    expect(matches(`schemas eq "${ENTERPRISE}"`)).toBe(true);
  });

  test('a complex multi-valued attribute without a sub-attribute compares its value', () => {
    expect(matches('emails eq "jane@corp.example.com"')).toBe(true);
    expect(matches('emails co "@home."')).toBe(true);
    expect(matches('emails co "work"')).toBe(false);
  });

  test('pr is false for absent, null, "", [] and {}', () => {
    expect(matches('title pr')).toBe(false);
    expect(matches('title pr', { ...jane, title: null })).toBe(false);
    expect(matches('title pr', { ...jane, title: '' })).toBe(false);
    expect(matches('emails pr', { ...jane, emails: [] })).toBe(false);
    expect(matches('name pr', { ...jane, name: {} })).toBe(false);
    expect(matches('name pr', { ...jane, name: { givenName: null } })).toBe(false);
    expect(matches('title pr', { ...jane, title: 'Boss' })).toBe(true);
    expect(matches('emails pr')).toBe(true);
    expect(matches('active pr', { ...jane, active: false })).toBe(true);
    expect(matches('loginCount pr', { ...jane, loginCount: 0 })).toBe(true);
    expect(matches('name.familyName pr')).toBe(true);
    expect(matches('name.middleName pr')).toBe(false);
  });

  test('ne is true when the attribute is absent; for multi-valued, when no value equals', () => {
    expect(matches('title ne "x"')).toBe(true);
    expect(matches('userName ne "JANE.DOE@example.com"')).toBe(false);
    expect(matches('emails.type ne "home"')).toBe(false);
    expect(matches('emails.type ne "other"')).toBe(true);
  });

  test('eq null asks for no value, ne null for a value', () => {
    expect(matches('title eq null')).toBe(true);
    expect(matches('userName eq null')).toBe(false);
    expect(matches('userName ne null')).toBe(true);
    expect(matches('title ne null')).toBe(false);
  });

  test('not negates', () => {
    expect(matches('not (userName eq "jane.doe@example.com")')).toBe(false);
    expect(matches('not (title pr)')).toBe(true);
    expect(matches('not (emails[type eq "other"])')).toBe(true);
  });

  test('or: either term', () => {
    expect(matches('title pr or userName sw "J"')).toBe(true);
    expect(matches('title pr or userName sw "x"')).toBe(false);
  });

  test('value path filters with or/not inside', () => {
    expect(matches('emails[type eq "other" or primary eq true]')).toBe(true);
    expect(matches('emails[not (type eq "work") and value ew ".org"]')).toBe(true);
    expect(matches('emails[not (type eq "work") and value ew ".com"]')).toBe(false);
  });

  test('a value path on a single complex attribute treats it as one element', () => {
    expect(matches('name[givenName eq "JANE"]')).toBe(true);
  });

  test('a value path on a list of plain values sees each item as `value`', () => {
    expect(matches(`schemas[value eq "${ENTERPRISE}"]`)).toBe(true);
  });

  test('extension attributes: with the URN prefix, and without it', () => {
    expect(matches(`${ENTERPRISE}:manager.value eq "Boss-1"`)).toBe(true);
    expect(matches(`${ENTERPRISE}:manager.value eq "boss-1"`)).toBe(false);
    expect(matches(`${ENTERPRISE}:employeeNumber eq "e-42"`)).toBe(true);
    expect(matches(`${ENTERPRISE.toUpperCase()}:employeeNumber eq "E-42"`)).toBe(true);
    expect(matches('employeeNumber eq "E-42"')).toBe(true);
    expect(matches(`${ENTERPRISE}:userName pr`)).toBe(false);
  });

  test('the core schema URN prefix reads top-level attributes', () => {
    expect(matches(`${CORE_USER}:userName eq "jane.doe@example.com"`)).toBe(true);
    expect(matches(`${CORE_USER}:name.givenName sw "ja"`)).toBe(true);
  });

  test('unknown attributes compare as case-insensitive strings', () => {
    const custom = { ...jane, costCenter: 'CC-9', level: 3, remote: true };
    expect(matches('costCenter eq "cc-9"', custom)).toBe(true);
    expect(matches('costCenter co "c-"', custom)).toBe(true);
    expect(matches('level eq 3', custom)).toBe(true);
    expect(matches('level gt 2', custom)).toBe(true);
    expect(matches('remote eq true', custom)).toBe(true);
    expect(matches('nothing eq "x"', custom)).toBe(false);
  });

  test('stored values of an unexpected shape never throw', () => {
    const odd = { ...jane, userName: 42, emails: 'not-a-list', name: ['x'], loginCount: 'many' };
    expect(matches('userName eq "42"', odd)).toBe(true);
    expect(matches('emails[type eq "work"]', odd)).toBe(false);
    expect(matches('emails.value eq "x"', odd)).toBe(false);
    expect(matches('name.givenName pr', odd)).toBe(false);
    expect(matches('loginCount gt 1', odd)).toBe(false);
    expect(matches('meta.created gt "2020-01-01T00:00:00Z"', { ...jane, meta: { created: 'garbage' } })).toBe(
      false,
    );
  });
});

describe('type errors are 400 invalidFilter before any resource is read', () => {
  test.each([
    ['active gt true', 'active: is a boolean; "gt" is not defined for booleans'],
    ['active co "t"', 'active: is a boolean; "co" is not defined for booleans'],
    ['active eq 1', 'active: is a boolean; compare it with true or false'],
    ['emails gt "a"', 'emails: is complex; "gt" is not defined for complex attributes'],
    ['name.familyName pr and name le "x"', 'name: is complex; "le" is not defined for complex attributes'],
    ['loginCount sw "1"', 'loginCount: is a number; "sw" applies to strings only'],
    ['loginCount eq "many"', 'loginCount: is a number; compare it with a number'],
    [
      'meta.created gt "yesterday"',
      'meta.created: is a dateTime; compare it with an RFC 3339 timestamp string',
    ],
    ['meta.created gt "1"', 'meta.created: is a dateTime; compare it with an RFC 3339 timestamp string'],
    ['meta.created gt 20240501', 'meta.created: is a dateTime; compare it with an RFC 3339 timestamp string'],
    ['title gt null', 'title: null can only be compared with "eq" or "ne"'],
    ['emails[primary lt true]', 'primary: is a boolean; "lt" is not defined for booleans'],
    [
      'x509Certificates.value gt "TUlJ"',
      'x509Certificates.value: is binary; "gt" is not defined for binary values',
    ],
    ['x509Certificates[value le "TUlJ"]', 'value: is binary; "le" is not defined for binary values'],
    [
      'x509Certificates.value eq 1',
      'x509Certificates.value: is binary; compare it with a quoted base64 string, not 1',
    ],
  ])('%s', (filter, detail) => {
    const error = errorOf(() => validateFilter(parseFilter(filter), testLookup));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter', message: detail });
    // Same through matchesFilter, even though short-circuiting would never reach the bad term.
    expect(
      errorOf(() => matchesFilter({}, parseFilter(`id eq "x" and (${filter})`), testLookup)).detail,
    ).toBe(detail);
  });

  test('binary values compare exactly (base64 is case-sensitive) with eq, ne, co, sw, ew and pr', () => {
    const holder = { x509Certificates: [{ value: 'TUlJQ2lU' }] };
    const matches = (filter: string) => matchesFilter(holder, parseFilter(filter), testLookup);
    expect(matches('x509Certificates.value eq "TUlJQ2lU"')).toBe(true);
    expect(matches('x509Certificates.value eq "tuljq2lu"')).toBe(false);
    expect(matches('x509Certificates.value sw "TUlJ"')).toBe(true);
    expect(matches('x509Certificates.value pr')).toBe(true);
  });

  test('a compiled filter is reused for the same lookup', () => {
    const filter = parseFilter('userName eq "x"');
    expect(compileFilter(filter, testLookup)).toBe(compileFilter(filter, testLookup));
  });
});

describe('indexableEquality', () => {
  test('returns the eq terms joined by and at the top, in order', () => {
    expect(indexableEquality(parseFilter('userName eq "a" and active eq true and title pr'))).toEqual([
      { path: { attribute: 'userName' }, value: 'a' },
      { path: { attribute: 'active' }, value: true },
    ]);
  });

  test('a single eq term', () => {
    expect(indexableEquality(parseFilter('externalId eq "x"'))).toEqual([
      { path: { attribute: 'externalId' }, value: 'x' },
    ]);
  });

  test('nothing under or, not or a value path', () => {
    expect(indexableEquality(parseFilter('userName eq "a" or externalId eq "b"'))).toEqual([]);
    expect(indexableEquality(parseFilter('not (userName eq "a")'))).toEqual([]);
    expect(indexableEquality(parseFilter('emails[type eq "work"].value eq "x"'))).toEqual([]);
    expect(
      indexableEquality(parseFilter('(userName eq "a" or userName eq "b") and displayName eq "c"')),
    ).toEqual([{ path: { attribute: 'displayName' }, value: 'c' }]);
  });

  test('handles a 1000-term and chain without deep recursion', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `id eq "${i}"`).join(' and ');
    expect(indexableEquality(parseFilter(text))).toHaveLength(1000);
  });
});
