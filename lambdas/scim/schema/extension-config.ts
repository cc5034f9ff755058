/**
 * Checks and completes operator-supplied schema extensions (env SCIM_SCHEMA_EXTENSIONS) before
 * the registry accepts them. A bad extension must stop the service at start-up with a message
 * naming the offending field, not surface later as odd validation or 500s on live traffic.
 * Hand-written rather than an ajv meta-schema: the rules (RFC 7643 §2.1 name grammar, §2.3.8
 * "no complex within complex", uniqueness of names, reserved common names) are relational and
 * the messages must point at one field.
 */
import type { ResourceTypeName } from '../meta';
import { attribute } from './attribute-builders';
import type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  Returned,
  SchemaDefinition,
  Uniqueness,
} from './types';

export interface ExtensionConfig {
  readonly resourceType: ResourceTypeName;
  readonly schema: SchemaDefinition;
  /** RFC 7643 §6 schemaExtensions.required: resources must carry the extension. */
  readonly required?: boolean;
}

const TYPES: readonly AttributeType[] = [
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'reference',
  'complex',
  'binary',
];
const MUTABILITIES: readonly Mutability[] = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
const RETURNED: readonly Returned[] = ['always', 'never', 'default', 'request'];
const UNIQUENESS: readonly Uniqueness[] = ['none', 'server', 'global'];

/** RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); "$ref" is allowed for sub-attributes (§2.3.7). */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** RFC 8141 shape: urn:<NID>:<NSS>, the NSS without whitespace. */
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/i;
/** Names resolved without a schema prefix as common attributes (RFC 7643 §3.1). */
const RESERVED = new Set(['id', 'externalid', 'meta', 'schemas']);
/** Never used as keys of resource objects (prototype pollution). */
const FORBIDDEN_NAMES = new Set(['constructor', 'prototype', '__proto__']);

/**
 * An extension as written in configuration: only `name` and `type` are needed per attribute;
 * other characteristics default per RFC 7643 §2.2.
 */
export interface ExtensionInput {
  readonly resourceType: ResourceTypeName;
  readonly required?: boolean;
  readonly schema: {
    readonly id: string;
    readonly name?: string;
    readonly description?: string;
    readonly attributes: readonly AttributeInput[];
  };
}

type AttributeInput = Partial<Omit<AttributeDefinition, 'subAttributes'>> &
  Pick<AttributeDefinition, 'name' | 'type'> & { readonly subAttributes?: readonly AttributeInput[] };

/** Parses the SCIM_SCHEMA_EXTENSIONS value; throws an Error naming the problem. */
export function parseExtensionsConfig(
  text: string | undefined,
  source = 'SCIM_SCHEMA_EXTENSIONS',
): ExtensionConfig[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source} must be a JSON array of extensions`);
  return parsed.map((entry, i) => validateExtension(entry, `${source}[${i}]`));
}

/** Validates one extension (from config or code) and fills RFC 7643 §2.2 defaults. */
export function validateExtension(entry: unknown, where = 'extension'): ExtensionConfig {
  const obj = record(entry, where);
  const resourceType = obj.resourceType;
  if (resourceType !== 'User' && resourceType !== 'Group') {
    throw new Error(`${where}.resourceType must be "User" or "Group"`);
  }
  if (obj.required !== undefined && typeof obj.required !== 'boolean') {
    throw new Error(`${where}.required must be a boolean`);
  }
  const schemaObj = record(obj.schema, `${where}.schema`);
  const id = schemaObj.id;
  if (typeof id !== 'string' || !URN.test(id)) {
    throw new Error(
      `${where}.schema.id must be a schema URN such as "urn:example:params:scim:schemas:extension:acme:2.0:User"`,
    );
  }
  const name = optionalString(schemaObj, 'name', `${where}.schema`) ?? id.split(':').pop() ?? id;
  const description = optionalString(schemaObj, 'description', `${where}.schema`) ?? '';
  if (!Array.isArray(schemaObj.attributes) || schemaObj.attributes.length === 0) {
    throw new Error(`${where}.schema.attributes must be a non-empty array`);
  }
  const attributes = attributeList(schemaObj.attributes, `${where}.schema.attributes`, false);
  for (const a of attributes) {
    if (RESERVED.has(a.name.toLowerCase())) {
      throw new Error(
        `${where}.schema.attributes: "${a.name}" is a common attribute name (RFC 7643 §3.1) and cannot be redefined`,
      );
    }
  }
  return {
    resourceType,
    required: obj.required === true,
    schema: { id, name, description, attributes },
  };
}

function attributeList(items: unknown[], where: string, nested: boolean): AttributeDefinition[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const def = attributeDefinition(item, `${where}[${i}]`, nested);
    const key = def.name.toLowerCase();
    if (seen.has(key))
      throw new Error(`${where}[${i}].name "${def.name}" is defined twice (names are case-insensitive)`);
    seen.add(key);
    return def;
  });
}

function attributeDefinition(item: unknown, where: string, nested: boolean): AttributeDefinition {
  const obj = record(item, where);
  const name = obj.name;
  if (typeof name !== 'string' || !(ATTRIBUTE_NAME.test(name) || (nested && name === '$ref'))) {
    throw new Error(
      `${where}.name must match RFC 7643 §2.1 ATTRNAME (a letter, then letters, digits, "-" or "_")`,
    );
  }
  if (FORBIDDEN_NAMES.has(name.toLowerCase())) {
    throw new Error(`${where}.name "${name}" is not allowed (a JavaScript object property name)`);
  }
  const type = oneOf(obj, 'type', TYPES, `${where}`, undefined);
  if (type === undefined) throw new Error(`${where}.type is required (one of ${TYPES.join(', ')})`);
  let subAttributes: AttributeDefinition[] | undefined;
  if (type === 'complex') {
    if (nested) throw new Error(`${where}: a sub-attribute cannot be complex (RFC 7643 §2.3.8)`);
    if (!Array.isArray(obj.subAttributes) || obj.subAttributes.length === 0) {
      throw new Error(`${where}.subAttributes must be a non-empty array for a complex attribute`);
    }
    subAttributes = attributeList(obj.subAttributes, `${where}.subAttributes`, true);
  } else if (obj.subAttributes !== undefined) {
    throw new Error(`${where}.subAttributes is only allowed when type is "complex"`);
  }
  const canonicalValues = stringArray(obj, 'canonicalValues', where);
  const referenceTypes = stringArray(obj, 'referenceTypes', where);
  const description = optionalString(obj, 'description', where);
  return attribute(name, type, {
    multiValued: optionalBoolean(obj, 'multiValued', where),
    required: optionalBoolean(obj, 'required', where),
    caseExact: optionalBoolean(obj, 'caseExact', where),
    mutability: oneOf(obj, 'mutability', MUTABILITIES, where, 'readWrite'),
    returned: oneOf(obj, 'returned', RETURNED, where, 'default'),
    uniqueness: oneOf(obj, 'uniqueness', UNIQUENESS, where, 'none'),
    ...(description !== undefined ? { description } : {}),
    ...(canonicalValues ? { canonicalValues } : {}),
    ...(referenceTypes ? { referenceTypes } : {}),
    ...(subAttributes ? { subAttributes } : {}),
  });
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`${where}.${key} must be a string`);
  return value;
}

function optionalBoolean(obj: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new Error(`${where}.${key} must be a boolean`);
  return value;
}

function stringArray(obj: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new Error(`${where}.${key} must be an array of strings`);
  }
  return value as string[];
}

function oneOf<T extends string, D extends T | undefined>(
  obj: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  where: string,
  fallback: D,
): T | D {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new Error(`${where}.${key} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
