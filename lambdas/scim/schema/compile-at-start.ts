/**
 * `scim-validators` for code run from source (local server, tests, benchmarks, CLIs): compiles
 * each schema with ajv on first use. Never part of a Lambda bundle: lib/bundling.ts aliases the
 * specifier to precompiled code (or to no-validators.ts), and test/infra/bundles.test.ts checks
 * that neither this module nor ajv's compiler is in any bundle.
 */
import { Ajv } from 'ajv';
import type { ValidatorFor } from './validator-contract';
import { AJV_OPTIONS } from './validator-contract';

let ajv: Ajv | undefined;

export const validatorFor: ValidatorFor = (_resourceType, schema) => {
  ajv ??= new Ajv(AJV_OPTIONS);
  const validate = ajv.compile(schema);
  // The compiled function keeps what it needs; dropping ajv's cache entry frees the schema
  // when its registry goes (tests build many registries).
  ajv.removeSchema(schema);
  return validate;
};
