/**
 * Red-team finding 9 (issue #19): filters that must be 400 invalidFilter (RFC 7644 §3.4.2.2:
 * compValue is a JSON literal and must fit the attribute's type; a value path needs a list),
 * and one rule for empty operands: `sw ""`, `ew ""`, `co ""` match every present string value.
 */
import { isScimError } from '../../../../lambdas/scim/errors';
import { indexablePrefixes, matchesFilter, validateFilter } from '../../../../lambdas/scim/filter/evaluate';
import { parseFilter } from '../../../../lambdas/scim/filter/parser';
import { createSchemaRegistry } from '../../../../lambdas/scim/schema/registry';

const lookup = createSchemaRegistry().lookup('User');
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'jane@example.com',
  emails: [{ value: 'jane@example.com', type: 'work' }],
};

function scimTypeOf(filter: string): string | undefined {
  try {
    validateFilter(parseFilter(filter), lookup);
    return undefined;
  } catch (error) {
    if (isScimError(error)) return error.scimType;
    throw error;
  }
}

describe('invalidFilter', () => {
  it.each([
    ['a bare word as a value', 'userName eq x'],
    ['a bare word after and', 'userName eq "a" and displayName eq jane'],
    ['a string attribute against a boolean', 'userName gt true'],
    ['a string attribute against a number', 'userName eq 5'],
    ['a string sub-attribute against a boolean', 'emails[type eq true]'],
    ['a value path on a simple attribute', 'userName[value eq "x"]'],
  ])('%s: %s', (_why, filter) => {
    expect(scimTypeOf(filter)).toBe('invalidFilter');
  });

  it.each([
    'userName eq "x"',
    'active eq true',
    'emails[type eq "work"]',
    'schemas[value eq "urn:ietf:params:scim:schemas:core:2.0:User"]',
    'userName eq null',
  ])('still valid: %s', (filter) => {
    expect(scimTypeOf(filter)).toBeUndefined();
  });
});

describe('empty-string operands: every present string starts with, ends with and contains ""', () => {
  it.each(['sw', 'ew', 'co'])('userName %s "" matches a user with a userName, not one without', (op) => {
    expect(matchesFilter(user, parseFilter(`userName ${op} ""`), lookup)).toBe(true);
    expect(matchesFilter({ ...user, userName: undefined }, parseFilter(`displayName ${op} ""`), lookup)).toBe(
      false,
    );
  });

  it('sw "" is not handed to a begins_with index (that answered it with no users)', () => {
    expect(indexablePrefixes(parseFilter('userName sw ""'))).toEqual([]);
    expect(indexablePrefixes(parseFilter('userName sw "j"'))).toHaveLength(1);
  });
});
