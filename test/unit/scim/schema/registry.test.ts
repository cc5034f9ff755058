import {
  createSchemaRegistry,
  defaultSchemaRegistry,
  ENTERPRISE_USER_SCHEMA,
  type ExtensionInput,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../../lambdas/scim/schema/registry';

const registry = createSchemaRegistry();

describe('schema registry: resolution', () => {
  it('resolves core attributes case-insensitively to their canonical names', () => {
    const r = registry.resolve('User', { attribute: 'USERNAME' });
    expect(r?.attribute.name).toBe('userName');
    expect(r?.schema).toBe(USER_SCHEMA);
    expect(r?.extension).toBe(false);
    expect(r?.attribute.caseExact).toBe(false);
  });

  it('resolves sub-attributes and returns them from lookup (Entra: emails[type eq "work"].value)', () => {
    const lookup = registry.lookup('User');
    expect(lookup({ attribute: 'emails', subAttribute: 'TYPE' })?.name).toBe('type');
    expect(lookup({ attribute: 'emails' })?.multiValued).toBe(true);
    expect(lookup({ attribute: 'Name', subAttribute: 'givenName' })?.type).toBe('string');
    const r = registry.resolve('User', { attribute: 'name', subAttribute: 'FAMILYNAME' });
    expect(r?.attribute.name).toBe('name');
    expect(r?.subAttribute?.name).toBe('familyName');
  });

  it('returns undefined for unknown attributes and sub-attributes', () => {
    expect(registry.resolve('User', { attribute: 'shoeSize' })).toBeUndefined();
    expect(registry.resolve('User', { attribute: 'name', subAttribute: 'nickname' })).toBeUndefined();
    expect(registry.resolve('User', { attribute: 'userName', subAttribute: 'x' })).toBeUndefined();
    expect(registry.lookup('Group')({ attribute: 'userName' })).toBeUndefined();
  });

  it('resolves enterprise attributes unqualified and URN-qualified (Entra: urn:…:enterprise:2.0:User:employeeNumber)', () => {
    const plain = registry.resolve('User', { attribute: 'employeeNumber' });
    expect(plain).toMatchObject({ schema: ENTERPRISE_USER_SCHEMA, extension: true });
    const qualified = registry.resolve('User', {
      schema: ENTERPRISE_USER_SCHEMA.toUpperCase(),
      attribute: 'MANAGER',
      subAttribute: 'value',
    });
    expect(qualified?.attribute.name).toBe('manager');
    expect(qualified?.subAttribute?.name).toBe('value');
    expect(qualified?.schema).toBe(ENTERPRISE_USER_SCHEMA);
    // A core attribute asked for under the extension URN does not exist there.
    expect(
      registry.resolve('User', { schema: ENTERPRISE_USER_SCHEMA, attribute: 'userName' }),
    ).toBeUndefined();
    // Groups have no enterprise extension.
    expect(registry.resolve('Group', { attribute: 'employeeNumber' })).toBeUndefined();
  });

  it('resolves the common attributes id, externalId, meta.* and schemas', () => {
    const lookup = registry.lookup('Group');
    expect(lookup({ attribute: 'id' })).toMatchObject({
      caseExact: true,
      returned: 'always',
      mutability: 'readOnly',
    });
    expect(lookup({ attribute: 'EXTERNALID' })).toMatchObject({ name: 'externalId', caseExact: true });
    expect(lookup({ attribute: 'meta', subAttribute: 'lastModified' })?.type).toBe('dateTime');
    expect(lookup({ attribute: 'meta', subAttribute: 'created' })?.type).toBe('dateTime');
    expect(lookup({ attribute: 'meta', subAttribute: 'version' })?.name).toBe('version');
    expect(lookup({ attribute: 'meta', subAttribute: 'resourceType' })?.name).toBe('resourceType');
    expect(lookup({ attribute: 'meta', subAttribute: 'location' })?.type).toBe('reference');
    expect(lookup({ attribute: 'schemas' })?.multiValued).toBe(true);
    const qualified = registry.resolve('Group', { schema: GROUP_SCHEMA, attribute: 'id' });
    expect(qualified).toMatchObject({ common: true, schema: GROUP_SCHEMA });
  });

  it('parses written attribute names into paths', () => {
    expect(registry.parsePath('User', 'name.givenName')).toEqual({
      attribute: 'name',
      subAttribute: 'givenName',
    });
    expect(registry.parsePath('User', `${ENTERPRISE_USER_SCHEMA}:manager.value`)).toEqual({
      schema: ENTERPRISE_USER_SCHEMA,
      attribute: 'manager',
      subAttribute: 'value',
    });
    expect(registry.parsePath('User', `${USER_SCHEMA.toLowerCase()}:userName`)).toEqual({
      schema: USER_SCHEMA,
      attribute: 'userName',
    });
    expect(registry.parsePath('User', ENTERPRISE_USER_SCHEMA)).toEqual({
      schema: ENTERPRISE_USER_SCHEMA,
      attribute: '',
    });
    // An unknown URN keeps its schema, so it cannot be mistaken for a core attribute.
    const unknown = registry.parsePath('User', 'urn:example:other:2.0:User:userName');
    expect(unknown).toEqual({ schema: 'urn:example:other:2.0:User', attribute: 'userName' });
    expect(registry.resolve('User', unknown)).toBeUndefined();
  });

  it('tolerates a dotted name passed as one attribute', () => {
    expect(registry.resolve('User', { attribute: 'name.givenName' })?.subAttribute?.name).toBe('givenName');
  });

  it('serves the schemas and resource types', () => {
    expect(registry.schemas().map((s) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    expect(registry.schema(GROUP_SCHEMA.toUpperCase())?.name).toBe('Group');
    expect(registry.schema('urn:nope')).toBeUndefined();
    expect(registry.resourceType('User')).toMatchObject({
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
    });
    expect(registry.resourceType('Group').schemaExtensions).toEqual([]);
  });

  it('defines the RFC 7643 §4 attributes with their characteristics', () => {
    const user = registry.schema(USER_SCHEMA);
    const names = user?.attributes.map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'userName',
        'name',
        'displayName',
        'nickName',
        'profileUrl',
        'title',
        'userType',
        'preferredLanguage',
        'locale',
        'timezone',
        'active',
        'password',
        'emails',
        'phoneNumbers',
        'ims',
        'photos',
        'addresses',
        'groups',
        'entitlements',
        'roles',
        'x509Certificates',
      ]),
    );
    const lookup = registry.lookup('User');
    expect(lookup({ attribute: 'groups' })?.mutability).toBe('readOnly');
    expect(lookup({ attribute: 'groups', subAttribute: '$ref' })?.type).toBe('reference');
    expect(lookup({ attribute: 'addresses' })?.subAttributes?.map((s) => s.name)).toEqual([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
    expect(lookup({ attribute: 'x509Certificates', subAttribute: 'value' })?.type).toBe('binary');
    expect(lookup({ attribute: 'manager', subAttribute: 'displayName' })?.mutability).toBe('readOnly');
    expect(registry.lookup('Group')({ attribute: 'displayName' })?.required).toBe(true);
    expect(registry.lookup('Group')({ attribute: 'members', subAttribute: 'value' })?.mutability).toBe(
      'immutable',
    );
  });
});

describe('schema registry: configured extensions', () => {
  const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
  const ACME_GROUP = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';
  const extensions: ExtensionInput[] = [
    {
      resourceType: 'User',
      schema: {
        id: ACME,
        name: 'AcmeUser',
        description: 'Acme fields',
        attributes: [
          { name: 'badgeNumber', type: 'integer' },
          { name: 'clearance', type: 'string', caseExact: true, canonicalValues: ['low', 'high'] },
          { name: 'hiredAt', type: 'dateTime' },
          { name: 'secretCode', type: 'string', mutability: 'writeOnly', returned: 'never' },
          { name: 'costCode', type: 'string', returned: 'request' },
          {
            name: 'badges',
            type: 'complex',
            multiValued: true,
            subAttributes: [
              { name: 'value', type: 'string' },
              { name: 'issued', type: 'boolean' },
            ],
          },
        ],
      },
    },
    {
      resourceType: 'Group',
      required: true,
      schema: { id: ACME_GROUP, attributes: [{ name: 'costCenter', type: 'string', required: true }] },
    },
  ];

  it('adds extensions to the resource types, fills RFC 7643 §2.2 defaults, and resolves their attributes', () => {
    const r = createSchemaRegistry({ extensions });
    expect(r.resourceType('User').schemaExtensions).toEqual([
      { schema: ENTERPRISE_USER_SCHEMA, required: false },
      { schema: ACME, required: false },
    ]);
    expect(r.resourceType('Group').schemaExtensions).toEqual([{ schema: ACME_GROUP, required: true }]);
    expect(r.schemas().map((s) => s.id)).toContain(ACME);
    expect(r.lookup('User')({ attribute: 'BADGENUMBER' })).toMatchObject({
      name: 'badgeNumber',
      type: 'integer',
      multiValued: false,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    expect(
      r.resolve('User', { schema: ACME, attribute: 'badges', subAttribute: 'issued' })?.subAttribute?.type,
    ).toBe('boolean');
    expect(r.schema(ACME_GROUP)?.name).toBe('Group');
  });

  it('builds the default registry from SCIM_SCHEMA_EXTENSIONS and memoizes it', () => {
    const env = { SCIM_SCHEMA_EXTENSIONS: JSON.stringify(extensions) };
    const a = defaultSchemaRegistry(env);
    expect(defaultSchemaRegistry(env)).toBe(a);
    expect(a.schema(ACME)).toBeDefined();
    const plain = defaultSchemaRegistry({});
    expect(plain.schema(ACME)).toBeUndefined();
  });

  it.each([
    ['invalid JSON', '[{', /not valid JSON/],
    ['not an array', '{}', /must be a JSON array/],
    [
      'bad resource type',
      JSON.stringify([{ resourceType: 'Device', schema: { id: ACME, attributes: [] } }]),
      /resourceType/,
    ],
    [
      'bad URN',
      JSON.stringify([
        { resourceType: 'User', schema: { id: 'acme', attributes: [{ name: 'a', type: 'string' }] } },
      ]),
      /schema URN/,
    ],
    [
      'no attributes',
      JSON.stringify([{ resourceType: 'User', schema: { id: ACME, attributes: [] } }]),
      /non-empty array/,
    ],
    [
      'bad attribute name',
      JSON.stringify([
        { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'bad name', type: 'string' }] } },
      ]),
      /attributes\[0\]\.name/,
    ],
    [
      'unknown type',
      JSON.stringify([
        { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'a', type: 'date' }] } },
      ]),
      /attributes\[0\]\.type/,
    ],
    [
      'duplicate name',
      JSON.stringify([
        {
          resourceType: 'User',
          schema: {
            id: ACME,
            attributes: [
              { name: 'a', type: 'string' },
              { name: 'A', type: 'string' },
            ],
          },
        },
      ]),
      /defined twice/,
    ],
    [
      'complex in complex',
      JSON.stringify([
        {
          resourceType: 'User',
          schema: {
            id: ACME,
            attributes: [
              {
                name: 'a',
                type: 'complex',
                subAttributes: [
                  { name: 'b', type: 'complex', subAttributes: [{ name: 'c', type: 'string' }] },
                ],
              },
            ],
          },
        },
      ]),
      /cannot be complex/,
    ],
    [
      'complex without sub-attributes',
      JSON.stringify([
        { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'a', type: 'complex' }] } },
      ]),
      /subAttributes/,
    ],
    [
      'bad mutability',
      JSON.stringify([
        {
          resourceType: 'User',
          schema: { id: ACME, attributes: [{ name: 'a', type: 'string', mutability: 'sometimes' }] },
        },
      ]),
      /mutability/,
    ],
    [
      'reserved name',
      JSON.stringify([
        { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'id', type: 'string' }] } },
      ]),
      /common attribute/,
    ],
    [
      'prototype name',
      JSON.stringify([
        { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'constructor', type: 'string' }] } },
      ]),
      /constructor/,
    ],
    [
      'redefined core URN',
      JSON.stringify([
        { resourceType: 'User', schema: { id: USER_SCHEMA, attributes: [{ name: 'a', type: 'string' }] } },
      ]),
      /already defined/,
    ],
  ])('rejects a configuration with %s at start-up, naming the problem', (_name, text, message) => {
    expect(() => defaultSchemaRegistry({ SCIM_SCHEMA_EXTENSIONS: text })).toThrow(message);
  });
});
