import fc from 'fast-check';
import type { JsonObject } from '../../../../lambdas/scim/schema/json';
import { isAttributeRequested, projectResource } from '../../../../lambdas/scim/schema/projection';
import {
  createSchemaRegistry,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../../lambdas/scim/schema/registry';

const registry = createSchemaRegistry();

const user: JsonObject = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: 'u-1',
  externalId: 'ext-1',
  userName: 'jane@example.com',
  name: { givenName: 'Jane', familyName: 'Doe' },
  displayName: 'Jane Doe',
  active: true,
  // Stored by mistake: must never come back.
  password: 'hunter2',
  emails: [
    { value: 'jane@example.com', type: 'work', primary: true },
    { value: 'jd@home.example', type: 'home' },
  ],
  [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', manager: { value: 'm-1', displayName: 'Boss' } },
  meta: {
    resourceType: 'User',
    created: '2026-01-01T00:00:00Z',
    lastModified: '2026-01-02T00:00:00Z',
    location: 'https://x/Users/u-1',
    version: 'W/"3"',
  },
};

const group: JsonObject = {
  schemas: [GROUP_SCHEMA],
  id: 'g-1',
  displayName: 'Admins',
  members: [
    { value: 'u-1', display: 'Jane', type: 'User' },
    { value: 'u-2', display: 'John', type: 'User' },
  ],
  meta: { resourceType: 'Group', created: '2026-01-01T00:00:00Z' },
};

describe('projectResource (RFC 7644 §3.4.2.5, §3.9)', () => {
  it('returns every default attribute, never password, with no projection', () => {
    const { password: _password, ...expected } = user;
    expect(projectResource(user, 'User', {}, registry)).toEqual(expected);
  });

  it('attributes=userName returns userName plus id and schemas only', () => {
    expect(projectResource(user, 'User', { attributes: ['userName'] }, registry)).toEqual({
      schemas: [USER_SCHEMA],
      id: 'u-1',
      userName: 'jane@example.com',
    });
  });

  it('attributes accepts sub-attributes, any case and URN-qualified names', () => {
    const result = projectResource(
      user,
      'User',
      {
        attributes: [
          'NAME.givenName',
          'emails.VALUE',
          `${ENTERPRISE_USER_SCHEMA}:manager`,
          `${USER_SCHEMA}:displayName`,
          'meta.lastModified',
        ],
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u-1',
      name: { givenName: 'Jane' },
      displayName: 'Jane Doe',
      emails: [{ value: 'jane@example.com' }, { value: 'jd@home.example' }],
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-1', displayName: 'Boss' } },
      meta: { lastModified: '2026-01-02T00:00:00Z' },
    });
  });

  it('attributes naming a whole extension URN returns the extension', () => {
    const result = projectResource(user, 'User', { attributes: [ENTERPRISE_USER_SCHEMA] }, registry);
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u-1',
      [ENTERPRISE_USER_SCHEMA]: user[ENTERPRISE_USER_SCHEMA],
    });
  });

  it('attributes=password or id cannot force a never-returned attribute out, or drop an always-returned one', () => {
    const result = projectResource(user, 'User', { attributes: ['password'] }, registry);
    expect(result).toEqual({ schemas: [USER_SCHEMA], id: 'u-1' });
  });

  it('Entra: excludedAttributes=members returns the group without members', () => {
    const result = projectResource(group, 'Group', { excludedAttributes: ['members'] }, registry);
    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      displayName: 'Admins',
      meta: group.meta,
    });
  });

  it('excludedAttributes removes sub-attributes, extension attributes and whole extensions, never id', () => {
    const result = projectResource(
      user,
      'User',
      {
        excludedAttributes: [
          'id',
          'name.familyName',
          'emails.type',
          'meta',
          'externalId',
          `${ENTERPRISE_USER_SCHEMA}:manager`,
        ],
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u-1',
      userName: 'jane@example.com',
      name: { givenName: 'Jane' },
      displayName: 'Jane Doe',
      active: true,
      emails: [{ value: 'jane@example.com', primary: true }, { value: 'jd@home.example' }],
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42' },
    });
    const noExtension = projectResource(
      user,
      'User',
      { excludedAttributes: [ENTERPRISE_USER_SCHEMA] },
      registry,
    );
    expect(noExtension.schemas).toEqual([USER_SCHEMA]);
    expect(noExtension).not.toHaveProperty(ENTERPRISE_USER_SCHEMA);
  });

  it('keeps an empty members list (Okta reads members: [] for an empty group)', () => {
    const empty = { ...group, members: [] };
    expect(projectResource(empty, 'Group', {}, registry).members).toEqual([]);
  });

  it('drops keys the registry does not define, so internal fields never leak', () => {
    const stored = { ...group, pk: 'T#acme#G#g-1', version: 3, tenant: 'acme' };
    const result = projectResource(stored, 'Group', {}, registry);
    expect(Object.keys(result).sort()).toEqual(['displayName', 'id', 'members', 'meta', 'schemas']);
  });

  it('ignores unknown names in attributes and excludedAttributes', () => {
    expect(projectResource(group, 'Group', { attributes: ['shoeSize', 'displayName'] }, registry)).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      displayName: 'Admins',
    });
    expect(projectResource(group, 'Group', { excludedAttributes: ['shoeSize'] }, registry)).toEqual(group);
  });

  it('property: id always present, password never, excluded names never present', () => {
    const topNames = [
      'userName',
      'name',
      'displayName',
      'active',
      'emails',
      'externalId',
      'meta',
      'password',
      'id',
    ];
    const names = fc.constantFrom(
      ...topNames,
      'name.givenName',
      'emails.value',
      'meta.created',
      ENTERPRISE_USER_SCHEMA,
      `${ENTERPRISE_USER_SCHEMA}:employeeNumber`,
      'shoeSize',
    );
    const caseVariant = (name: string) =>
      fc.boolean().map((upper) => (upper ? name.toUpperCase() : name.toLowerCase()));
    const nameList = fc.array(names.chain(caseVariant), { maxLength: 5 });
    fc.assert(
      fc.property(fc.option(nameList, { nil: undefined }), nameList, (attributes, excluded) => {
        const projection = { ...(attributes ? { attributes } : {}), excludedAttributes: excluded };
        const result = projectResource(user, 'User', projection, registry);
        expect(result.id).toBe('u-1');
        expect(result.schemas).toContain(USER_SCHEMA);
        expect(result).not.toHaveProperty('password');
        for (const name of excluded) {
          const lower = name.toLowerCase();
          const top = topNames.find((n) => n.toLowerCase() === lower);
          if (top && top !== 'id') expect(result).not.toHaveProperty(top);
          if (lower === ENTERPRISE_USER_SCHEMA.toLowerCase())
            expect(result).not.toHaveProperty(ENTERPRISE_USER_SCHEMA);
          if (lower === 'name.givenname')
            expect((result.name as JsonObject | undefined)?.givenName).toBeUndefined();
          if (lower === 'emails.value') {
            for (const e of (result.emails as JsonObject[] | undefined) ?? [])
              expect(e).not.toHaveProperty('value');
          }
        }
        // Whatever is returned agrees with isAttributeRequested.
        for (const top of ['userName', 'name', 'emails', 'meta', 'displayName']) {
          expect(top in result).toBe(isAttributeRequested(top, 'User', projection, registry));
        }
      }),
      { seed: 76443, numRuns: 400 },
    );
  });
});

describe('isAttributeRequested', () => {
  it('lets the Groups service skip membership reads for excludedAttributes=members (Entra)', () => {
    expect(isAttributeRequested('members', 'Group', { excludedAttributes: ['members'] }, registry)).toBe(
      false,
    );
    expect(isAttributeRequested('members', 'Group', { excludedAttributes: ['MEMBERS'] }, registry)).toBe(
      false,
    );
    expect(isAttributeRequested('members', 'Group', {}, registry)).toBe(true);
    expect(isAttributeRequested('members', 'Group', { attributes: ['displayName'] }, registry)).toBe(false);
    expect(isAttributeRequested('members', 'Group', { attributes: ['members.value'] }, registry)).toBe(true);
    expect(
      isAttributeRequested('members', 'Group', { excludedAttributes: ['members.display'] }, registry),
    ).toBe(true);
    expect(
      isAttributeRequested('members.display', 'Group', { excludedAttributes: ['members.display'] }, registry),
    ).toBe(false);
  });

  it('answers for always- and never-returned attributes and unknown names', () => {
    expect(
      isAttributeRequested('id', 'User', { attributes: ['userName'], excludedAttributes: ['id'] }, registry),
    ).toBe(true);
    expect(isAttributeRequested('password', 'User', { attributes: ['password'] }, registry)).toBe(false);
    expect(isAttributeRequested('shoeSize', 'User', {}, registry)).toBe(false);
    expect(isAttributeRequested('groups', 'User', {}, registry)).toBe(true);
    expect(isAttributeRequested('groups', 'User', { excludedAttributes: ['groups'] }, registry)).toBe(false);
  });
});
