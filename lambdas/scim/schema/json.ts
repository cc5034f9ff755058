/**
 * JSON value types for resources that have passed validation (what the services store and what
 * projection returns), and the object checks every layer uses on JSON it did not validate. Kept
 * apart so store code can name the shape without importing the schema modules.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Keys that must never become object keys (prototype pollution). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The own key of `object` that spells `name` in any case (attribute names are case-insensitive,
 * RFC 7643 §2.1, and Entra asks servers not to require exact case); exact spelling is tried first.
 */
export function keyCi(object: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

/** The value of `object`'s member `name` in any case; undefined when it has none. */
export function getCi(object: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = keyCi(object, name);
  return key === undefined ? undefined : object[key];
}
