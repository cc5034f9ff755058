/**
 * Turns a POST/PUT body (or a PATCHed resource the services re-validate) into the canonical
 * resource the store keeps. Two passes:
 *
 * 1. Canonicalise: names matched case-insensitively and rewritten to the definitions' spelling;
 *    read-only, never-returned, unknown, null and empty values dropped; wrong types kept.
 * 2. Validate with ajv against the JSON Schema generated from the registry (json-schema.ts,
 *    validators.ts) and turn the first error into a SCIM 400 invalidValue naming the path.
 *
 * What Okta and Entra send that pass 1 tolerates, and why: docs/DECISIONS.md.
 */
import { badRequest } from '../errors';
import type { ResourceTypeName } from '../meta';
import { normaliseName } from '../names';
import { FORBIDDEN_KEYS, getCi, isPlainObject, type JsonObject } from './json';
import { isWritable, MAX_STRING_LENGTH } from './json-schema';
import type { SchemaRegistry } from './registry';
import type { AttributeDefinition } from './types';
import { resourceValidator, type SchemaValidationError } from './validators';

/** A validated, canonical resource body: no id, no meta, `schemas` recomputed. */
export type ScimResourceInput = JsonObject;

/**
 * `patched`: the body is a stored resource after a PATCH, not a client's: its `schemas` is the
 * stored one, and values stored before the one-primary rule are not refused (the PATCH engine
 * keeps one primary in what it writes), so such a user can still be deactivated.
 */
export function parseResourceInput(
  resourceType: ResourceTypeName,
  body: unknown,
  registry: SchemaRegistry,
  options: { readonly patched?: boolean } = {},
): ScimResourceInput {
  if (!isPlainObject(body)) {
    throw badRequest('invalidSyntax', `The request body must be a JSON object (a ${resourceType} resource)`);
  }
  if (!options.patched) assertCoreSchema(resourceType, getCi(body, 'schemas'), registry);
  const canonical = canonicalise(resourceType, body, registry);
  const error = resourceValidator(registry, resourceType)(canonical);
  if (error) throw badRequest('invalidValue', describeError(error, resourceType));
  const nameAttribute = NAME_ATTRIBUTE[resourceType];
  const name = canonical[nameAttribute];
  // The unique name is stored in the name profile's form (names.ts, docs/NAMES.md).
  if (typeof name === 'string') canonical[nameAttribute] = normaliseName(nameAttribute, name);
  const { core, extensions } = registry.resourceSchemas(resourceType);
  if (!options.patched) {
    assertOnePrimary(core.attributes, canonical, '');
    for (const { schema } of extensions) {
      const values = canonical[schema.id];
      if (isPlainObject(values)) assertOnePrimary(schema.attributes, values, `${schema.id}:`);
    }
  }
  const schemas = [core.id, ...extensions.map((e) => e.schema.id).filter((urn) => urn in canonical)];
  return { schemas, ...(canonical as JsonObject) };
}

/**
 * `schemas` (RFC 7643 §3) that is given must name the resource type's core schema: a Group
 * body sent to /Users is refused, not stored as a User. A body without `schemas` is accepted
 * (the schema is implied by the endpoint), and the stored list is recomputed either way.
 */
function assertCoreSchema(resourceType: ResourceTypeName, declared: unknown, registry: SchemaRegistry): void {
  if (declared === undefined || declared === null) return;
  const core = registry.resourceSchemas(resourceType).core.id;
  const names = Array.isArray(declared) ? declared : [declared];
  if (!names.some((urn) => typeof urn === 'string' && urn.toLowerCase() === core.toLowerCase())) {
    throw badRequest('invalidValue', `schemas must include ${core} for a ${resourceType}`);
  }
}

/** The attribute of each resource type that is unique per tenant. */
const NAME_ATTRIBUTE: Readonly<Record<ResourceTypeName, string>> = { User: 'userName', Group: 'displayName' };

// ---------------------------------------------------------------------------------------------
// Pass 1: canonicalisation

/** A value still to be validated: canonical where it had the right shape, raw otherwise. */
type Loose = unknown;

function canonicalise(
  resourceType: ResourceTypeName,
  body: Record<string, unknown>,
  registry: SchemaRegistry,
): Record<string, Loose> {
  const out: Record<string, Loose> = {};
  for (const [key, value] of Object.entries(body)) {
    if (FORBIDDEN_KEYS.has(key) || value === null || value === undefined) continue;
    const path = registry.parsePath(resourceType, key);
    if (path.schema !== undefined && path.attribute === '') {
      // The extension object itself: {"urn:…:enterprise:2.0:User": {...}}.
      const extension = registry.extension(resourceType, path.schema);
      if (!extension) continue; // the core URN or an unknown URN: nothing to fold in
      mergeInto(out, extension.id, canonicalComplex(extension.attributes, value));
      continue;
    }
    const resolved = registry.resolve(resourceType, { ...path, subAttribute: undefined });
    if (!resolved || !isWritable(resolved.attribute)) continue; // unknown, id, meta, groups, password…
    if (resolved.common && resolved.attribute.name === 'schemas') continue; // recomputed on output
    let target: Record<string, Loose> = out;
    if (resolved.extension) {
      const existing = out[resolved.schema];
      if (existing !== undefined && !isPlainObject(existing)) continue; // the invalid value is reported
      target = (existing as Record<string, Loose> | undefined) ?? {};
      out[resolved.schema] = target;
    }
    const attribute = resolved.attribute;
    if (path.subAttribute !== undefined) {
      // Dotted key `name.givenName`: only meaningful for a single-valued complex attribute.
      if (attribute.type !== 'complex' || attribute.multiValued) continue;
      mergeInto(
        target,
        attribute.name,
        canonicalComplex(attribute.subAttributes ?? [], { [path.subAttribute]: value }),
      );
    } else {
      mergeInto(target, attribute.name, canonicalValue(attribute, value));
    }
  }
  for (const [key, value] of Object.entries(out)) {
    if (isPlainObject(value) && Object.keys(value).length === 0) delete out[key];
  }
  return out;
}

/** Sets `key`, merging objects so `name` and `name.givenName` in one body combine. */
function mergeInto(target: Record<string, Loose>, key: string, value: Loose): void {
  if (value === undefined) return;
  const existing = target[key];
  if (isPlainObject(existing) && isPlainObject(value)) {
    target[key] = { ...existing, ...value };
  } else {
    target[key] = value;
  }
}

function canonicalValue(attribute: AttributeDefinition, value: unknown): Loose {
  if (value === null || value === undefined) return undefined;
  if (!attribute.multiValued) return canonicalSingle(attribute, value);
  if (!Array.isArray(value)) return value;
  const items = value.map((item) => canonicalSingle(attribute, item)).filter((item) => item !== undefined);
  return items.length > 0 ? items : undefined;
}

function canonicalSingle(attribute: AttributeDefinition, value: unknown): Loose {
  if (value === null || value === undefined) return undefined;
  if (attribute.type === 'complex') return canonicalComplex(attribute.subAttributes ?? [], value);
  if (attribute.type === 'boolean' && typeof value === 'string') {
    // Entra sends "True"/"False" for booleans (its default, non-flagged provisioning mode).
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  if ((attribute.type === 'integer' || attribute.type === 'decimal') && typeof value === 'string') {
    // The same clients send numbers of custom attributes as text; accept exact numerals only.
    const numeral = attribute.type === 'integer' ? /^-?\d{1,15}$/ : /^-?\d{1,15}(\.\d{1,15})?$/;
    if (numeral.test(value.trim())) return Number(value);
  }
  return value;
}

/** Canonical object of known, writable, assigned sub-attributes; undefined when none is left. */
function canonicalComplex(attributes: readonly AttributeDefinition[], value: unknown): Loose {
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) return value;
  const out: Record<string, Loose> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const lower = key.toLowerCase();
    const definition = attributes.find((a) => a.name.toLowerCase() === lower);
    if (!definition || !isWritable(definition)) continue;
    mergeInto(out, definition.name, canonicalValue(definition, raw));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Pass 2: validation

/**
 * RFC 7643 §2.4: "primary" is true for at most one value of a multi-valued attribute. A body
 * that marks two is refused rather than guessed at (PATCH, which the RFC lets decide, keeps the
 * value it wrote: patch/apply.ts).
 */
function assertOnePrimary(
  attributes: readonly AttributeDefinition[],
  values: Record<string, Loose>,
  prefix: string,
): void {
  for (const attribute of attributes) {
    if (!attribute.multiValued || !attribute.subAttributes?.some((sub) => sub.name === 'primary')) continue;
    const list = values[attribute.name];
    if (!Array.isArray(list)) continue;
    if (list.filter((item) => isPlainObject(item) && item.primary === true).length > 1) {
      throw badRequest(
        'invalidValue',
        `${prefix}${attribute.name}: "primary" may be true for at most one value (RFC 7643 §2.4)`,
      );
    }
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean (true or false)',
  number: 'a number',
  integer: 'an integer',
  array: 'an array',
  object: 'an object',
};

function describeError(error: SchemaValidationError, resourceType: ResourceTypeName): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    return `${attributePath([...segments, missing])} is required`;
  }
  const where = segments.length > 0 ? attributePath(segments) : `The ${resourceType}`;
  switch (error.keyword) {
    case 'type': {
      const type = String(error.params.type);
      return `${where} must be ${TYPE_WORDS[type] ?? type}`;
    }
    case 'maxLength':
      return `${where} must be at most ${MAX_STRING_LENGTH} characters long`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'pattern':
      return `${where} must be an xsd:dateTime such as 2026-01-31T12:00:00Z`;
    default:
      return `${where} is not valid (${error.keyword})`;
  }
}

/** ['emails','0','value'] → emails[0].value; ['urn:…:User','manager','value'] → urn:…:User:manager.value */
function attributePath(segments: readonly string[]): string {
  let text = '';
  segments.forEach((segment, i) => {
    if (i === 0) text = segment;
    else if (/^\d+$/.test(segment)) text += `[${segment}]`;
    else if (i === 1 && text.startsWith('urn:')) text += `:${segment}`;
    else text += `.${segment}`;
  });
  return text;
}
