/**
 * The two producers of input validators agree: the module lib/validators-build.ts generates with
 * ajv's standalone code (what a Lambda bundle runs) and ajv compiling at start (what the local
 * server and the tests run) report the same first error (keyword, JSON Pointer, params) for every
 * registry the configuration can produce (built-ins, EnterpriseUser, random operator extensions)
 * and every body, which is also the error of the same schema with its shared definitions written
 * out (json-schema.ts). The cases below then pin what both report.
 */
import fc from 'fast-check';
import { validatorFor as compileAtStart } from '../../../../lambdas/scim/schema/compile-at-start';
import type { ExtensionInput } from '../../../../lambdas/scim/schema/extension-config';
import { type JsonSchemaNode, resourceJsonSchema } from '../../../../lambdas/scim/schema/json-schema';
import { validatorFor as noValidators } from '../../../../lambdas/scim/schema/no-validators';
import {
  createSchemaRegistry,
  type ResourceTypeName,
  type SchemaRegistry,
} from '../../../../lambdas/scim/schema/registry';
import type { AttributeType, Mutability } from '../../../../lambdas/scim/schema/types';
import {
  type AjvValidate,
  schemaFingerprint,
  type ValidatorFor,
} from '../../../../lambdas/scim/schema/validator-contract';
import { validatorsModuleSource } from '../../../../lib/validators-build';

/** Loads generated module source as Node would (its `require`s resolve from this project). */
function loadGenerated(source: string): ValidatorFor {
  const module = { exports: {} as { validatorFor?: ValidatorFor } };
  new Function('module', 'exports', 'require', source)(module, module.exports, require);
  if (!module.exports.validatorFor) throw new Error('generated module exports no validatorFor');
  return module.exports.validatorFor;
}

type Producer = (registry: SchemaRegistry, resourceType: ResourceTypeName) => AjvValidate;

const PRODUCERS: Record<'standalone (bundles)' | 'compiled at start (source)', Producer> = {
  'standalone (bundles)': (registry, resourceType) => {
    const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
    return loadGenerated(validatorsModuleSource(registry))(resourceType, schema, schemaFingerprint(schema));
  },
  'compiled at start (source)': (registry, resourceType) => {
    const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
    return compileAtStart(resourceType, schema, schemaFingerprint(schema));
  },
};

function firstError(validate: AjvValidate, data: unknown) {
  if (validate(data)) return undefined;
  const error = validate.errors?.[0];
  return error && { keyword: error.keyword, instancePath: error.instancePath, params: { ...error.params } };
}

// --- registries: the built-ins with random operator extensions --------------------------------

const TYPES: readonly AttributeType[] = [
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'reference',
  'binary',
];
const MUTABILITIES: readonly Mutability[] = ['readWrite', 'immutable', 'writeOnly', 'readOnly'];

const simpleAttribute = (name: string) =>
  fc.record({
    name: fc.constant(name),
    type: fc.constantFrom(...TYPES),
    multiValued: fc.boolean(),
    required: fc.boolean(),
    mutability: fc.constantFrom(...MUTABILITIES),
  });

const attributeInput = (name: string) =>
  fc.oneof(
    { weight: 3, arbitrary: simpleAttribute(name) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          multiValued: fc.boolean(),
          required: fc.boolean(),
          subAttributes: fc.uniqueArray(fc.constantFrom('alpha', 'beta', 'gamma', 'value'), {
            minLength: 1,
            maxLength: 3,
          }),
        })
        .chain(({ subAttributes, ...rest }) =>
          fc
            .tuple(...subAttributes.map(simpleAttribute))
            .map((subs) => ({ name, type: 'complex' as const, ...rest, subAttributes: subs })),
        ),
    },
  );

const extensionInput = (resourceType: ResourceTypeName, index: number): fc.Arbitrary<ExtensionInput> =>
  fc
    .record({
      required: fc.boolean(),
      names: fc.uniqueArray(fc.constantFrom('costCenter', 'badge', 'level', 'tags', 'hired', 'site'), {
        minLength: 1,
        maxLength: 4,
      }),
    })
    .chain(({ required, names }) =>
      fc.tuple(...names.map(attributeInput)).map((attributes) => ({
        resourceType,
        required,
        schema: {
          id: `urn:example:params:scim:schemas:extension:test${index}:2.0:${resourceType}`,
          attributes,
        },
      })),
    );

const generatedRegistry = fc
  .record({
    resourceType: fc.constantFrom<ResourceTypeName>('User', 'Group'),
    count: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ resourceType, count }) =>
    fc
      .tuple(...Array.from({ length: count }, (_, i) => extensionInput(resourceType, i)))
      .map((extensions) => ({ resourceType, registry: createSchemaRegistry({ extensions }) })),
  );

// --- bodies: mostly shaped like the schema, with wrong values anywhere ------------------------

const LONG = 'a'.repeat(65_537);
const ASTRAL_AT_LIMIT = '😀'.repeat(65_536); // 131,072 UTF-16 units, 65,536 code points
const ASTRAL_OVER = `${ASTRAL_AT_LIMIT}😀`;

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 5 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

const stringValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    '',
    'x',
    '2026-01-31T12:00:00Z',
    '2026-01-31T12:00:00.5+02:00',
    '2026-13-01T00:00:00Z',
    '31-01-2026',
    '\ud800',
    LONG,
    ASTRAL_AT_LIMIT,
    ASTRAL_OVER,
  ),
);

/** Follows `$ref: #/definitions/…` of the root (json-schema.ts shares repeated subschemas). */
function deref(node: JsonSchemaNode, root: JsonSchemaNode): JsonSchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const name = ref.replace('#/definitions/', '');
  return (root.definitions as Record<string, JsonSchemaNode>)[name] as JsonSchemaNode;
}

/** The schema without `definitions`: each `$ref` replaced by the definition it names. */
function inline(node: JsonSchemaNode, root: JsonSchemaNode): JsonSchemaNode {
  const { definitions: _shared, ...own } = deref(node, root);
  const out: JsonSchemaNode = { ...own };
  if (own.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(own.properties as Record<string, JsonSchemaNode>).map(([k, v]) => [k, inline(v, root)]),
    );
  }
  if (own.items !== undefined) out.items = inline(own.items as JsonSchemaNode, root);
  return out;
}

function valueFor(node: JsonSchemaNode, root: JsonSchemaNode): fc.Arbitrary<unknown> {
  const shaped = shapedValueFor(deref(node, root), root);
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: junk });
}

function shapedValueFor(node: JsonSchemaNode, root: JsonSchemaNode): fc.Arbitrary<unknown> {
  switch (node.type) {
    case 'string':
      return stringValue;
    case 'boolean':
      return fc.boolean();
    case 'number':
      return fc.oneof(fc.double(), fc.constantFrom(0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY));
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(1.5, 2 ** 53, Number.NaN, Number.NEGATIVE_INFINITY));
    case 'array':
      return fc.array(valueFor(node.items as JsonSchemaNode, root), { maxLength: 3 });
    case 'object': {
      const properties = Object.entries((node.properties ?? {}) as Record<string, JsonSchemaNode>);
      return fc
        .tuple(
          ...properties.map(([name, schema]) =>
            fc.option(
              valueFor(schema, root).map((value) => [name, value] as const),
              { freq: 2 },
            ),
          ),
          fc.option(fc.tuple(fc.constantFrom('unknown', 'extra'), junk), { freq: 3 }),
        )
        .chain((entries) =>
          fc.shuffledSubarray(
            entries.filter((e): e is readonly [string, unknown] => e !== null),
            { minLength: entries.filter((e) => e !== null).length },
          ),
        )
        .map((entries) => Object.fromEntries(entries));
    }
    default:
      throw new Error(`no generator for ${String(node.type)}`);
  }
}

describe('standalone (build-time) and compiled-at-start validators', () => {
  it('report the same first error on generated registries and bodies', () => {
    fc.assert(
      fc.property(
        generatedRegistry.chain(({ resourceType, registry }) => {
          const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
          return fc.tuple(
            fc.constant({ resourceType, registry }),
            fc.array(valueFor(schema, schema), { minLength: 1, maxLength: 8 }),
          );
        }),
        ([{ resourceType, registry }, bodies]) => {
          const standalone = PRODUCERS['standalone (bundles)'](registry, resourceType);
          const compiled = PRODUCERS['compiled at start (source)'](registry, resourceType);
          // The schema with every shared definition written out again: sharing changes no error.
          const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
          const unshared = compileAtStart(resourceType, inline(schema, schema), '');
          for (const data of bodies) {
            const expected = firstError(compiled, data);
            expect(firstError(standalone, data)).toEqual(expected);
            expect(firstError(unshared, data)).toEqual(expected);
          }
        },
      ),
      // Each run generates, evaluates and compiles both validators: fewer runs than bodies.
      { seed: 20261204, numRuns: 60 },
    );
  });

  it('a generated module refuses a schema other than the one it was built for', () => {
    const generated = loadGenerated(validatorsModuleSource(createSchemaRegistry()));
    const schema = resourceJsonSchema(createSchemaRegistry().resourceSchemas('User'));
    expect(() => generated('User', schema, schemaFingerprint(schema))).not.toThrow();
    const extended = createSchemaRegistry({
      extensions: [
        {
          resourceType: 'User',
          schema: {
            id: 'urn:example:params:scim:schemas:extension:acme:2.0:User',
            attributes: [{ name: 'badge', type: 'integer' }],
          },
        },
      ],
    });
    const changed = resourceJsonSchema(extended.resourceSchemas('User'));
    expect(() => generated('User', changed, schemaFingerprint(changed))).toThrow(
      /User schema differs from the one this bundle's validators were generated for/,
    );
  });

  it('a module generated for some resource types refuses the others by name', () => {
    const registry = createSchemaRegistry();
    const usersOnly = loadGenerated(validatorsModuleSource(registry, ['User']));
    const group = resourceJsonSchema(registry.resourceSchemas('Group'));
    expect(() => usersOnly('Group', group, schemaFingerprint(group))).toThrow(/no Group validator/);
  });

  it('a bundle built without generated validators fails by name when asked for one', () => {
    const schema = resourceJsonSchema(createSchemaRegistry().resourceSchemas('Group'));
    expect(() => noValidators('Group', schema, schemaFingerprint(schema))).toThrow(
      /no Group validator.*lib\/validators-build\.ts/,
    );
  });

  it('compiling at start refuses a keyword ajv does not know (strict mode)', () => {
    expect(() => compileAtStart('User', { type: 'object', colour: 'blue' }, '')).toThrow(/colour/);
  });
});

describe.each(Object.entries(PRODUCERS))('%s', (_name, produce) => {
  const registry = createSchemaRegistry();
  const user = produce(registry, 'User');

  it('a required attribute missing is reported before a wrong type elsewhere', () => {
    expect(firstError(user, { active: 'yes' })).toEqual({
      keyword: 'required',
      instancePath: '',
      params: { missingProperty: 'userName' },
    });
  });

  it('lengths are counted in code points: 65,536 emoji pass, one more fails', () => {
    expect(firstError(user, { userName: 'u', displayName: ASTRAL_AT_LIMIT })).toBeUndefined();
    for (const displayName of [ASTRAL_OVER, LONG]) {
      expect(firstError(user, { userName: 'u', displayName })).toEqual({
        keyword: 'maxLength',
        instancePath: '/displayName',
        params: { limit: 65_536 },
      });
    }
  });

  it('an error inside a shared definition names the full path of the value', () => {
    expect(firstError(user, { userName: 'u', emails: [{ value: 'a@b.c' }, { value: 7 }] })).toEqual({
      keyword: 'type',
      instancePath: '/emails/1/value',
      params: { type: 'string' },
    });
    expect(firstError(user, { userName: 'u', phoneNumbers: [{ primary: 'yes' }] })).toMatchObject({
      instancePath: '/phoneNumbers/0/primary',
      params: { type: 'boolean' },
    });
  });

  it('a dateTime must match xsd:dateTime; NaN and Infinity are not numbers', () => {
    const acme = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
    const custom = createSchemaRegistry({
      extensions: [
        {
          resourceType: 'User',
          schema: {
            id: acme,
            attributes: [
              { name: 'hiredAt', type: 'dateTime' },
              { name: 'score', type: 'decimal' },
            ],
          },
        },
      ],
    });
    const validate = produce(custom, 'User');
    expect(
      firstError(validate, { userName: 'u', [acme]: { hiredAt: '2026-01-31T12:00:00Z' } }),
    ).toBeUndefined();
    expect(firstError(validate, { userName: 'u', [acme]: { hiredAt: '31-01-2026' } })).toMatchObject({
      keyword: 'pattern',
      instancePath: `/${acme}/hiredAt`,
    });
    for (const score of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(firstError(validate, { userName: 'u', [acme]: { score } })).toMatchObject({
        keyword: 'type',
        params: { type: 'number' },
      });
    }
  });

  it('an extension URN with "/" or "~" is reported under its RFC 6901 escaped pointer', () => {
    const urn = 'urn:example:params:scim:schemas:extension:a/b~c:2.0:User';
    const custom = createSchemaRegistry({
      extensions: [
        { resourceType: 'User', schema: { id: urn, attributes: [{ name: 'code', type: 'string' }] } },
      ],
    });
    expect(firstError(produce(custom, 'User'), { userName: 'u', [urn]: { code: 1 } })).toEqual({
      keyword: 'type',
      instancePath: '/urn:example:params:scim:schemas:extension:a~1b~0c:2.0:User/code',
      params: { type: 'string' },
    });
  });
});

describe('json-schema.ts shares repeated subschemas', () => {
  it('the User schema defines each repeated subschema once and references it', () => {
    const schema = resourceJsonSchema(createSchemaRegistry().resourceSchemas('User'));
    const definitions = schema.definitions as Record<string, JsonSchemaNode>;
    expect(Object.keys(definitions).length).toBeGreaterThan(0);
    const properties = schema.properties as Record<string, JsonSchemaNode>;
    expect(properties.emails).toEqual(properties.phoneNumbers);
    expect(properties.emails).toHaveProperty('$ref');
    // No definition's text occurs twice.
    const texts = Object.values(definitions).map((d) => JSON.stringify(d));
    expect(new Set(texts).size).toBe(texts.length);
  });
});
