/**
 * Build-time input validators: compiles the JSON Schema of each resource type of a registry
 * (extensions included) with ajv and writes ajv's standalone code as the `scim-validators`
 * module of the Lambda bundles (lib/bundling.ts aliases the specifier to the written file).
 * The bundle then holds plain validate functions plus the runtime helpers that code requires
 * (ajv/dist/runtime/ucs2length), not ajv's compiler; docs/ARCHITECTURE.md has the sizes.
 *
 * The file is content-addressed under node_modules/.cache (ignored by git, tsc and biome), where
 * Node's resolution from it finds ajv's runtime helpers in the project's node_modules.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import {
  AJV_OPTIONS,
  type ResourceTypeName,
  resourceJsonSchema,
  type SchemaRegistry,
  schemaFingerprint,
} from '../lambdas/deployment';
import { type HandlerName, PROJECT_ROOT } from './bundling';

const VALIDATORS_CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'scim-validators');

const ALL_TYPES: readonly ResourceTypeName[] = ['User', 'Group'];

/**
 * The resource types whose bodies each handler validates: its bundle carries the validators of
 * exactly these, and asking for another fails by name.
 */
const VALIDATED_RESOURCE_TYPES: Readonly<Record<HandlerName, readonly ResourceTypeName[]>> = {
  users: ['User'],
  groups: ['Group'],
  discovery: [],
  console: [],
  activity: [],
  events: [],
  feed: [],
  'webhook-enqueue': [],
  'webhook-send': [],
  authorizer: [],
};

/**
 * CommonJS source of the module: ajv's standalone code (one export per resource type asked for)
 * and the module's `validatorFor`, which hands out a validator only for the schema it was built from.
 */
export function validatorsModuleSource(
  registry: SchemaRegistry,
  resourceTypes: readonly ResourceTypeName[] = ALL_TYPES,
): string {
  const ajv = new Ajv({
    ...AJV_OPTIONS,
    code: { source: true, esm: false, lines: false, optimize: true },
  });
  const fingerprints: Record<string, string> = {};
  for (const resourceType of resourceTypes) {
    const schema = resourceJsonSchema(registry.resourceSchemas(resourceType));
    fingerprints[resourceType] = schemaFingerprint(schema);
    ajv.addSchema(schema, resourceType);
  }
  const validators = standaloneCode(ajv, Object.fromEntries(resourceTypes.map((t) => [t, t])));
  return `${validators}
const fingerprints = ${JSON.stringify(fingerprints)};
exports.validatorFor = function validatorFor(resourceType, schema, fingerprint) {
  if (fingerprints[resourceType] === undefined) {
    throw new Error("This bundle has no " + resourceType + " validator (VALIDATED_RESOURCE_TYPES in lib/validators-build.ts lists what each handler validates)");
  }
  if (fingerprints[resourceType] !== fingerprint) {
    throw new Error("The " + resourceType + " schema differs from the one this bundle's validators were generated for (SCIM_SCHEMA_EXTENSIONS changed without a redeploy?)");
  }
  return exports[resourceType];
};
`;
}

/** Writes the module (once per content) and returns its absolute path. */
function writeValidatorsModule(
  registry: SchemaRegistry,
  resourceTypes: readonly ResourceTypeName[] = ALL_TYPES,
  dir: string = VALIDATORS_CACHE_DIR,
): string {
  const source = validatorsModuleSource(registry, resourceTypes);
  const file = join(dir, `${createHash('sha256').update(source).digest('hex').slice(0, 20)}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Parallel synths and test workers may write the same file: rename is atomic.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  return file;
}

/** The validators module to bundle into a handler (undefined when it validates nothing). */
export function handlerValidators(registry: SchemaRegistry, handler: HandlerName): string | undefined {
  const resourceTypes = VALIDATED_RESOURCE_TYPES[handler];
  return resourceTypes.length > 0 ? writeValidatorsModule(registry, resourceTypes) : undefined;
}
