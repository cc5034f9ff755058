import fc from 'fast-check';
import { ScimError } from '../../../../lambdas/scim/errors';
import { normaliseName } from '../../../../lambdas/scim/names';
import {
  createSchemaRegistry,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../../lambdas/scim/schema/registry';
import { parseResourceInput } from '../../../../lambdas/scim/schema/resource-input';

const registry = createSchemaRegistry();

function rejection(resourceType: 'User' | 'Group', body: unknown): ScimError {
  try {
    parseResourceInput(resourceType, body, registry);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parseResourceInput: what Okta and Entra send', () => {
  it('Okta: create with password, groups: [] and externalId keeps externalId and drops password and groups', () => {
    const body = {
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    expect(parseResourceInput('User', body, registry)).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
    });
  });

  it('Okta: PUT echoing id, meta with non-ISO dates and groups drops the read-only attributes', () => {
    const result = parseResourceInput(
      'User',
      {
        schemas: [USER_SCHEMA],
        id: '0190c0de-0000-7000-8000-000000000001',
        userName: 'jane@example.com',
        active: false,
        meta: { created: '04-12-2018 00:00:00', lastModified: '04-12-2018 00:00:00', resourceType: 'User' },
        groups: [{ value: 'g1', display: 'Admins' }],
      },
      registry,
    );
    expect(result).toEqual({ schemas: [USER_SCHEMA], userName: 'jane@example.com', active: false });
  });

  it('Entra: create with the enterprise URN, meta and empty roles keeps only writable data', () => {
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    };
    const result = parseResourceInput('User', body, registry);
    expect(result).toEqual({
      // The extension URN is listed only when extension data is present.
      schemas: [USER_SCHEMA],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    });
  });

  it('Entra: explicit nulls are unassigned and dropped', () => {
    const result = parseResourceInput(
      'User',
      {
        userName: 'u',
        addresses: null,
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        [ENTERPRISE_USER_SCHEMA]: { department: null, manager: null, employeeNumber: '42' },
        name: { givenName: null, familyName: 'F' },
        emails: [null, { value: 'a@b.c', display: null }],
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'u',
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42' },
      name: { familyName: 'F' },
      emails: [{ value: 'a@b.c' }],
    });
  });

  it('Entra: string booleans "True"/"False"/"true"/"false" are coerced for boolean attributes', () => {
    for (const [text, value] of [
      ['True', true],
      ['False', false],
      ['true', true],
      ['false', false],
    ] as const) {
      const result = parseResourceInput(
        'User',
        { userName: 'u', active: text, emails: [{ value: 'x@y.z', primary: text }] },
        registry,
      );
      expect(result.active).toBe(value);
      expect(result.emails).toEqual([{ value: 'x@y.z', primary: value }]);
    }
    // Only for booleans: a string attribute keeps the text.
    expect(parseResourceInput('User', { userName: 'u', title: 'True' }, registry).title).toBe('True');
  });

  it('Microsoft: a group create with the ADSCIM Group URN and meta is accepted', () => {
    const result = parseResourceInput(
      'Group',
      {
        schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
    });
  });

  it('Okta: group push with members carrying value and display (no type) is accepted, display (readOnly, the server fills it) ignored; Entra "$ref": null is dropped', () => {
    const result = parseResourceInput(
      'Group',
      {
        schemas: [GROUP_SCHEMA],
        displayName: 'Test SCIMv2',
        members: [
          { value: 'u1', display: 'test.user@okta.local' },
          { $ref: null, value: 'u2' },
        ],
      },
      registry,
    );
    expect(result.members).toEqual([{ value: 'u1' }, { value: 'u2' }]);
  });

  it('Okta: an empty group create with members: [] is valid and stores no members attribute', () => {
    const result = parseResourceInput(
      'Group',
      { schemas: [GROUP_SCHEMA], displayName: 'Empty', members: [] },
      registry,
    );
    expect(result).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'Empty' });
  });

  it('canonicalises attribute names written in any case, including dotted and URN-qualified keys', () => {
    const result = parseResourceInput(
      'User',
      {
        USERNAME: 'u',
        Name: { GivenName: 'G', FAMILYNAME: 'F' },
        'Name.MiddleName': 'M',
        EMAILS: [{ VALUE: 'a@b.c', Type: 'work' }],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '7',
        'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager.value': 'm-1',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user': { Department: 'Retail' },
        'urn:ietf:params:scim:schemas:core:2.0:User:displayName': 'Display',
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'u',
      name: { givenName: 'G', familyName: 'F', middleName: 'M' },
      emails: [{ value: 'a@b.c', type: 'work' }],
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '7', manager: { value: 'm-1' }, department: 'Retail' },
      displayName: 'Display',
    });
  });

  it('Entra: an unqualified enterprise attribute (department) is folded under the extension URN', () => {
    const result = parseResourceInput(
      'User',
      { userName: 'u', department: 'Retail', Manager: { value: 'm' } },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'u',
      [ENTERPRISE_USER_SCHEMA]: { department: 'Retail', manager: { value: 'm' } },
    });
  });

  it('drops unknown attributes, unknown URN keys and read-only sub-attributes (manager.displayName)', () => {
    const result = parseResourceInput(
      'User',
      {
        userName: 'u',
        shoeSize: 44,
        'urn:example:unknown:2.0:User': { a: 1 },
        'urn:example:unknown:2.0:User:a': 1,
        name: { givenName: 'G', nickname: 'x' },
        [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm', displayName: 'Boss' }, unknown: 1 },
      },
      registry,
    );
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'u',
      name: { givenName: 'G' },
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm' } },
    });
  });

  it('never lets prototype-pollution keys through', () => {
    const body = JSON.parse(
      '{"userName":"u","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"name":{"__proto__":{"polluted":true},"givenName":"G"},' +
        '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"__proto__":{"x":1},"department":"D"}}',
    );
    const result = parseResourceInput('User', body, registry);
    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'u',
      name: { givenName: 'G' },
      [ENTERPRISE_USER_SCHEMA]: { department: 'D' },
    });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('recomputes schemas from the content: a client-sent list is checked for the core schema, then replaced', () => {
    const result = parseResourceInput(
      'User',
      {
        schemas: [USER_SCHEMA.toUpperCase(), 'urn:bogus'],
        userName: 'u',
        [ENTERPRISE_USER_SCHEMA]: { costCenter: 'C' },
      },
      registry,
    );
    expect(result.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    const bare = parseResourceInput('User', { userName: 'u' }, registry);
    expect(bare.schemas).toEqual([USER_SCHEMA]);
  });

  it('a schemas list without the resource type’s core schema is 400 (a Group body sent to /Users)', () => {
    for (const schemas of [
      ['urn:bogus'],
      ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      [],
      'urn:x',
      [7],
    ]) {
      expect(() => parseResourceInput('User', { schemas, userName: 'u' }, registry)).toThrow(
        expect.objectContaining({
          status: 400,
          scimType: 'invalidValue',
          message: `schemas must include ${USER_SCHEMA} for a User`,
        }),
      );
    }
    expect(() => parseResourceInput('Group', { schemas: [USER_SCHEMA], displayName: 'g' }, registry)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    // Attribute names are case-insensitive: SCHEMAS is checked too.
    expect(() => parseResourceInput('User', { SCHEMAS: ['urn:x'], userName: 'u' }, registry)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('a PATCHed stored resource is not refused for what was stored before the rules (two primaries)', () => {
    const stored = {
      schemas: [USER_SCHEMA],
      userName: 'old',
      emails: [
        { value: 'a@example.com', primary: true },
        { value: 'b@example.com', primary: true },
      ],
      active: false,
    };
    expect(parseResourceInput('User', stored, registry, { patched: true }).active).toBe(false);
    expect(() => parseResourceInput('User', stored, registry)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe('parseResourceInput: rejections name the attribute', () => {
  it.each([
    ['a JSON array', [{ userName: 'u' }]],
    ['a string', 'userName'],
    ['null', null],
    ['a number', 3],
  ])('answers 400 invalidSyntax when the body is %s', (_name, body) => {
    const error = rejection('User', body);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
  });

  it.each([
    ['User', {}, 'userName is required'],
    ['User', { userName: null }, 'userName is required'],
    ['User', { userName: '' }, 'userName must not be empty'],
    ['Group', { members: [] }, 'displayName is required'],
    ['User', { userName: 42 }, 'userName must be a string'],
    ['User', { userName: 'u', active: 'yes' }, 'active must be a boolean (true or false)'],
    ['User', { userName: 'u', active: 1 }, 'active must be a boolean (true or false)'],
    ['User', { userName: 'u', emails: { value: 'a@b.c' } }, 'emails must be an array'],
    ['User', { userName: 'u', emails: 'a@b.c' }, 'emails must be an array'],
    ['User', { userName: 'u', emails: ['a@b.c'] }, 'emails[0] must be an object'],
    [
      'User',
      { userName: 'u', emails: [{ value: 'a@b.c' }, { value: 7 }] },
      'emails[1].value must be a string',
    ],
    [
      'User',
      { userName: 'u', emails: [{ value: 'a', primary: 'maybe' }] },
      'emails[0].primary must be a boolean (true or false)',
    ],
    ['User', { userName: 'u', name: 'Jane Doe' }, 'name must be an object'],
    ['User', { userName: 'u', name: { givenName: ['G'] } }, 'name.givenName must be a string'],
    ['User', { userName: 'u', 'name.familyName': 1 }, 'name.familyName must be a string'],
    ['User', { userName: 'u', externalId: 12 }, 'externalId must be a string'],
    ['User', { userName: 'u', [ENTERPRISE_USER_SCHEMA]: 'x' }, `${ENTERPRISE_USER_SCHEMA} must be an object`],
    [
      'User',
      { userName: 'u', [ENTERPRISE_USER_SCHEMA]: { manager: { value: 5 } } },
      `${ENTERPRISE_USER_SCHEMA}:manager.value must be a string`,
    ],
    [
      'User',
      { userName: 'u', [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: true },
      `${ENTERPRISE_USER_SCHEMA}:employeeNumber must be a string`,
    ],
    [
      'Group',
      { displayName: 'g', members: [{ value: 'u1' }, { value: { id: 'u2' } }] },
      'members[1].value must be a string',
    ],
    ['Group', { displayName: 'g', members: { value: 'u1' } }, 'members must be an array'],
  ])('%s %j → 400 invalidValue "%s"', (resourceType, body, detail) => {
    const error = rejection(resourceType as 'User' | 'Group', body);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(detail);
  });

  it('rejects strings longer than 64 KiB', () => {
    const error = rejection('User', { userName: 'u', title: 'x'.repeat(65_537) });
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe('title must be at most 65536 characters long');
    expect(() =>
      parseResourceInput('User', { userName: 'u', title: 'x'.repeat(65_536) }, registry),
    ).not.toThrow();
  });

  it('never throws anything but a 4xx ScimError for arbitrary JSON bodies (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom('User' as const, 'Group' as const),
        (body, rt) => {
          try {
            const result = parseResourceInput(rt, body, registry);
            expect(Array.isArray(result.schemas)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ScimError);
            expect((error as ScimError).status).toBe(400);
          }
        },
      ),
      { seed: 7643, numRuns: 500 },
    );
  });

  it('never throws anything but a 400 ScimError for bodies made of known names with arbitrary values (property)', () => {
    const names = fc.constantFrom(
      'userName',
      'USERNAME',
      'name',
      'name.givenName',
      'emails',
      'active',
      'members',
      'displayName',
      'externalId',
      'meta',
      'groups',
      'schemas',
      '__proto__',
      'constructor',
      ENTERPRISE_USER_SCHEMA,
      `${ENTERPRISE_USER_SCHEMA}:manager`,
      `${ENTERPRISE_USER_SCHEMA}:manager.value`,
      'manager',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom('value', 'VALUE', 'type', 'primary', 'givenName', 'display', '$ref', '__proto__'),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      fc.array(
        fc.dictionary(fc.constantFrom('value', 'type', 'primary', 'display'), fc.jsonValue({ maxDepth: 1 })),
      ),
    );
    fc.assert(
      fc.property(
        fc.dictionary(names, value),
        fc.constantFrom('User' as const, 'Group' as const),
        (body, rt) => {
          try {
            const result = parseResourceInput(rt, body, registry);
            // Whatever is accepted validates again unchanged (the output is canonical).
            expect(parseResourceInput(rt, result, registry)).toEqual(result);
          } catch (error) {
            expect(error).toBeInstanceOf(ScimError);
            expect((error as ScimError).status).toBe(400);
          }
        },
      ),
      { seed: 3, numRuns: 1000 },
    );
  });

  it('accepts any well-typed User and returns what it was given, minus the dropped attributes, userName in the name profile (property)', () => {
    const email = fc.record(
      { value: fc.string(), type: fc.constantFrom('work', 'home'), primary: fc.boolean() },
      { requiredKeys: ['value'] },
    );
    const user = fc.record(
      {
        userName: fc.string({ minLength: 1 }),
        displayName: fc.string(),
        active: fc.boolean(),
        // RFC 7643 §2.4: at most one primary (two are refused, see below).
        emails: fc
          .array(email, { minLength: 1, maxLength: 3 })
          .filter((list) => list.filter((e) => e.primary === true).length <= 1),
        password: fc.string(),
        id: fc.uuid(),
      },
      { requiredKeys: ['userName'] },
    );
    fc.assert(
      fc.property(user, (body) => {
        let profiled: string;
        try {
          profiled = normaliseName('userName', body.userName);
        } catch (refusal) {
          // Outside the name profile (docs/NAMES.md): refused the same way, whatever else the body holds.
          expect(() => parseResourceInput('User', body, registry)).toThrow(
            expect.objectContaining({
              status: 400,
              scimType: 'invalidValue',
              message: (refusal as Error).message,
            }),
          );
          return;
        }
        const result = parseResourceInput('User', body, registry);
        const { password: _password, id: _id, ...kept } = body;
        expect(result).toEqual({ schemas: [USER_SCHEMA], ...kept, userName: profiled });
        expect(result).not.toHaveProperty('password');
        expect(result).not.toHaveProperty('id');
      }),
      { seed: 7644, numRuns: 300 },
    );
  });
});

it('two primary values of one attribute are refused (RFC 7643 §2.4), in core and extension attributes alike', () => {
  const twoPrimaries = [
    { value: 'a@example.com', primary: true },
    { value: 'b@example.com', primary: true },
  ];
  expect(() => parseResourceInput('User', { userName: 'p', emails: twoPrimaries }, registry)).toThrow(
    expect.objectContaining({
      status: 400,
      scimType: 'invalidValue',
      message: 'emails: "primary" may be true for at most one value (RFC 7643 §2.4)',
    }),
  );
  const onePrimary = [{ ...twoPrimaries[0] }, { value: 'b@example.com', primary: false }];
  expect(parseResourceInput('User', { userName: 'p', emails: onePrimary }, registry).emails).toEqual(
    onePrimary,
  );
  expect(() =>
    parseResourceInput(
      'User',
      {
        userName: 'p',
        phoneNumbers: [
          { value: '1', primary: true },
          { value: '2', primary: 'True' },
        ],
      },
      registry,
    ),
  ).toThrow(expect.objectContaining({ status: 400 }));
});

describe('parseResourceInput: configured extensions', () => {
  const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
  const ACME_GROUP = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';
  const custom = createSchemaRegistry({
    extensions: [
      {
        resourceType: 'User',
        schema: {
          id: ACME,
          name: 'AcmeUser',
          description: '',
          attributes: [
            { name: 'badgeNumber', type: 'integer' },
            { name: 'hiredAt', type: 'dateTime' },
            { name: 'secretCode', type: 'string', mutability: 'writeOnly', returned: 'never' },
          ],
        },
      },
      {
        resourceType: 'Group',
        required: true,
        schema: {
          id: ACME_GROUP,
          attributes: [{ name: 'costCenter', type: 'string', required: true }],
        },
      },
    ],
  });

  it('validates extension attributes by their configured types', () => {
    const ok = parseResourceInput(
      'User',
      { userName: 'u', [ACME]: { BadgeNumber: 12, hiredAt: '2026-01-31T09:00:00Z', secretCode: 's' } },
      custom,
    );
    expect(ok).toEqual({
      schemas: [USER_SCHEMA, ACME],
      userName: 'u',
      [ACME]: { badgeNumber: 12, hiredAt: '2026-01-31T09:00:00Z' },
    });
    const fromText = parseResourceInput('User', { userName: 'u', [`${ACME}:badgeNumber`]: ' 7 ' }, custom);
    expect(fromText[ACME]).toEqual({ badgeNumber: 7 });
    expect(() =>
      parseResourceInput('User', { userName: 'u', [ACME]: { badgeNumber: '7 apples' } }, custom),
    ).toThrow(`${ACME}:badgeNumber must be an integer`);
    expect(() => parseResourceInput('User', { userName: 'u', [ACME]: { badgeNumber: 1.5 } }, custom)).toThrow(
      `${ACME}:badgeNumber must be an integer`,
    );
    expect(() =>
      parseResourceInput('User', { userName: 'u', [ACME]: { hiredAt: 'yesterday' } }, custom),
    ).toThrow(`${ACME}:hiredAt must be an xsd:dateTime`);
  });

  it('requires a required extension and its required attributes', () => {
    expect(() => parseResourceInput('Group', { displayName: 'g' }, custom)).toThrow(
      `${ACME_GROUP} is required`,
    );
    expect(() =>
      parseResourceInput('Group', { displayName: 'g', [ACME_GROUP]: { costCenter: null } }, custom),
    ).toThrow(`${ACME_GROUP} is required`);
    expect(
      parseResourceInput('Group', { displayName: 'g', [`${ACME_GROUP}:costCenter`]: 'CC' }, custom),
    ).toEqual({ schemas: [GROUP_SCHEMA, ACME_GROUP], displayName: 'g', [ACME_GROUP]: { costCenter: 'CC' } });
  });
});
