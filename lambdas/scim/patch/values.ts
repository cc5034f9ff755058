/**
 * Value handling for the PATCH engine: safe deep copies, structural equality, and turning a
 * client's `value` into the canonical shape of the attribute it targets.
 *
 * Canonicalisation here is deliberately lenient about types (a wrong type is kept and the
 * caller's re-validation with the schema module reports it as invalidValue, naming the
 * attribute) but strict about structure that the engine itself relies on, and it never lets
 * `__proto__`, `constructor` or `prototype` become object keys.
 */
import { badRequest } from '../errors';
import { FORBIDDEN_KEYS, isPlainObject, type JsonObject, type JsonValue } from '../schema/json';
import type { AttributeDefinition } from '../schema/types';

/** Deeper than any SCIM resource can be; bounds recursion on hostile input. */
const MAX_DEPTH = 32;

/**
 * Deep copy of JSON data that drops prototype-polluting keys and non-JSON values. Used on the
 * stored resource (so the input is never mutated) and on every client value before it is kept.
 */
export function cloneJson(value: unknown, depth = 0): JsonValue | undefined {
  if (depth > MAX_DEPTH) throw badRequest('invalidValue', 'The PATCH value is nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const copy = cloneJson(item, depth + 1);
      if (copy !== undefined) out.push(copy);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      const copy = cloneJson(item, depth + 1);
      if (copy !== undefined) out[key] = copy;
    }
    return out;
  }
  return undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/**
 * A string that is equal for two JSON values exactly when deepEqual says they are: JSON with
 * object keys sorted (arrays keep their order). Lets sets and maps replace pairwise scans.
 */
export function valueKey(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${valueKey(value[key] as JsonValue)}`).join(',')}}`;
}

/**
 * The identity of one element of multi-valued `attribute` when adding: valueKey, with the text
 * of caseExact=false values (the attribute's own, or its sub-attributes') lower-cased, so
 * `M2@HOME.com` is the value `m2@home.com` already held (RFC 7643 §2.4, RFC 7644 §3.5.2.1).
 */
export function elementKey(attribute: AttributeDefinition, element: JsonValue): string {
  if (!isPlainObject(element)) {
    return valueKey(typeof element === 'string' && !attribute.caseExact ? element.toLowerCase() : element);
  }
  const folded: JsonObject = {};
  for (const [name, value] of Object.entries(element)) {
    const sub = findSubAttribute(attribute, name);
    folded[name] =
      typeof value === 'string' && sub !== undefined && !sub.caseExact ? value.toLowerCase() : value;
  }
  return valueKey(folded);
}

/** A definition's sub-attribute by case-insensitive name (RFC 7643 §2.1). */
export function findSubAttribute(
  definition: AttributeDefinition,
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return definition.subAttributes?.find((sub) => sub.name.toLowerCase() === lower);
}

/**
 * Canonical form of one (single) value of `definition`, or null when the value unassigns
 * (null, "" — RFC 7643 §2.5 treats both as no value; Entra clears with either).
 */
export function canonicalSingle(definition: AttributeDefinition, value: unknown, where: string): JsonValue {
  if (value === null || value === undefined || value === '') return null;
  if (definition.type === 'complex') {
    if (Array.isArray(value)) {
      // Entra sends a single-valued complex attribute as a one-element list:
      // "manager": [{"$ref": "…", "value": "id"}].
      if (definition.multiValued || value.length > 1) {
        throw badRequest('invalidValue', `${where} must be a single object, not a list`);
      }
      return value.length === 0 ? null : canonicalSingle(definition, value[0], where);
    }
    if (
      typeof value === 'string' &&
      findSubAttribute(definition, 'value') &&
      findSubAttribute(definition, '$ref')
    ) {
      // A bare id for a reference (Entra's manager): {"value": id}. Only for references: a bare
      // string for emails or addresses is a wrong type, not an abbreviation.
      return canonicalComplex(definition, { value }, where, false);
    }
    if (!isPlainObject(value)) throw badRequest('invalidValue', `${where} must be an object`);
    return canonicalComplex(definition, value, where, false);
  }
  if (definition.type === 'boolean' && typeof value === 'string') {
    // Entra's default mode sends "True"/"False" (docs/ENTRA.md).
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return cloneJson(value) ?? null;
}

/**
 * Canonical object of a complex value: known sub-attributes under their canonical names,
 * read-only ones dropped (the server owns them, e.g. manager.displayName), unknown ones dropped
 * (as the schema module does for POST/PUT bodies). With `keepNulls`, an explicit null stays as a
 * marker so a merge can unassign that sub-attribute; otherwise nulls are dropped. Null when
 * nothing is left.
 */
export function canonicalComplex(
  definition: AttributeDefinition,
  value: Record<string, unknown>,
  where: string,
  keepNulls: boolean,
): JsonObject | null {
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const sub = findSubAttribute(definition, key);
    if (!sub || sub.mutability === 'readOnly') continue;
    const item = sub.multiValued
      ? canonicalMulti(sub, raw, `${where}.${sub.name}`)
      : canonicalSingle(sub, raw, `${where}.${sub.name}`);
    if (item === null && !keepNulls) continue;
    out[sub.name] = item;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Canonical list for a multi-valued attribute; a lone value is taken as a one-element list. */
export function canonicalMulti(
  definition: AttributeDefinition,
  value: unknown,
  where: string,
): JsonValue[] | null {
  if (value === null || value === undefined) return null;
  const items = Array.isArray(value) ? value : [value];
  const out: JsonValue[] = [];
  for (const [i, item] of items.entries()) {
    if (Array.isArray(item)) throw badRequest('invalidValue', `${where}[${i}] must not be a list`);
    const single = canonicalSingle({ ...definition, multiValued: false }, item, `${where}[${i}]`);
    if (single !== null) out.push(single);
  }
  return out.length > 0 ? out : null;
}
