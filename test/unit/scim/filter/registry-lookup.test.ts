/**
 * The evaluator with the real schema registry's lookups: the caseExact and type settings that
 * decide Okta's and Entra's look-ups come from the schema, so this is where a schema change
 * that breaks a client would show.
 */

import { matchesFilter, validateFilter } from '../../../../lambdas/scim/filter/evaluate';
import { parseFilter, parsePatchPath } from '../../../../lambdas/scim/filter/parser';
import { createSchemaRegistry } from '../../../../lambdas/scim/schema/registry';
import { CORE_USER, ENTERPRISE } from './lookup';

const registry = createSchemaRegistry();
const userLookup = registry.lookup('User');
const groupLookup = registry.lookup('Group');

const user = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  externalId: '00u1abcD',
  userName: 'Test.User@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  displayName: 'Test User',
  active: true,
  emails: [{ primary: true, value: 'Test.User@okta.local', type: 'work' }],
  meta: {
    resourceType: 'User',
    created: '2026-11-23T08:00:00.000Z',
    lastModified: '2026-11-23T09:00:00.000Z',
  },
  [ENTERPRISE]: { employeeNumber: '701984', manager: { value: 'mgr-1', displayName: 'Boss' } },
};

const group = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: '0190a1b2-0000-7000-8000-00000000000a',
  displayName: 'Test SCIMv2',
  members: [{ value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user@okta.local' }],
};

const userMatches = (filter: string) => matchesFilter(user, parseFilter(filter), userLookup);
const groupMatches = (filter: string) => matchesFilter(group, parseFilter(filter), groupLookup);

describe('filters against the schema registry', () => {
  test('Okta: userName eq ignores case (the "Username Case Sensitivity Check")', () => {
    expect(userMatches(decodeURIComponent('userName%20eq%20%22test.user%40okta.local%22'))).toBe(true);
    expect(userMatches('userName+eq+"TEST.USER@OKTA.LOCAL"')).toBe(true);
  });

  test('Entra: externalId is caseExact', () => {
    expect(userMatches('externalId eq "00u1abcD"')).toBe(true);
    expect(userMatches('externalId eq "00u1abcd"')).toBe(false);
  });

  test('Entra: emails[type eq "work"].value eq ignores the case of the address', () => {
    expect(userMatches('emails[type eq "work"].value eq "test.user@okta.local"')).toBe(true);
    expect(userMatches('emails[type eq "home"].value eq "test.user@okta.local"')).toBe(false);
  });

  test('enterprise extension attributes, with and without the URN', () => {
    expect(userMatches(`${ENTERPRISE}:manager.value eq "mgr-1"`)).toBe(true);
    expect(userMatches(`${ENTERPRISE}:employeeNumber eq "701984"`)).toBe(true);
    expect(userMatches('employeeNumber eq "701984"')).toBe(true);
  });

  test('meta.lastModified compares as an instant', () => {
    expect(userMatches('meta.lastModified gt "2026-11-23T09:30:00+01:00"')).toBe(true);
    expect(userMatches('meta.lastModified gt "2026-11-23T09:00:00Z"')).toBe(false);
  });

  test('Okta Group Push: displayName eq ignores case; members.value eq is caseExact', () => {
    expect(groupMatches('displayName eq "test scimv2"')).toBe(true);
    expect(groupMatches('members.value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"')).toBe(true);
    expect(groupMatches('members.value eq "89BB1940-B905-4575-9E7F-6F887CFB368E"')).toBe(false);
    expect(groupMatches('members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]')).toBe(true);
  });

  test('type errors the schema reveals are 400 invalidFilter', () => {
    expect(() => validateFilter(parseFilter('active gt false'), userLookup)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter' }),
    );
    expect(() => validateFilter(parseFilter('emails lt "x"'), userLookup)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter' }),
    );
    expect(() => validateFilter(parseFilter('meta.created gt "soon"'), userLookup)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter' }),
    );
  });

  test('a PATCH path with the enterprise URN resolves through the registry', () => {
    const { path } = parsePatchPath(`${ENTERPRISE}:manager.value`);
    expect(userLookup(path)?.name).toBe('value');
    const bare = parsePatchPath(ENTERPRISE, { schemas: [CORE_USER, ENTERPRISE] });
    expect(bare.path).toEqual({ schema: ENTERPRISE, attribute: '' });
  });
});
