/**
 * The Lambda bundles validate resource bodies with json-schema-validator.ts instead of ajv. The
 * promise is that nothing a client sees changes: for every schema the registry can generate
 * (built-in User and Group, EnterpriseUser, and any operator extension) and every body, the
 * first error — keyword, JSON Pointer, params, message — is the one ajv would report. ajv, kept
 * as a devDependency, is the oracle here.
 */
import { Ajv, type ErrorObject } from 'ajv';
import fc from 'fast-check';
import type { ExtensionInput } from '../../../../lambdas/scim/schema/extension-config';
import { type JsonSchemaNode, resourceJsonSchema } from '../../../../lambdas/scim/schema/json-schema';
import { compileSchema } from '../../../../lambdas/scim/schema/json-schema-validator';
import { createSchemaRegistry, type ResourceTypeName } from '../../../../lambdas/scim/schema/registry';
import type { AttributeType, Mutability } from '../../../../lambdas/scim/schema/types';

/** ajv exactly as resource-input.ts configured it before the switch. */
function ajvFirstError(schema: JsonSchemaNode, data: unknown) {
  const validate = new Ajv({ allErrors: false, strict: true }).compile(schema);
  return validate(data) ? undefined : pick(validate.errors?.[0] as ErrorObject);
}

function pick({ keyword, instancePath, params, message }: ErrorObject) {
  return { keyword, instancePath, params, message };
}

function ourFirstError(schema: JsonSchemaNode, data: unknown) {
  const error = compileSchema(schema)(data);
  return error && { ...error, params: { ...error.params } };
}

// --- schemas: what the registry generates, with random operator extensions --------------------

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

const generatedSchema = fc
  .record({
    resourceType: fc.constantFrom<ResourceTypeName>('User', 'Group'),
    count: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ resourceType, count }) =>
    fc
      .tuple(...Array.from({ length: count }, (_, i) => extensionInput(resourceType, i)))
      .map((extensions) =>
        resourceJsonSchema(createSchemaRegistry({ extensions }).resourceSchemas(resourceType)),
      ),
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

function valueFor(node: JsonSchemaNode): fc.Arbitrary<unknown> {
  const shaped = shapedValueFor(node);
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: junk });
}

function shapedValueFor(node: JsonSchemaNode): fc.Arbitrary<unknown> {
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
      return fc.array(valueFor(node.items as JsonSchemaNode), { maxLength: 3 });
    case 'object': {
      const properties = Object.entries((node.properties ?? {}) as Record<string, JsonSchemaNode>);
      return fc
        .tuple(
          ...properties.map(([name, schema]) =>
            fc.option(
              valueFor(schema).map((value) => [name, value] as const),
              { freq: 2 },
            ),
          ),
          fc.option(fc.tuple(fc.constantFrom('unknown', 'extra'), junk), { freq: 3 }),
        )
        .chain((entries) =>
          // Object key order must not matter: ajv walks the schema's order, not the body's.
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

describe('json-schema-validator reports what ajv reports', () => {
  it('first error (keyword, instancePath, params, message) matches ajv on generated registries and bodies', () => {
    fc.assert(
      fc.property(
        generatedSchema.chain((schema) =>
          fc.tuple(fc.constant(schema), fc.array(valueFor(schema), { minLength: 1, maxLength: 8 })),
        ),
        ([schema, bodies]) => {
          // One compile per schema on each side (ajv's compile is the slow part of this test).
          const ours = compileSchema(schema);
          const validate = new Ajv({ allErrors: false, strict: true }).compile(schema);
          for (const data of bodies) {
            const expected = validate(data) ? undefined : pick(validate.errors?.[0] as ErrorObject);
            const actual = ours(data);
            expect(actual && { ...actual, params: { ...actual.params } }).toEqual(expected);
          }
        },
      ),
      { seed: 20261123, numRuns: 250 },
    );
  });

  it('the built-in User schema: a required attribute missing is reported before a wrong type elsewhere', () => {
    const schema = resourceJsonSchema(createSchemaRegistry().resourceSchemas('User'));
    const body = { active: 'yes' };
    expect(ourFirstError(schema, body)).toEqual(ajvFirstError(schema, body));
    expect(ourFirstError(schema, body)).toMatchObject({
      keyword: 'required',
      params: { missingProperty: 'userName' },
    });
  });

  it('lengths are counted in code points: 65,536 emoji pass, one more fails, as in ajv', () => {
    const schema = resourceJsonSchema(createSchemaRegistry().resourceSchemas('User'));
    for (const displayName of [ASTRAL_AT_LIMIT, ASTRAL_OVER, LONG]) {
      const body = { userName: 'u', displayName };
      expect(ourFirstError(schema, body)).toEqual(ajvFirstError(schema, body));
    }
    expect(ourFirstError(schema, { userName: 'u', displayName: ASTRAL_AT_LIMIT })).toBeUndefined();
  });

  it('a property named with "/" or "~" is reported under its RFC 6901 escaped pointer', () => {
    const schema = { type: 'object', properties: { 'a/b~c': { type: 'string' } } };
    const data = { 'a/b~c': 1 };
    expect(ourFirstError(schema, data)).toEqual(ajvFirstError(schema, data));
    expect(ourFirstError(schema, data)?.instancePath).toBe('/a~1b~0c');
  });

  it('refuses a keyword it does not implement, as ajv strict mode refuses unknown ones', () => {
    expect(() => compileSchema({ type: 'object', additionalProperties: false })).toThrow(
      /additionalProperties/,
    );
    expect(() => compileSchema({ type: ['string', 'null'] })).toThrow(/type/);
    expect(() => compileSchema({ type: 'string', maxLength: -1 })).toThrow(/maxLength/);
  });
});
