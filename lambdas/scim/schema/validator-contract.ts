/**
 * What the two producers of input validators share: ajv's options, the fingerprint that ties a
 * precompiled validator to the JSON Schema it was generated from, and the shape of the module
 * behind the import specifier `scim-validators` (validators.ts explains who provides it).
 * No ajv code here (type imports only), so a Lambda bundle can import it freely.
 */
import { createHash } from 'node:crypto';
import type { Options } from 'ajv';
import type { ResourceTypeName } from '../meta';
import type { JsonSchemaNode } from './json-schema';

/** The import specifier that lib/bundling.ts aliases per bundle and tsconfig/jest map for source runs. */
export const VALIDATORS_SPECIFIER = 'scim-validators';

/**
 * Identical at build time and at start: draft-07, first error only, strict schemas (an unknown
 * keyword is a compile error), patterns with the `u` flag. Lengths count code points (ajv's
 * default since 8: its ucs2length runtime helper, the one module the generated code requires).
 * `inlineRefs: false` keeps each shared definition one function (json-schema.ts); `messages:
 * false` leaves ajv's English out: resource-input.ts writes its own details.
 */
export const AJV_OPTIONS = {
  allErrors: false,
  strict: true,
  unicodeRegExp: true,
  inlineRefs: false,
  messages: false,
} as const satisfies Options;

/** The fields of ajv's ErrorObject that callers read. */
export interface SchemaValidationError {
  readonly keyword: string;
  /** JSON Pointer (RFC 6901) of the failing value, '' for the root. */
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** An ajv validate function, compiled or standalone: on false, `errors[0]` is the first error. */
export interface AjvValidate {
  (data: unknown): boolean;
  errors?: readonly SchemaValidationError[] | null;
}

/** The export of the `scim-validators` module: the validate function for one resource type's schema. */
export type ValidatorFor = (
  resourceType: ResourceTypeName,
  schema: JsonSchemaNode,
  fingerprint: string,
) => AjvValidate;

/** sha-256 (hex) of the schema's JSON text: json-schema.ts builds it in a fixed key order. */
export function schemaFingerprint(schema: JsonSchemaNode): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}
