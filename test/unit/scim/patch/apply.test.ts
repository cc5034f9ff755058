/**
 * applyPatch behaviour beyond the client replays: RFC 7644 §3.5.2 semantics for each target
 * kind, case-insensitive names, primary uniqueness, mutability, and every error case.
 */
import type { AttributeLookup } from '../../../../lambdas/scim/filter/ast';
import { applyPatch, parsePatchRequest } from '../../../../lambdas/scim/patch';
import { parseResourceInput } from '../../../../lambdas/scim/schema/resource-input';
import type { AttributeDefinition } from '../../../../lambdas/scim/schema/types';
import {
  deepFreeze,
  ENTERPRISE,
  expectScimError,
  ops,
  patchGroup,
  patchUser,
  registry,
  storedGroup,
  storedUser,
  USER,
} from './support';

const withEmails = (emails: unknown[]) => ({ ...storedUser(), emails });

describe('single-valued and complex attributes', () => {
  it('add/replace/remove a simple attribute', () => {
    const added = patchUser(storedUser(), ops({ op: 'add', path: 'title', value: 'CTO' })).resource;
    expect(added.title).toBe('CTO');
    const replaced = patchUser(added, ops({ op: 'replace', path: 'title', value: 'CEO' })).resource;
    expect(replaced.title).toBe('CEO');
    const removed = patchUser(replaced, ops({ op: 'remove', path: 'title' }));
    expect(removed.resource).not.toHaveProperty('title');
    expect(removed.changedAttributes).toEqual(['title']);
  });

  it('remove of an attribute that is not set is a no-op', () => {
    const { resource, changedAttributes } = patchUser(storedUser(), ops({ op: 'remove', path: 'title' }));
    expect(resource).toEqual(storedUser());
    expect(changedAttributes).toEqual([]);
  });

  it('replace of a complex attribute merges the given sub-attributes (RFC 7644 §3.5.2.3)', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'replace', path: 'name', value: { familyName: 'Jensen', middleName: 'Q', givenName: null } }),
    );
    expect(resource.name).toEqual({ familyName: 'Jensen', middleName: 'Q' });
  });

  it('add of a sub-attribute creates the parent when absent', () => {
    const { name: _n, ...user } = storedUser();
    const { resource } = patchUser(user, ops({ op: 'add', path: 'name.givenName', value: 'Ann' }));
    expect(resource.name).toEqual({ givenName: 'Ann' });
  });

  it('removing the last sub-attribute removes the complex attribute', () => {
    const user = { ...storedUser(), name: { givenName: 'Ann' } };
    const { resource } = patchUser(user, ops({ op: 'remove', path: 'name.givenName' }));
    expect(resource).not.toHaveProperty('name');
  });

  it('replace with null unassigns; remove of a required attribute is left to re-validation', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'replace', path: 'name', value: null }, { op: 'remove', path: 'userName' }),
    );
    expect(resource).not.toHaveProperty('name');
    expect(resource).not.toHaveProperty('userName');
    expectScimError(() => parseResourceInput('User', resource, registry), 400, 'invalidValue');
  });

  it('resolves names case-insensitively and writes canonical names', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops(
        { op: 'replace', path: 'USERNAME', value: 'u@x' },
        { op: 'replace', path: 'Name.FamilyName', value: 'F' },
        { op: 'replace', value: { NickName: 'N', 'NAME.givenname': 'G' } },
        { op: 'add', path: 'EMAILS[TYPE eq "home"].VALUE', value: 'h@x' },
        { op: 'add', path: `${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER`, value: '7' },
      ),
    );
    expect(resource.userName).toBe('u@x');
    expect(resource.name).toEqual({ givenName: 'G', familyName: 'F' });
    expect(resource.nickName).toBe('N');
    expect(resource.emails).toContainEqual({ type: 'home', value: 'h@x' });
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: '7' });
    expect(Object.keys(resource)).not.toContain('USERNAME');
    expect(changedAttributes.sort()).toEqual(
      ['emails', 'name', 'nickName', 'userName', `${ENTERPRISE}:employeeNumber`].sort(),
    );
  });

  it('coerces "True"/"False" in path-less objects and inside complex values', () => {
    const { resource } = patchUser(
      storedUser(),
      ops(
        { op: 'replace', value: { active: 'FALSE' } },
        { op: 'add', path: 'addresses', value: [{ type: 'home', formatted: 'x', primary: 'True' }] },
      ),
    );
    expect(resource.active).toBe(false);
    expect(resource.addresses).toEqual([{ type: 'home', formatted: 'x', primary: true }]);
  });

  it('keeps a wrongly typed value for the schema module to reject with invalidValue', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'replace', path: 'active', value: 'maybe' }));
    expect(resource.active).toBe('maybe');
    expectScimError(() => parseResourceInput('User', resource, registry), 400, 'invalidValue');
  });

  it('add of a complex value without known sub-attributes changes nothing', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'add', path: 'name', value: { colour: 'red' } }));
    expect(resource.name).toEqual(storedUser().name);
  });

  it('the core schema URN as the path acts like a path-less operation', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'replace', path: USER, value: { nickName: 'N', id: 'x' } }),
    );
    expect(resource.nickName).toBe('N');
    expect(resource.id).toBe(storedUser().id);
    expect(resource).not.toHaveProperty(USER);
    expectScimError(() => patchUser(storedUser(), ops({ op: 'remove', path: USER })), 400, 'invalidPath');
  });

  it('a whole extension URN path with an object value merges its attributes; remove drops it', () => {
    const added = patchUser(
      storedUser(),
      ops({ op: 'add', path: ENTERPRISE, value: { costCenter: 'C1' } }),
    ).resource;
    expect(added[ENTERPRISE]).toEqual({ department: 'Sales', costCenter: 'C1' });
    const removed = patchUser(added, ops({ op: 'remove', path: ENTERPRISE }));
    expect(removed.resource).not.toHaveProperty(ENTERPRISE);
    expect(removed.changedAttributes.sort()).toEqual([
      `${ENTERPRISE}:costCenter`,
      `${ENTERPRISE}:department`,
    ]);
  });

  it('patched users pass the schema module re-validation', () => {
    const { resource } = patchUser(
      storedUser(),
      ops(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss' }] },
        { op: 'Replace', path: 'emails[type eq "home"].value', value: 'h@x' },
      ),
    );
    const validated = parseResourceInput('User', resource, registry);
    expect(validated.active).toBe(false);
    expect(validated[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: 'boss' } });
  });
});

describe('multi-valued attributes', () => {
  it('add of elements with no known sub-attribute changes nothing (does not unassign)', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops({ op: 'add', path: 'emails', value: [{ colour: 'red' }] }),
    );
    expect(resource.emails).toEqual(storedUser().emails);
    expect(changedAttributes).toEqual([]);
  });

  it('add with value null unassigns (Entra clears with Add)', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'add', path: 'emails', value: null }));
    expect(resource).not.toHaveProperty('emails');
  });

  it('setting primary on every element through emails.primary keeps a single primary', () => {
    const { resource } = patchUser(
      withEmails([
        { type: 'work', value: 'a@x' },
        { type: 'home', value: 'b@x' },
      ]),
      ops({ op: 'replace', path: 'emails.primary', value: true }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'a@x', primary: true },
      { type: 'home', value: 'b@x', primary: false },
    ]);
  });

  it('add appends and skips exact duplicates (retries are harmless)', () => {
    const body = ops({ op: 'add', path: 'emails', value: [{ type: 'home', value: 'h@x' }] });
    const once = patchUser(storedUser(), body).resource;
    const twice = patchUser(once, body);
    expect(once.emails).toHaveLength(2);
    expect(twice.resource).toEqual(once);
    expect(twice.changedAttributes).toEqual([]);
  });

  it('add skips a value already held in another case where caseExact is false (emails.value, type)', () => {
    const held = withEmails([{ value: 'm2@home.com', type: 'home' }]);
    const again = patchUser(
      held,
      ops({ op: 'Add', path: 'emails', value: [{ value: 'M2@HOME.com', type: 'Home' }] }),
    );
    expect(again.resource.emails).toEqual([{ value: 'm2@home.com', type: 'home' }]);
    expect(again.changedAttributes).toEqual([]);
    // Another sub-attribute value is another element.
    const other = patchUser(
      held,
      ops({ op: 'add', path: 'emails', value: [{ value: 'M2@HOME.com', type: 'work' }] }),
    );
    expect(other.resource.emails).toHaveLength(2);
  });

  it("removing an element's value removes the element (Entra clears an address that way)", () => {
    const user = withEmails([
      { value: 'w@x.com', type: 'work', primary: true },
      { value: 'o@x.com', type: 'other', primary: false },
    ]);
    const removed = patchUser(user, ops({ op: 'remove', path: 'emails[type eq "other"].value' }));
    expect(removed.resource.emails).toEqual([{ value: 'w@x.com', type: 'work', primary: true }]);
    const unassigned = patchUser(
      user,
      ops({ op: 'replace', path: 'emails[type eq "other"].value', value: null }),
    );
    expect(unassigned.resource.emails).toEqual([{ value: 'w@x.com', type: 'work', primary: true }]);
    // Elements the operation did not touch stay, even ones stored without a value.
    const stored = withEmails([
      { value: 'w@x.com', type: 'work' },
      { type: 'home', display: 'Home' },
    ]);
    const replaced = patchUser(
      stored,
      ops({ op: 'replace', path: 'emails[type eq "work"].value', value: 'v@x.com' }),
    );
    expect(replaced.resource.emails).toEqual([
      { value: 'v@x.com', type: 'work' },
      { type: 'home', display: 'Home' },
    ]);
    // Another sub-attribute removed keeps the element.
    const typeless = patchUser(user, ops({ op: 'remove', path: 'emails[type eq "other"].type' }));
    expect(typeless.resource.emails).toEqual([
      { value: 'w@x.com', type: 'work', primary: true },
      { value: 'o@x.com', primary: false },
    ]);
  });

  it('add accepts a single object as a one-element list', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'add', path: 'phoneNumbers', value: { type: 'work', value: '+1' } }),
    );
    expect(resource.phoneNumbers).toEqual([{ type: 'work', value: '+1' }]);
  });

  it('replace without a filter replaces the whole list', () => {
    const { resource } = patchUser(
      withEmails([
        { type: 'work', value: 'a@x' },
        { type: 'home', value: 'b@x' },
      ]),
      ops({ op: 'replace', path: 'emails', value: [{ type: 'other', value: 'c@x' }] }),
    );
    expect(resource.emails).toEqual([{ type: 'other', value: 'c@x' }]);
  });

  it('replace with an empty list unassigns the attribute', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'replace', path: 'emails', value: [] }));
    expect(resource).not.toHaveProperty('emails');
  });

  it('RFC 7643 §2.4: adding a primary value clears primary on the others', () => {
    const { resource } = patchUser(
      withEmails([{ type: 'work', value: 'a@x', primary: true }]),
      ops({ op: 'add', path: 'emails', value: [{ type: 'home', value: 'b@x', primary: true }] }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'a@x', primary: false },
      { type: 'home', value: 'b@x', primary: true },
    ]);
  });

  it('a path to a sub-attribute of a list without a filter sets it on every element', () => {
    const { resource } = patchUser(
      withEmails([
        { type: 'work', value: 'a@x' },
        { type: 'home', value: 'b@x' },
      ]),
      ops({ op: 'replace', path: 'emails.display', value: 'D' }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'a@x', display: 'D' },
      { type: 'home', value: 'b@x', display: 'D' },
    ]);
  });

  it('remove with a list value removes only the listed elements', () => {
    const { resource } = patchUser(
      withEmails([
        { type: 'work', value: 'a@x' },
        { type: 'home', value: 'B@x' },
      ]),
      ops({ op: 'remove', path: 'emails', value: [{ value: 'b@X' }] }),
    );
    expect(resource.emails).toEqual([{ type: 'work', value: 'a@x' }]);
  });

  it('remove without a value removes the whole list', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'remove', path: 'emails' }));
    expect(resource).not.toHaveProperty('emails');
  });
});

describe('value filters in paths', () => {
  const two = () =>
    withEmails([
      { type: 'work', value: 'a@x', primary: true },
      { type: 'home', value: 'b@x' },
    ]);

  it('replace with a filter and value null removes the matching elements', () => {
    const { resource } = patchUser(
      two(),
      ops({ op: 'replace', path: 'emails[type eq "work"]', value: null }),
    );
    expect(resource.emails).toEqual([{ type: 'home', value: 'b@x' }]);
  });

  it('replace with a filter and a value without known sub-attributes changes nothing', () => {
    const result = patchUser(
      two(),
      ops({ op: 'replace', path: 'emails[type eq "work"]', value: { colour: 'red' } }),
    );
    expect(result.resource).toEqual(two());
  });

  it('remove with a filter removes the matching elements', () => {
    const { resource } = patchUser(two(), ops({ op: 'remove', path: 'emails[type eq "work"]' }));
    expect(resource.emails).toEqual([{ type: 'home', value: 'b@x' }]);
  });

  it('remove with a filter and a sub-attribute removes only that sub-attribute', () => {
    const { resource } = patchUser(two(), ops({ op: 'remove', path: 'emails[type eq "work"].primary' }));
    expect(resource.emails).toEqual([
      { type: 'work', value: 'a@x' },
      { type: 'home', value: 'b@x' },
    ]);
  });

  it('remove with a filter that matches nothing is a no-op (idempotent retries)', () => {
    const result = patchUser(two(), ops({ op: 'remove', path: 'emails[type eq "other"]' }));
    expect(result.resource).toEqual(two());
    expect(result.changedAttributes).toEqual([]);
  });

  it('removing every element removes the attribute', () => {
    const { resource } = patchUser(two(), ops({ op: 'remove', path: 'emails[value co "@x"]' }));
    expect(resource).not.toHaveProperty('emails');
  });

  it('filter values compare case-insensitively where the schema says so (type is caseExact=false)', () => {
    const { resource } = patchUser(
      two(),
      ops({ op: 'replace', path: 'emails[type eq "WORK"].value', value: 'z@x' }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'z@x', primary: true },
      { type: 'home', value: 'b@x' },
    ]);
  });

  it('add with a filter and no sub-attribute merges the value into the matching element', () => {
    const { resource } = patchUser(
      two(),
      ops({ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }),
    );
    expect(resource.emails).toContainEqual({ type: 'home', value: 'b@x', display: 'Home' });
  });

  it('replace with a filter and no sub-attribute replaces the matching element', () => {
    const { resource } = patchUser(
      two(),
      ops({ op: 'replace', path: 'emails[type eq "home"]', value: { type: 'home', value: 'new@x' } }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'a@x', primary: true },
      { type: 'home', value: 'new@x' },
    ]);
  });

  it('add with an and-filter that matches nothing creates an element seeded from every eq term', () => {
    const { resource } = patchUser(
      withEmails([]),
      ops({ op: 'add', path: 'phoneNumbers[type eq "mobile" and primary eq true].value', value: '+1 555' }),
    );
    expect(resource.phoneNumbers).toEqual([{ type: 'mobile', primary: true, value: '+1 555' }]);
  });

  it.each([
    'emails[value co "zzz"].display',
    'emails[type eq "a" or type eq "b"].value',
    'emails[not (type pr)].value',
    'emails[display pr].value',
  ])('add/replace to %s with no match is 400 noTarget (the filter cannot describe a new element)', (path) => {
    expectScimError(() => patchUser(two(), ops({ op: 'add', path, value: 'v' })), 400, 'noTarget');
    expectScimError(() => patchUser(two(), ops({ op: 'replace', path, value: 'v' })), 400, 'noTarget');
  });

  it.each([
    // An email without its address: the created element names nothing (and, with primary, took
    // primary off the real one).
    ['replace', 'emails[type eq "other"].primary', true],
    ['add', 'emails[type eq "home"].display', 'Home'],
    ['replace', 'emails[type eq "other"]', { display: 'Other' }],
    // An element its own filter would not match.
    ['replace', 'phoneNumbers[type eq "mobile"].type', 'fax'],
    ['add', 'addresses[type eq "home"]', { type: 'work', locality: 'Paris' }],
  ])('%s to %s with no match is 400 noTarget', (op, path, value) => {
    const stored = withEmails([{ type: 'work', value: 'w@x', primary: true }]);
    deepFreeze(stored);
    expectScimError(() => patchUser(stored, ops({ op, path, value })), 400, 'noTarget');
  });

  it('an element created from an unmatched filter keeps what it needs: a value, or any sub-attribute of an address', () => {
    const { resource } = patchUser(
      withEmails([{ type: 'work', value: 'w@x', primary: true }]),
      ops(
        { op: 'replace', path: 'emails[value eq "o@x"].primary', value: true },
        { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
      ),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'w@x', primary: false },
      { value: 'o@x', primary: true },
    ]);
    expect(resource.addresses).toEqual([{ type: 'work', streetAddress: '1 Main St' }]);
  });

  it('a filter on a single-valued attribute is 400 invalidPath', () => {
    expectScimError(
      () =>
        patchUser(
          storedUser(),
          ops({ op: 'replace', path: 'name[givenName eq "x"].familyName', value: 'y' }),
        ),
      400,
      'invalidPath',
    );
  });

  it('a filter naming an unknown sub-attribute is 400 invalidPath', () => {
    expectScimError(
      () =>
        patchUser(storedUser(), ops({ op: 'replace', path: 'emails[colour eq "red"].value', value: 'y' })),
      400,
      'invalidPath',
    );
  });

  it('a filter whose literal does not fit the type is 400 invalidPath', () => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'remove', path: 'emails[primary gt "x"]' })),
      400,
      'invalidPath',
    );
  });

  it('an unknown sub-attribute after the filter is 400 invalidPath', () => {
    expectScimError(
      () =>
        patchUser(storedUser(), ops({ op: 'replace', path: 'emails[type eq "work"].colour', value: 'y' })),
      400,
      'invalidPath',
    );
  });
});

describe('errors', () => {
  it.each([
    'colour',
    'name.colour',
    'userName.first',
    'urn:example:unknown:1.0:User:thing',
    `${ENTERPRISE}:colour`,
  ])('a path to the unknown attribute %s is 400 invalidPath', (path) => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', path, value: 'x' })),
      400,
      'invalidPath',
    );
  });

  it('an unknown key in a path-less value is 400 invalidPath', () => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', value: { colour: 'red' } })),
      400,
      'invalidPath',
    );
  });

  it.each(['id', 'meta', 'meta.created', 'groups', `${ENTERPRISE}:manager.displayName`])(
    'a path to the read-only %s is 400 mutability',
    (path) => {
      for (const op of ['add', 'replace', 'remove']) {
        expectScimError(() => patchUser(storedUser(), ops({ op, path, value: 'x' })), 400, 'mutability');
      }
    },
  );

  it('a read-only attribute other than id/meta/schemas in a path-less value is 400 mutability', () => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', value: { groups: [] } })),
      400,
      'mutability',
    );
  });

  it('id, meta and schemas in a path-less value are ignored', () => {
    const user = storedUser();
    const { resource, changedAttributes } = patchUser(
      user,
      ops({
        op: 'replace',
        value: { id: 'other', meta: { created: 'x' }, schemas: ['urn:x'], nickName: 'N' },
      }),
    );
    expect(resource.id).toBe(user.id);
    expect(resource.meta).toEqual(user.meta);
    expect(resource.schemas).toEqual(user.schemas);
    expect(changedAttributes).toEqual(['nickName']);
  });

  it('error details quote at most a bounded part of a hostile path or key', () => {
    const long = `a${'b'.repeat(50_000)}`;
    const byPath = expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', path: long, value: 'x' })),
      400,
      'invalidPath',
    );
    const byKey = expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', value: { [long]: 'x' } })),
      400,
      'invalidPath',
    );
    expect(byPath.detail.length).toBeLessThan(400);
    expect(byKey.detail.length).toBeLessThan(400);
  });

  it('remove without a path is 400 noTarget', () => {
    expectScimError(() => patchUser(storedUser(), ops({ op: 'remove' })), 400, 'noTarget');
  });

  it.each([
    ['a string', 'active'],
    ['a list', [{ active: false }]],
    ['null', null],
  ])('a path-less add/replace whose value is %s is 400 invalidValue', (_label, value) => {
    expectScimError(() => patchUser(storedUser(), ops({ op: 'replace', value })), 400, 'invalidValue');
  });

  it('a list of two for a single-valued complex attribute is 400 invalidValue', () => {
    expectScimError(
      () =>
        patchUser(
          storedUser(),
          ops({ op: 'replace', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }),
        ),
      400,
      'invalidValue',
    );
  });

  it('a scalar for a complex attribute without a value sub-attribute is 400 invalidValue', () => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', path: 'name', value: 'Ann Smith' })),
      400,
      'invalidValue',
    );
  });

  it('nested lists inside a multi-valued value are 400 invalidValue', () => {
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'add', path: 'emails', value: [[{ value: 'a' }]] })),
      400,
      'invalidValue',
    );
  });

  it('a hostile deeply nested value is 400 invalidValue, not a stack overflow', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = { value: deep };
    expectScimError(
      () => patchUser(storedUser(), ops({ op: 'replace', path: 'nickName', value: deep })),
      400,
      'invalidValue',
    );
  });

  it('the first failing operation aborts the whole patch and leaves the input untouched', () => {
    const user = deepFreeze(storedUser());
    expectScimError(
      () =>
        patchUser(
          user,
          ops({ op: 'replace', path: 'nickName', value: 'N' }, { op: 'replace', path: 'id', value: 'x' }),
        ),
      400,
      'mutability',
    );
    expect(user).toEqual(storedUser());
  });

  it('never mutates its input', () => {
    const user = deepFreeze(withEmails([{ type: 'work', value: 'a@x', primary: true }]));
    const { resource } = patchUser(
      user,
      ops(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@x' },
        { op: 'add', path: 'emails', value: [{ value: 'c@x', primary: true }] },
        { op: 'replace', path: 'name.givenName', value: 'Z' },
        { op: 'remove', path: `${ENTERPRISE}:department` },
      ),
    );
    expect(resource).not.toBe(user);
    expect(user).toEqual(withEmails([{ type: 'work', value: 'a@x', primary: true }]));
  });
});

describe('immutable attributes (RFC 7643 §2.2)', () => {
  const badge: AttributeDefinition = {
    name: 'badge',
    type: 'string',
    multiValued: false,
    description: '',
    required: false,
    caseExact: true,
    mutability: 'immutable',
    returned: 'default',
    uniqueness: 'none',
  };
  const lookup: AttributeLookup = (path) =>
    path.attribute.toLowerCase() === 'badge' && path.subAttribute === undefined ? badge : undefined;
  const schemas = { core: 'urn:example:core', extensions: [] };
  const run = (resource: Record<string, unknown>, body: unknown) =>
    applyPatch(resource, parsePatchRequest(body), lookup, { schemas });

  it('may be set when unset', () => {
    expect(run({}, ops({ op: 'add', path: 'badge', value: 'B1' })).resource).toEqual({ badge: 'B1' });
  });

  it('may be "set" again to the same value', () => {
    expect(
      run({ badge: 'B1' }, ops({ op: 'replace', path: 'badge', value: 'B1' })).changedAttributes,
    ).toEqual([]);
  });

  it.each([
    ['replace', { op: 'replace', path: 'badge', value: 'B2' }],
    ['remove', { op: 'remove', path: 'badge' }],
    ['path-less replace', { op: 'replace', value: { badge: 'B2' } }],
  ])('%s of a set value is 400 mutability', (_label, operation) => {
    expectScimError(() => run({ badge: 'B1' }, ops(operation)), 400, 'mutability');
  });
});

describe('groups', () => {
  it('a path-less replace on a group with unknown keys is 400 invalidPath', () => {
    expectScimError(
      () => patchGroup(storedGroup(), ops({ op: 'replace', value: { userName: 'x' } })),
      400,
      'invalidPath',
    );
  });

  it('externalId and displayName can be replaced together', () => {
    const { resource, changedAttributes } = patchGroup(
      storedGroup(),
      ops({ op: 'replace', value: { displayName: 'G2', externalId: 'e2' } }),
    );
    expect(resource).toMatchObject({ displayName: 'G2', externalId: 'e2' });
    expect(changedAttributes.sort()).toEqual(['displayName', 'externalId']);
  });
});
