/**
 * Replays the PATCH requests that Okta, Entra and Microsoft's SCIM validator send (docs/OKTA.md,
 * docs/ENTRA.md), through parse → split → apply, and checks the stored result.
 */
import { deepFreeze, ENTERPRISE, ops, patchGroup, patchUser, storedGroup, storedUser, USER } from './support';

describe('Okta user PATCH (OIN flavour)', () => {
  it('Okta: path-less replace {active:false} deactivates and keeps the id', () => {
    const user = deepFreeze(storedUser());
    const { resource, changedAttributes } = patchUser(user, ops({ op: 'replace', value: { active: false } }));
    expect(resource.active).toBe(false);
    expect(resource.id).toBe(user.id);
    expect(resource.userName).toBe(user.userName);
    expect(changedAttributes).toEqual(['active']);
  });

  it('Okta: path-less replace {active:true} reactivates', () => {
    const user = { ...storedUser(), active: false };
    const { resource, changedAttributes } = patchUser(user, ops({ op: 'replace', value: { active: true } }));
    expect(resource.active).toBe(true);
    expect(changedAttributes).toEqual(['active']);
  });

  it('Okta: deactivating an already inactive user changes nothing', () => {
    const user = { ...storedUser(), active: false };
    const { changedAttributes } = patchUser(user, ops({ op: 'replace', value: { active: false } }));
    expect(changedAttributes).toEqual([]);
  });
});

describe('Okta password sync', () => {
  it('Okta password sync (body shape not shown in Okta docs): accepted, nothing stored or reported as changed', () => {
    const user = storedUser();
    for (const body of [
      ops({ op: 'replace', value: { password: 'n3wP@ss' } }),
      ops({ op: 'replace', path: 'password', value: 'n3wP@ss' }),
    ]) {
      const { resource, changedAttributes } = patchUser(user, body);
      expect(resource).not.toHaveProperty('password');
      expect(changedAttributes).toEqual([]);
    }
  });
});

describe('Okta group push', () => {
  it('Okta: rename with the group id inside the value ignores the id', () => {
    const group = storedGroup();
    const { resource, changedAttributes, memberChanges } = patchGroup(
      group,
      ops({ op: 'replace', value: { id: 'something-else', displayName: 'Renamed' } }),
    );
    expect(resource.id).toBe(group.id);
    expect(resource.displayName).toBe('Renamed');
    expect(changedAttributes).toEqual(['displayName']);
    expect(memberChanges).toEqual([]);
  });

  it('Okta: remove by members[value eq] and add with value+display in one request', () => {
    const { memberChanges, changedAttributes } = patchGroup(
      storedGroup(),
      ops(
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        {
          op: 'add',
          path: 'members',
          value: [{ value: '23a35c27-0000-4000-8000-000000000001', display: 'test.user@okta.local' }],
        },
        { op: 'remove', path: 'members[value eq "23a35c27-0000-4000-8000-000000000002"]' },
      ),
    );
    expect(memberChanges).toEqual([
      { kind: 'remove', ids: ['89bb1940-b905-4575-9e7f-6f887cfb368e'] },
      { kind: 'add', ids: ['23a35c27-0000-4000-8000-000000000001'] },
      { kind: 'remove', ids: ['23a35c27-0000-4000-8000-000000000002'] },
    ]);
    expect(changedAttributes).toEqual([]);
  });

  it('Okta: Push Now replaces the whole member list', () => {
    const { memberChanges } = patchGroup(
      storedGroup(),
      ops({
        op: 'replace',
        path: 'members',
        value: [
          { value: 'u1', display: 'a' },
          { value: 'u2', display: 'b' },
        ],
      }),
    );
    expect(memberChanges).toEqual([{ kind: 'replace', ids: ['u1', 'u2'] }]);
  });

  it('Okta (third-party report): path-less replace with a members key replaces the list', () => {
    const { memberChanges, changedAttributes } = patchGroup(
      storedGroup(),
      ops({ op: 'replace', value: { members: [{ value: 'u1' }] } }),
    );
    expect(memberChanges).toEqual([{ kind: 'replace', ids: ['u1'] }]);
    expect(changedAttributes).toEqual([]);
  });

  it('Okta: path-less replace with displayName and members splits into a rename and a member change', () => {
    const { resource, memberChanges } = patchGroup(
      storedGroup(),
      ops({
        op: 'replace',
        value: { id: 'x', displayName: 'New name', members: [{ value: 'u9', display: 'n' }] },
      }),
    );
    expect(resource.displayName).toBe('New name');
    expect(memberChanges).toEqual([{ kind: 'replace', ids: ['u9'] }]);
  });
});

describe('Entra user PATCH (default mode, capitalised ops)', () => {
  it('Entra: Replace active "False" stores the boolean false', () => {
    const { resource } = patchUser(storedUser(), {
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(resource.active).toBe(false);
  });

  it('Entra (rancher report): Add active "false" also deactivates', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'Add', path: 'active', value: 'false' }));
    expect(resource.active).toBe(false);
  });

  it('Entra: Replace emails[type eq "work"].value updates the work email only', () => {
    const user = {
      ...storedUser(),
      emails: [
        { type: 'work', value: 'old@contoso.com', primary: true },
        { type: 'home', value: 'me@home.example' },
      ],
    };
    const { resource, changedAttributes } = patchUser(
      user,
      ops({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' }),
    );
    expect(resource.emails).toEqual([
      { type: 'work', value: 'new@contoso.com', primary: true },
      { type: 'home', value: 'me@home.example' },
    ]);
    expect(changedAttributes).toEqual(['emails']);
  });

  it('Entra: Replace emails[type eq "work"].value on a user without a work email creates it', () => {
    const user = { ...storedUser(), emails: [{ type: 'home', value: 'me@home.example' }] };
    const { resource } = patchUser(
      user,
      ops({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' }),
    );
    expect(resource.emails).toEqual([
      { type: 'home', value: 'me@home.example' },
      { type: 'work', value: 'new@contoso.com' },
    ]);
  });

  it('SCIM validator: add emails[type eq "work"].value on a user with no emails creates the element', () => {
    const { emails: _omitted, ...user } = storedUser();
    const { resource } = patchUser(
      user,
      ops({ op: 'add', path: 'emails[type eq "work"].value', value: 'w@contoso.com' }),
    );
    expect(resource.emails).toEqual([{ type: 'work', value: 'w@contoso.com' }]);
  });

  it('SCIM validator (sourcegraph report): emails[type eq "work"].primary "True" moves primary to work', () => {
    const user = {
      ...storedUser(),
      emails: [
        { type: 'home', value: 'me@home.example', primary: true },
        { type: 'work', value: 'w@contoso.com' },
      ],
    };
    const { resource } = patchUser(
      user,
      ops({ op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' }),
    );
    expect(resource.emails).toEqual([
      { type: 'home', value: 'me@home.example', primary: false },
      { type: 'work', value: 'w@contoso.com', primary: true },
    ]);
  });

  it('Entra: Replace name.familyName keeps givenName', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops({ op: 'Replace', path: 'name.familyName', value: 'Jensen' }),
    );
    expect(resource.name).toEqual({ givenName: 'Test', familyName: 'Jensen' });
    expect(changedAttributes).toEqual(['name']);
  });

  it('Entra: Replace userName', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops({ op: 'Replace', path: 'userName', value: 'renamed@contoso.com' }),
    );
    expect(resource.userName).toBe('renamed@contoso.com');
    expect(changedAttributes).toEqual(['userName']);
  });

  it('RFC 7644 §3.10: Replace with the core-URN path urn:…:core:2.0:User:userName', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'replace', path: `${USER}:userName`, value: 'urn@contoso.com' }),
    );
    expect(resource.userName).toBe('urn@contoso.com');
    expect(resource).not.toHaveProperty(USER);
  });

  it('Entra: Add nickName "Babs" sets the single-valued attribute', () => {
    const { resource } = patchUser(storedUser(), ops({ op: 'Add', path: 'nickName', value: 'Babs' }));
    expect(resource.nickName).toBe('Babs');
    const again = patchUser(resource, ops({ op: 'Add', path: 'nickName', value: 'Barbara' }));
    expect(again.resource.nickName).toBe('Barbara');
  });

  it('Entra: one Replace per attribute, including the enterprise employeeNumber URN path and externalId', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops(
        { op: 'Replace', path: 'name.givenName', value: 'Kkom' },
        { op: 'Replace', path: 'externalId', value: 'ext-2' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Aklq' },
      ),
    );
    expect(resource.name).toEqual({ givenName: 'Kkom', familyName: 'User' });
    expect(resource.externalId).toBe('ext-2');
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: 'Aklq' });
    expect(changedAttributes.sort()).toEqual(['externalId', 'name', `${ENTERPRISE}:employeeNumber`].sort());
  });

  it('Entra (laravel-scim-server report): Add the enterprise department by URN path', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Retail' }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Retail' });
  });

  it('Entra (laravel-scim-server report): Replace addresses[type eq "work"].formatted creates the work address', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '18/2111' }),
    );
    expect(resource.addresses).toEqual([{ type: 'work', formatted: '18/2111' }]);
  });

  it('Entra: removing a value clears it (Logic App "null/empty-string PATCH clears values")', () => {
    const cleared = patchUser(
      storedUser(),
      ops(
        { op: 'Replace', path: 'displayName', value: null },
        { op: 'Replace', path: 'locale', value: '' },
        { op: 'Remove', path: 'name.givenName' },
      ),
    );
    expect(cleared.resource).not.toHaveProperty('displayName');
    expect(cleared.resource).not.toHaveProperty('locale');
    expect(cleared.resource.name).toEqual({ familyName: 'User' });
  });
});

describe('Entra with aadOptscim062020 (path-less replace with dotted and URN keys)', () => {
  it('Entra: path-less replace with displayName, name.givenName, name.familyName and the employeeNumber URN key', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops({
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      }),
    );
    expect(resource.displayName).toBe('Bjfe');
    expect(resource.name).toEqual({ givenName: 'Kkom', familyName: 'Unua' });
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: 'Aklq' });
    expect(changedAttributes.sort()).toEqual(['displayName', 'name', `${ENTERPRISE}:employeeNumber`].sort());
  });

  it('Entra flag mode: replace active false (boolean) and add nickName (lower-case ops)', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'replace', path: 'active', value: false }, { op: 'add', path: 'nickName', value: 'Babs' }),
    );
    expect(resource.active).toBe(false);
    expect(resource.nickName).toBe('Babs');
  });

  it('RFC 7644 §3.5.2.1: path-less value with the enterprise URN as a key holding an object', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'add', value: { [ENTERPRISE]: { employeeNumber: '42', manager: { value: 'boss-id' } } } }),
    );
    expect(resource[ENTERPRISE]).toEqual({
      department: 'Sales',
      employeeNumber: '42',
      manager: { value: 'boss-id' },
    });
  });
});

describe('Entra manager', () => {
  it('Entra: manager by URN path with {"value": id}', () => {
    const { resource, changedAttributes } = patchUser(
      storedUser(),
      ops({ op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: 'boss-id' } }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: 'boss-id' } });
    expect(changedAttributes).toEqual([`${ENTERPRISE}:manager`]);
  });

  it('Entra: manager by URN path with a bare id string', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: 'boss-id' }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: 'boss-id' } });
  });

  it('Entra: manager by URN path with a one-element list [{"value": id}]', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: [{ value: 'boss-id' }] }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: 'boss-id' } });
  });

  it('Entra tutorial: Add path "manager" (unqualified) with [{$ref, value}] lands in the enterprise extension', () => {
    const { resource } = patchUser(
      storedUser(),
      ops({
        op: 'Add',
        path: 'manager',
        value: [{ $ref: 'https://scim.example.com/scim/v2/Users/00aa', value: '00aa' }],
      }),
    );
    expect(resource).not.toHaveProperty('manager');
    expect(resource[ENTERPRISE]).toEqual({
      department: 'Sales',
      manager: { $ref: 'https://scim.example.com/scim/v2/Users/00aa', value: '00aa' },
    });
  });

  it('a new manager id drops the old manager’s $ref; the same id, or a new $ref with it, keeps what was sent', () => {
    const old = { $ref: 'https://scim.example.com/scim/v2/Users/old-boss', value: 'old-boss' };
    const user = { ...storedUser(), [ENTERPRISE]: { manager: old } };
    for (const value of ['new-boss', { value: 'new-boss' }, [{ value: 'new-boss' }]]) {
      const { resource } = patchUser(user, ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value }));
      expect(resource[ENTERPRISE]).toEqual({ manager: { value: 'new-boss' } });
    }
    const same = patchUser(user, ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: 'old-boss' }));
    expect(same.resource[ENTERPRISE]).toEqual({ manager: old });
    const both = { $ref: 'https://scim.example.com/scim/v2/Users/new-boss', value: 'new-boss' };
    const withRef = patchUser(user, ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: both }));
    expect(withRef.resource[ENTERPRISE]).toEqual({ manager: both });
  });

  it('a bare string is a reference’s id only: replacing emails with "str" is a 400', () => {
    expect(() => patchUser(storedUser(), ops({ op: 'replace', path: 'emails', value: 'str' }))).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    );
    expect(() => patchUser(storedUser(), ops({ op: 'replace', value: { emails: 'str' } }))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('Entra: changing the manager replaces the id; displayName (read-only) in the value is dropped', () => {
    const user = { ...storedUser(), [ENTERPRISE]: { manager: { value: 'old-boss' } } };
    const { resource } = patchUser(
      user,
      ops({
        op: 'Replace',
        path: `${ENTERPRISE}:manager`,
        value: { value: 'new-boss', displayName: 'Boss' },
      }),
    );
    expect(resource[ENTERPRISE]).toEqual({ manager: { value: 'new-boss' } });
  });

  it('Entra (Logic App): removing the manager drops an extension left empty', () => {
    const user = { ...storedUser(), [ENTERPRISE]: { manager: { value: 'old-boss' } } };
    const removed = patchUser(user, ops({ op: 'Remove', path: `${ENTERPRISE}:manager` }));
    expect(removed.resource).not.toHaveProperty(ENTERPRISE);
    expect(removed.changedAttributes).toEqual([`${ENTERPRISE}:manager`]);
    const nulled = patchUser(user, ops({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: null }));
    expect(nulled.resource).not.toHaveProperty(ENTERPRISE);
  });
});

describe('Entra groups', () => {
  it('Entra: Replace displayName', () => {
    const { resource, memberChanges } = patchGroup(storedGroup(), {
      Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-updatedDisplayName' }],
    });
    expect(resource.displayName).toBe('1879db59-updatedDisplayName');
    expect(memberChanges).toEqual([]);
  });

  it('Entra: Add members with "$ref": null', () => {
    const { memberChanges } = patchGroup(storedGroup(), {
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }],
    });
    expect(memberChanges).toEqual([{ kind: 'add', ids: ['f648f8d5ea4e4cd38e9c'] }]);
  });

  it('Entra: Remove with path "members" and a value list removes only those members', () => {
    const { memberChanges } = patchGroup(storedGroup(), {
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }],
    });
    expect(memberChanges).toEqual([{ kind: 'remove', ids: ['f648f8d5ea4e4cd38e9c'] }]);
  });

  it('Entra (compat doc): Remove members with [{"value": "u1091"}] (no $ref)', () => {
    const { memberChanges } = patchGroup(storedGroup(), {
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }],
    });
    expect(memberChanges).toEqual([{ kind: 'remove', ids: ['u1091'] }]);
  });

  it('Entra flag mode: remove members[value eq "id"]', () => {
    const { memberChanges } = patchGroup(
      storedGroup(),
      ops({ op: 'remove', path: 'members[value eq "7f4bc1a3-0000-4000-8000-000000000000"]' }),
    );
    expect(memberChanges).toEqual([{ kind: 'remove', ids: ['7f4bc1a3-0000-4000-8000-000000000000'] }]);
  });

  it('Entra validator (scimmy report): an empty Operations list is a no-op', () => {
    const group = storedGroup();
    const result = patchGroup(group, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [],
    });
    expect(result.resource).toEqual(group);
    expect(result.memberChanges).toEqual([]);
    expect(result.changedAttributes).toEqual([]);
    const user = storedUser();
    const userResult = patchUser(user, { Operations: [] });
    expect(userResult.resource).toEqual(user);
  });
});
