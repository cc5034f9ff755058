/**
 * Validates a value against the JSON Schemas that json-schema.ts generates, and reports the first
 * error exactly as ajv (draft-07, `allErrors: false`, `strict: true`) reports it: the same
 * keyword, instancePath, params and message, found in the same order.
 *
 * Why not ajv itself: ajv compiles schemas by generating and evaluating JavaScript, so its code
 * generator (~120 KB minified with fast-uri) must ship in every users/groups bundle and be loaded
 * at every cold start, and a compile costs milliseconds on the first request. Precompiling with
 * ajv's standalone mode does not remove it: operator extensions (SCIM_SCHEMA_EXTENSIONS) are only
 * known at start-up, so a runtime compiler would still be bundled. The generated schemas use
 * seven keywords (type, properties, required, items, maxLength, minLength, pattern), which a
 * small interpreter covers in full; anything else is refused when a schema is compiled, as ajv's
 * strict mode would, so json-schema.ts cannot grow a keyword that is silently ignored.
 *
 * Equivalence with ajv is a test, not a promise: test/unit/scim/schema/json-schema-validator.test.ts
 * runs ajv and this module side by side on generated registries and bodies (ajv stays a
 * devDependency for that purpose only).
 *
 * ajv's order, reproduced here: the type check first; then, for a string, maxLength, minLength,
 * pattern; for an array, each item in order; for an object, every `required` name in order and
 * only then `properties` in the schema's key order (ajv's validation vocabulary precedes its
 * applicator vocabulary). Lengths count Unicode code points (ajv's ucs2length) and patterns are
 * compiled with the `u` flag (ajv's unicodeRegExp default).
 */
import type { JsonSchemaNode } from './json-schema';

/** The fields of ajv's ErrorObject that callers read. */
export interface SchemaValidationError {
  readonly keyword: string;
  /** JSON Pointer (RFC 6901) of the failing value, '' for the root. */
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/** Returns the first error, or undefined when the value is valid. */
export type SchemaValidator = (data: unknown) => SchemaValidationError | undefined;

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

const JSON_TYPES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
]);
const KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'properties',
  'required',
  'items',
  'maxLength',
  'minLength',
  'pattern',
]);

type Check = (data: unknown, path: string) => SchemaValidationError | undefined;

/** Compiles once; throws on a schema outside the supported subset (a programming error). */
export function compileSchema(schema: JsonSchemaNode): SchemaValidator {
  const check = compileNode(schema, '#');
  return (data) => check(data, '');
}

function compileNode(node: JsonSchemaNode, where: string): Check {
  for (const key of Object.keys(node)) {
    if (!KEYWORDS.has(key)) throw new Error(`${where}: keyword "${key}" is not supported`);
  }
  const type = node.type === undefined ? undefined : jsonType(node.type, where);
  const stringChecks = compileStringKeywords(node, where);
  const items =
    node.items === undefined
      ? undefined
      : compileNode(schemaAt(node.items, `${where}/items`), `${where}/items`);
  const required = node.required === undefined ? [] : stringList(node.required, `${where}/required`);
  const properties = compileProperties(node.properties, `${where}/properties`);

  return (data, path) => {
    if (type !== undefined && !hasType(data, type)) {
      return { keyword: 'type', instancePath: path, params: { type }, message: `must be ${type}` };
    }
    if (typeof data === 'string') {
      for (const stringCheck of stringChecks) {
        const error = stringCheck(data, path);
        if (error) return error;
      }
      return undefined;
    }
    if (Array.isArray(data)) {
      if (!items) return undefined;
      for (let i = 0; i < data.length; i += 1) {
        const error = items(data[i], `${path}/${i}`);
        if (error) return error;
      }
      return undefined;
    }
    if (typeof data === 'object' && data !== null) {
      const object = data as Record<string, unknown>;
      for (const name of required) {
        if (object[name] === undefined) {
          return {
            keyword: 'required',
            instancePath: path,
            params: { missingProperty: name },
            message: `must have required property '${name}'`,
          };
        }
      }
      for (const [name, check] of properties) {
        const value = object[name];
        if (value === undefined) continue;
        const error = check(value, `${path}/${escapePointer(name)}`);
        if (error) return error;
      }
    }
    return undefined;
  };
}

function compileStringKeywords(
  node: JsonSchemaNode,
  where: string,
): ((data: string, path: string) => SchemaValidationError | undefined)[] {
  const checks: ((data: string, path: string) => SchemaValidationError | undefined)[] = [];
  if (node.maxLength !== undefined) {
    const limit = limitOf(node.maxLength, `${where}/maxLength`);
    checks.push((data, path) =>
      codePoints(data) > limit
        ? {
            keyword: 'maxLength',
            instancePath: path,
            params: { limit },
            message: `must NOT have more than ${limit} characters`,
          }
        : undefined,
    );
  }
  if (node.minLength !== undefined) {
    const limit = limitOf(node.minLength, `${where}/minLength`);
    checks.push((data, path) =>
      codePoints(data) < limit
        ? {
            keyword: 'minLength',
            instancePath: path,
            params: { limit },
            message: `must NOT have fewer than ${limit} characters`,
          }
        : undefined,
    );
  }
  if (node.pattern !== undefined) {
    if (typeof node.pattern !== 'string') throw new Error(`${where}/pattern must be a string`);
    const pattern = node.pattern;
    const regexp = new RegExp(pattern, 'u');
    checks.push((data, path) =>
      regexp.test(data)
        ? undefined
        : {
            keyword: 'pattern',
            instancePath: path,
            params: { pattern },
            message: `must match pattern "${pattern}"`,
          },
    );
  }
  return checks;
}

function compileProperties(value: unknown, where: string): [string, Check][] {
  if (value === undefined) return [];
  const properties = schemaAt(value, where);
  return Object.entries(properties).map(([name, schema]) => [
    name,
    compileNode(schemaAt(schema, `${where}/${name}`), `${where}/${name}`),
  ]);
}

function hasType(data: unknown, type: JsonType): boolean {
  switch (type) {
    case 'string':
      return typeof data === 'string';
    case 'boolean':
      return typeof data === 'boolean';
    // ajv's strictNumbers: NaN and ±Infinity are not numbers.
    case 'number':
      return typeof data === 'number' && Number.isFinite(data);
    case 'integer':
      return typeof data === 'number' && Number.isInteger(data);
    case 'array':
      return Array.isArray(data);
    case 'object':
      return typeof data === 'object' && data !== null && !Array.isArray(data);
    case 'null':
      return data === null;
  }
}

/** String length in Unicode code points: a surrogate pair counts once (ajv's ucs2length). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    count += 1;
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      if ((text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i += 1;
    }
  }
  return count;
}

/** RFC 6901 §3: `~` → `~0`, `/` → `~1`. */
function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function jsonType(value: unknown, where: string): JsonType {
  if (typeof value !== 'string' || !JSON_TYPES.has(value)) {
    throw new Error(`${where}/type must be one JSON type name`);
  }
  return value as JsonType;
}

function schemaAt(value: unknown, where: string): JsonSchemaNode {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be a schema object`);
  }
  return value as JsonSchemaNode;
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new Error(`${where} must be an array of strings`);
  }
  return value as string[];
}

function limitOf(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${where} must be a non-negative integer`);
  }
  return value;
}
