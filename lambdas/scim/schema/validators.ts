/**
 * The input validator of each resource type: ajv validating the JSON Schema that json-schema.ts
 * generates from the registry. Where the validate functions come from depends on how the code runs:
 *  - in a Lambda bundle, esbuild aliases `scim-validators` to code ajv generated at build time
 *    (standalone mode, lib/validators-build.ts) for the stack's registry, extensions included:
 *    the bundle carries ajv's small runtime helpers but not its compiler;
 *  - from source (tsx, jest), tsconfig `paths` and jest's moduleNameMapper resolve it to
 *    compile-at-start.ts, which compiles with ajv on first use.
 * Both use the same schemas and options, so a client sees the same first error either way. A
 * precompiled module refuses a schema whose fingerprint differs from the one it was built for
 * (SCIM_SCHEMA_EXTENSIONS changed on the function without a redeploy).
 */
import { validatorFor } from 'scim-validators';
import type { ResourceTypeName } from '../meta';
import { resourceJsonSchema } from './json-schema';
import type { SchemaRegistry } from './registry';
import { type AjvValidate, type SchemaValidationError, schemaFingerprint } from './validator-contract';

export type { SchemaValidationError };

/** Returns the first error, or undefined when the value is valid. */
export type ResourceValidator = (data: unknown) => SchemaValidationError | undefined;

const cache = new WeakMap<SchemaRegistry, Map<ResourceTypeName, ResourceValidator>>();

/** The validator of one resource type of this registry, made once per registry and type. */
export function resourceValidator(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
): ResourceValidator {
  let perType = cache.get(registry);
  if (!perType) {
    perType = new Map();
    cache.set(registry, perType);
  }
  let validator = perType.get(resourceType);
  if (!validator) {
    const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
    validator = firstError(validatorFor(resourceType, schema, schemaFingerprint(schema)));
    perType.set(resourceType, validator);
  }
  return validator;
}

function firstError(validate: AjvValidate): ResourceValidator {
  return (data) => {
    if (validate(data)) return undefined;
    const error = validate.errors?.[0];
    if (!error) throw new Error('ajv rejected a value without reporting an error');
    return error;
  };
}
