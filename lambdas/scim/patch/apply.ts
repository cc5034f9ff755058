/**
 * The PATCH engine (RFC 7644 §3.5.2): applies parsed operations to a copy of a stored resource.
 *
 * Pure and synchronous: the services read the resource, call applyPatch, re-validate the result
 * with the schema module and write it with a version condition.
 *
 * Layout assumed (the schema module's canonical form): core attributes at the top level,
 * extension attributes in an object under the extension's URN (RFC 7643 §3.3).
 *
 * Why pure, and why hand-written rather than the `scim-patch` package: docs/DECISIONS.md.
 */
import { clipped } from '../clip';
import { badRequest, isScimError } from '../errors';
import type { AttributeLookup, AttributePath, FilterNode, PatchPath } from '../filter/ast';
import { compileFilter } from '../filter/evaluate';
import { ENTERPRISE_USER_SCHEMA } from '../schema/enterprise-user-schema';
import { GROUP_SCHEMA } from '../schema/group-schema';
import { isPlainObject, type JsonObject, type JsonValue } from '../schema/json';
import { splitAttributeName, splitDotted } from '../schema/registry';
import type { AttributeDefinition } from '../schema/types';
import { USER_SCHEMA } from '../schema/user-schema';
import { MAX_PATCH_WORK, MAX_VALUES_PER_ATTRIBUTE } from './limits';
import type { PatchOperation, PatchOpName, PatchSchemas } from './types';
import {
  canonicalComplex,
  canonicalMulti,
  canonicalSingle,
  cloneJson,
  deepEqual,
  elementKey,
  findSubAttribute,
  valueKey,
} from './values';

export interface ApplyPatchOptions {
  /**
   * Where attributes live. Defaults to the core User/Group schemas and the enterprise
   * extension; services pass the registry's list so configured extensions work too.
   */
  readonly schemas?: PatchSchemas;
}

export interface PatchResult {
  readonly resource: JsonObject;
  /**
   * Canonical names of the top-level attributes whose value differs after the patch; extension
   * attributes are URN-qualified (`urn:…:enterprise:2.0:User:manager`).
   */
  readonly changedAttributes: string[];
}

/** Attributes a path-less value may carry but that the server owns (Okta sends `id`). */
const IGNORED_IN_VALUE: ReadonlySet<string> = new Set(['id', 'meta', 'schemas']);

/** The attribute a path or value key designates, resolved against the registry. */
interface Target {
  /** Extension URN holding the attribute; undefined for core and common attributes. */
  readonly extension: string | undefined;
  readonly attribute: AttributeDefinition;
  readonly sub: AttributeDefinition | undefined;
  readonly where: string;
}

class Engine {
  private readonly cores: readonly string[];
  private readonly extensions: readonly string[];
  private readonly urnsLongestFirst: readonly string[];
  /** Element visits so far (see MAX_PATCH_WORK). */
  private work = 0;
  /**
   * elementKey of list elements, kept across operations on the same list. Safe because the
   * engine never mutates an element once it is in a list: edits build a copy.
   */
  private readonly elementKeys = new WeakMap<object, string>();

  constructor(
    private readonly resource: JsonObject,
    private readonly lookup: AttributeLookup,
    schemas: PatchSchemas | undefined,
  ) {
    this.cores = schemas ? [schemas.core] : [USER_SCHEMA, GROUP_SCHEMA];
    this.extensions = schemas ? schemas.extensions : [ENTERPRISE_USER_SCHEMA];
    this.urnsLongestFirst = [...this.cores, ...this.extensions].sort((a, b) => b.length - a.length);
  }

  apply(operation: PatchOperation): void {
    const { op, path } = operation;
    if (!path) {
      if (op === 'remove') {
        throw badRequest('noTarget', 'A "remove" operation requires a "path" (RFC 7644 §3.5.2.2)');
      }
      if (!isPlainObject(operation.value)) {
        throw badRequest('invalidValue', `A path-less "${op}" requires an object of attributes as its value`);
      }
      this.applyValueObject(op, operation.value, undefined);
      return;
    }
    const where = clipped(operation.pathText ?? 'path');
    if (path.path.schema !== undefined && path.path.attribute === '' && this.isCore(path.path.schema)) {
      // The core schema URN alone names the resource itself: like a path-less operation.
      if (op === 'remove' || path.valueFilter)
        throw badRequest('invalidPath', `${where}: names the whole resource`);
      if (!isPlainObject(operation.value))
        throw badRequest('invalidValue', `${where}: the value must be an object`);
      this.applyValueObject(op, operation.value, undefined);
      return;
    }
    const extension = this.wholeExtension(path.path);
    if (extension !== undefined) {
      if (path.valueFilter) throw badRequest('invalidPath', `${where}: a schema URN takes no value filter`);
      this.applyExtensionObject(op, extension, operation, where);
      return;
    }
    const target = this.resolve(path.path, where);
    if (isIgnoredTarget(target)) return;
    if (path.valueFilter) {
      this.applyFiltered(op, target, path, operation, where);
    } else {
      this.applyPlain(op, target, operation.value, operation.hasValue);
    }
  }

  /** Books `units` of work before doing it; tooMany when the request's budget would be exceeded. */
  private charge(units: number, where: string): void {
    this.work += units;
    if (this.work > MAX_PATCH_WORK) {
      throw badRequest(
        'tooMany',
        `${where}: this PATCH would examine more than ${MAX_PATCH_WORK} values; split it into smaller requests`,
      );
    }
  }

  private keyOf(attribute: AttributeDefinition, element: JsonValue): string {
    if (!isPlainObject(element)) return elementKey(attribute, element);
    let key = this.elementKeys.get(element);
    if (key === undefined) {
      key = elementKey(attribute, element);
      this.elementKeys.set(element, key);
    }
    return key;
  }

  // --- resolution -------------------------------------------------------------------------

  /** The canonical extension URN when `path` names a whole extension, else undefined. */
  private wholeExtension(path: AttributePath): string | undefined {
    if (path.schema === undefined) return undefined;
    if (path.attribute === '') {
      const urn = this.canonicalExtension(path.schema);
      if (urn === undefined)
        throw badRequest('invalidPath', `"${clipped(path.schema)}" is not a schema of this resource`);
      return urn;
    }
    if (path.subAttribute !== undefined) return undefined;
    // Parsed without the schema list, `urn:…:enterprise:2.0:User` splits at the last colon.
    return this.canonicalExtension(`${path.schema}:${path.attribute}`);
  }

  private canonicalExtension(urn: string): string | undefined {
    const lower = urn.toLowerCase();
    return this.extensions.find((e) => e.toLowerCase() === lower);
  }

  private isCore(urn: string): boolean {
    const lower = urn.toLowerCase();
    return this.cores.some((c) => c.toLowerCase() === lower);
  }

  private resolve(path: AttributePath, where: string): Target {
    const top: AttributePath =
      path.schema === undefined
        ? { attribute: path.attribute }
        : { schema: path.schema, attribute: path.attribute };
    const attribute = this.lookup(top);
    if (!attribute) throw badRequest('invalidPath', `${where}: no such attribute "${printName(path)}"`);
    let sub: AttributeDefinition | undefined;
    if (path.subAttribute !== undefined) {
      sub = this.lookup(path);
      if (!sub || attribute.type !== 'complex') {
        throw badRequest('invalidPath', `${where}: no such sub-attribute "${printName(path)}"`);
      }
    }
    let extension: string | undefined;
    if (path.schema !== undefined) {
      if (!this.isCore(path.schema)) extension = this.canonicalExtension(path.schema) ?? path.schema;
    } else if (!this.cores.some((core) => this.lookup({ schema: core, attribute: path.attribute }))) {
      // An unqualified name found only in an extension (Entra's `manager`, `department`).
      extension = this.extensions.find((e) => this.lookup({ schema: e, attribute: path.attribute }));
    }
    if (attribute.mutability === 'readOnly') {
      throw badRequest('mutability', `${where}: "${attribute.name}" is read-only`);
    }
    if (sub?.mutability === 'readOnly') {
      throw badRequest('mutability', `${where}: "${attribute.name}.${sub.name}" is read-only`);
    }
    return { extension, attribute, sub, where };
  }

  /** Splits a key of a path-less value (`active`, `name.givenName`, `urn:…:User:employeeNumber`). */
  private keyPath(key: string): AttributePath {
    return splitAttributeName(key, this.urnsLongestFirst);
  }

  // --- containers ------------------------------------------------------------------------

  /** The object holding the target's attribute; created (for writes) when absent. */
  private container(target: Target, create: boolean): JsonObject | undefined {
    if (target.extension === undefined) return this.resource;
    const existing = this.resource[target.extension];
    if (isPlainObject(existing)) return existing;
    if (!create) return undefined;
    const fresh: JsonObject = {};
    this.resource[target.extension] = fresh;
    return fresh;
  }

  /** Drops an extension object left empty, so `schemas` recomputation sees it as absent. */
  private tidy(target: Target): void {
    if (target.extension === undefined) return;
    const existing = this.resource[target.extension];
    if (isPlainObject(existing) && Object.keys(existing).length === 0) delete this.resource[target.extension];
  }

  // --- path-less values and whole extensions ----------------------------------------------

  private applyValueObject(
    op: PatchOpName,
    value: Record<string, unknown>,
    extension: string | undefined,
  ): void {
    for (const [key, item] of Object.entries(value)) {
      const path: AttributePath =
        extension === undefined ? this.keyPath(key) : { schema: extension, ...splitDotted(key) };
      if (path.schema !== undefined && path.attribute === '') {
        if (this.isCore(path.schema)) {
          // {"urn:…:core:2.0:User": {...}}: the core attributes themselves.
          if (!isPlainObject(item))
            throw badRequest('invalidValue', `"${clipped(key)}" must be an object of attributes`);
          this.applyValueObject(op, item, undefined);
          continue;
        }
        const urn = this.canonicalExtension(path.schema);
        if (urn === undefined)
          throw badRequest('invalidPath', `"${clipped(key)}" is not a schema of this resource`);
        this.applyExtensionObject(op, urn, { hasValue: true, value: item }, clipped(key));
        continue;
      }
      const wholeExtension = extension === undefined ? this.wholeExtension(path) : undefined;
      if (wholeExtension !== undefined) {
        this.applyExtensionObject(op, wholeExtension, { hasValue: true, value: item }, clipped(key));
        continue;
      }
      const attribute = this.lookup({
        ...(path.schema === undefined ? {} : { schema: path.schema }),
        attribute: path.attribute,
      });
      // Okta echoes the group's `id` when renaming; read-only fields of the value are ignored.
      if (attribute && IGNORED_IN_VALUE.has(attribute.name) && path.subAttribute === undefined) continue;
      const target = this.resolve(path, clipped(key));
      if (isIgnoredTarget(target)) continue;
      this.applyPlain(op, target, item, true);
    }
  }

  private applyExtensionObject(
    op: PatchOpName,
    urn: string,
    operation: Pick<PatchOperation, 'hasValue' | 'value'>,
    where: string,
  ): void {
    if (op === 'remove' || isUnassign(operation.value)) {
      const existing = this.resource[urn];
      if (isPlainObject(existing)) {
        for (const [name, value] of Object.entries(existing)) {
          const definition = this.lookup({ schema: urn, attribute: name });
          if (definition) assertMutable(definition, value, undefined, where);
        }
      }
      delete this.resource[urn];
      return;
    }
    if (!isPlainObject(operation.value))
      throw badRequest('invalidValue', `${where} must be an object of attributes`);
    // Clients echo the extension's `schemas` inside its object; it names no attribute and the
    // resource's `schemas` is recomputed anyway. Only here: elsewhere an unknown key is invalidPath.
    const attributes = Object.fromEntries(
      Object.entries(operation.value).filter(([key]) => key.toLowerCase() !== 'schemas'),
    );
    this.applyValueObject(op, attributes, urn);
  }

  // --- paths without a value filter -------------------------------------------------------

  private applyPlain(op: PatchOpName, target: Target, value: unknown, hasValue: boolean): void {
    const { attribute, sub, where } = target;
    const name = attribute.name;
    if (sub) {
      this.applySubAttribute(op, target, value);
      return;
    }
    if (op === 'remove') {
      const holder = this.container(target, false);
      if (!holder || holder[name] === undefined) return;
      if (attribute.multiValued && hasValue && value !== null) {
        this.removeListedElements(holder, attribute, value, where);
      } else {
        assertMutable(attribute, holder[name], undefined, where);
        delete holder[name];
      }
      this.tidy(target);
      return;
    }
    const holder = this.container(target, true) as JsonObject;
    const existing = holder[name];
    if (attribute.multiValued) {
      const incoming = listLength(value);
      if (incoming > MAX_VALUES_PER_ATTRIBUTE) throw tooManyValues(where, incoming);
      this.charge(listLength(existing) + incoming, where);
      const items = canonicalMulti(attribute, value, where);
      if (op === 'add' && items === null && !isUnassign(value)) return; // nothing usable to add
      let next: JsonValue[] | undefined;
      let written: JsonValue[] = [];
      if (op === 'replace' || items === null) {
        next = items ?? undefined;
        written = items ?? [];
      } else {
        next = Array.isArray(existing) ? [...existing] : [];
        // RFC 7644 §3.5.2.1: add to a multi-valued attribute appends; a value already held is
        // not added twice (clients retry), case-insensitively where caseExact is false.
        const present = new Set(next.map((element) => this.keyOf(attribute, element)));
        for (const item of items) {
          const key = this.keyOf(attribute, item);
          if (!present.has(key)) {
            present.add(key);
            next.push(item);
            written.push(item);
          }
        }
      }
      assertGrowth(next, existing, where);
      assertMutable(attribute, existing, next, where);
      setOrDelete(
        holder,
        name,
        next && next.length > 0 ? enforceSinglePrimary(attribute, next, written) : undefined,
      );
    } else if (attribute.type === 'complex') {
      // RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes given replace or add; others stay.
      const given = canonicalValueObject(attribute, value, where);
      let next: JsonObject | undefined;
      if (given === null) {
        next = undefined;
      } else {
        next = isPlainObject(existing) ? { ...existing } : {};
        // A reference (manager): `value` and `$ref` name one resource, so a new value without
        // a `$ref` must not keep the `$ref` of the resource it replaces.
        if ('value' in given && !('$ref' in given) && next.value !== given.value) delete next.$ref;
        for (const [key, item] of Object.entries(given))
          setOrDelete(next, key, item === null ? undefined : item);
        if (Object.keys(next).length === 0) next = undefined;
      }
      assertMutable(attribute, existing, next, where);
      setOrDelete(holder, name, next);
    } else {
      const next = canonicalSingle(attribute, value, where);
      assertMutable(attribute, existing, next ?? undefined, where);
      setOrDelete(holder, name, next ?? undefined);
    }
    this.tidy(target);
  }

  /** `name.familyName` (single-valued parent) or `emails.type` (every element of a list). */
  private applySubAttribute(op: PatchOpName, target: Target, value: unknown): void {
    const { attribute, where } = target;
    const sub = target.sub as AttributeDefinition;
    const holder = this.container(target, op !== 'remove');
    if (!holder) return;
    const existing = holder[attribute.name];
    const next =
      op === 'remove'
        ? null
        : sub.multiValued
          ? canonicalMulti(sub, value, where)
          : canonicalSingle(sub, value, where);
    let updated: JsonValue | undefined;
    if (attribute.multiValued) {
      this.charge(listLength(existing), where);
      const elements = Array.isArray(existing) ? (existing.filter(isPlainObject) as JsonObject[]) : [];
      const list =
        elements.length === 0
          ? next === null
            ? []
            : [{ [sub.name]: next }]
          : elements
              .map((element) => withSub(element, sub, next, where))
              .filter((element) => Object.keys(element).length > 0);
      updated = list.length > 0 ? enforceSinglePrimary(attribute, list, []) : undefined;
    } else {
      const parent = withSub(isPlainObject(existing) ? existing : {}, sub, next, where);
      updated = Object.keys(parent).length > 0 ? parent : undefined;
    }
    assertMutable(attribute, existing, updated, where);
    setOrDelete(holder, attribute.name, updated);
    this.tidy(target);
  }

  /**
   * `remove` with a path to a list AND a value: remove only the listed elements. Entra sends
   * this for members (docs/ENTRA.md); the same reading is applied to any list rather than
   * RFC 7644's literal "remove every value", which would surprise such a client.
   */
  private removeListedElements(
    holder: JsonObject,
    attribute: AttributeDefinition,
    value: unknown,
    where: string,
  ) {
    const existing = holder[attribute.name];
    this.charge(listLength(value), where);
    const listed = canonicalMulti(attribute, value, where) ?? [];
    if (!Array.isArray(existing)) return;
    const isListed = listedMatcher(listed, attribute);
    this.charge(existing.length * isListed.lookups, where);
    const kept = existing.filter((element) => !isListed(element));
    assertMutable(attribute, existing, kept, where);
    setOrDelete(holder, attribute.name, kept.length > 0 ? kept : undefined);
  }

  // --- paths with a value filter ------------------------------------------------------------

  private applyFiltered(
    op: PatchOpName,
    target: Target,
    path: PatchPath,
    operation: PatchOperation,
    where: string,
  ) {
    const { attribute } = target;
    const filter = path.valueFilter as FilterNode;
    if (!attribute.multiValued || attribute.type !== 'complex') {
      throw badRequest('invalidPath', `${where}: a value filter needs a multi-valued complex attribute`);
    }
    if (target.sub) throw badRequest('invalidPath', `${where}: the sub-attribute goes after the filter`);
    const elementLookup = this.elementLookup(attribute);
    checkFilterNames(filter, elementLookup, where);
    let sub: AttributeDefinition | undefined;
    if (path.subAttribute !== undefined) {
      sub = findSubAttribute(attribute, path.subAttribute);
      if (!sub) throw badRequest('invalidPath', `${where}: no such sub-attribute "${path.subAttribute}"`);
      if (sub.mutability === 'readOnly') {
        throw badRequest('mutability', `${where}: "${attribute.name}.${sub.name}" is read-only`);
      }
    }
    const holder = this.container(target, op !== 'remove');
    if (!holder) return;
    const existing = holder[attribute.name];
    const elements: JsonValue[] = Array.isArray(existing) ? [...existing] : [];
    this.charge(elements.length * filterTerms(filter) + 1, where);
    const matches = compileElementFilter(filter, elementLookup, where);
    const matched = elements.map((element) => isPlainObject(element) && matches(element));

    if (op === 'remove') {
      // RFC 7644 §3.5.2.2; no match is a no-op so a retried remove succeeds.
      const next: JsonValue[] = [];
      for (const [i, element] of elements.entries()) {
        if (!matched[i]) next.push(element);
        else if (sub) {
          const trimmed = withSub(element as JsonObject, sub, null, where);
          if (!isHollow(trimmed, sub)) next.push(trimmed);
        }
      }
      assertMutable(attribute, existing, next, where);
      setOrDelete(holder, attribute.name, next.length > 0 ? next : undefined);
      this.tidy(target);
      return;
    }

    const written: JsonValue[] = [];
    if (sub) {
      const value = sub.multiValued
        ? canonicalMulti(sub, operation.value, where)
        : canonicalSingle(sub, operation.value, where);
      if (matched.some(Boolean)) {
        for (const [i, element] of elements.entries()) {
          if (!matched[i]) continue;
          const updated = withSub(element as JsonObject, sub, value, where);
          elements[i] = updated;
          written.push(updated);
        }
      } else if (value !== null) {
        // Entra and the SCIM validator add (or Replace) `emails[type eq "work"].value` on a user
        // without a work email and expect the element to appear.
        const created = { ...seedFromFilter(filter, attribute, where), [sub.name]: value };
        assertCreatable(created, attribute, matches, where);
        elements.push(created);
        written.push(created);
      }
    } else {
      const value = canonicalValueObject({ ...attribute, multiValued: false }, operation.value, where);
      if (value !== null && Object.keys(value).length === 0) return; // nothing known to write
      // A null value unassigns the matching elements (they end up empty and are dropped).
      if (matched.some(Boolean)) {
        for (const [i, element] of elements.entries()) {
          if (!matched[i]) continue;
          let updated: JsonObject;
          if (op === 'replace') {
            // RFC 7644 §3.5.2.3: the matching values are replaced by the given one.
            updated = withoutNulls(value ?? {});
          } else {
            updated = { ...(element as JsonObject) };
            for (const [key, item] of Object.entries(value ?? {}))
              setOrDelete(updated, key, item === null ? undefined : item);
          }
          elements[i] = updated;
          written.push(updated);
        }
      } else if (value !== null) {
        const created = { ...seedFromFilter(filter, attribute, where), ...withoutNulls(value) };
        assertCreatable(created, attribute, matches, where);
        elements.push(created);
        written.push(created);
      }
    }
    // Only what this operation wrote can have lost its value here; other elements stay as stored.
    const emptied = new Set(written.filter((element) => isPlainObject(element) && isHollow(element, sub)));
    const next = elements.filter(
      (element) => !emptied.has(element) && (!isPlainObject(element) || Object.keys(element).length > 0),
    );
    assertGrowth(next, existing, where);
    assertMutable(attribute, existing, next, where);
    setOrDelete(
      holder,
      attribute.name,
      next.length > 0 ? enforceSinglePrimary(attribute, next, written) : undefined,
    );
    this.tidy(target);
  }

  /** Element-relative lookup: `type` inside `emails[…]` is `emails.type` (see ast.ts). */
  private elementLookup(attribute: AttributeDefinition): AttributeLookup {
    return (path) =>
      path.subAttribute === undefined && path.schema === undefined
        ? findSubAttribute(attribute, path.attribute)
        : undefined;
  }
}

// --- helpers -------------------------------------------------------------------------------

/**
 * Targets accepted but not written: `schemas` is recomputed from the attributes present, and
 * attributes that are never returned (password) are never stored either, so Okta's
 * password sync succeeds without keeping the secret or reporting a change.
 */
function isIgnoredTarget(target: Target): boolean {
  if (target.attribute.returned === 'never' || target.sub?.returned === 'never') return true;
  return target.extension === undefined && target.sub === undefined && target.attribute.name === 'schemas';
}

function printName(path: AttributePath): string {
  const base = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`;
  return clipped(path.subAttribute === undefined ? base : `${base}.${path.subAttribute}`);
}

/** RFC 7643 §2.5: null (and "", which Entra uses to clear) means "no value". */
function isUnassign(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

function setOrDelete(holder: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value === undefined || value === null) delete holder[key];
  else holder[key] = value;
}

function withoutNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = item;
  return out;
}

/** A complex value as an object (nulls kept as unassign markers), or null to unassign it all. */
function canonicalValueObject(
  attribute: AttributeDefinition,
  value: unknown,
  where: string,
): JsonObject | null {
  if (isUnassign(value)) return null;
  // An object without known sub-attributes changes nothing (unknown ones are dropped).
  if (isPlainObject(value)) return canonicalComplex(attribute, value, where, true) ?? {};
  const single = canonicalSingle(attribute, value, where);
  if (single !== null && !isPlainObject(single))
    throw badRequest('invalidValue', `${where} must be an object`);
  return single;
}

/** A copy of `element` with `sub` set to `value` (null unassigns), checking immutability. */
function withSub(element: JsonObject, sub: AttributeDefinition, value: JsonValue, where: string): JsonObject {
  const updated = { ...element };
  assertMutable(sub, element[sub.name], value ?? undefined, where);
  setOrDelete(updated, sub.name, value);
  return updated;
}

/** RFC 7643 §2.2: an immutable attribute may be set once, when it has no value yet. */
function assertMutable(
  definition: AttributeDefinition,
  before: unknown,
  after: unknown,
  where: string,
): void {
  if (definition.mutability !== 'immutable' || before === undefined) return;
  if (!deepEqual(before, after)) {
    throw badRequest('mutability', `${where}: "${definition.name}" is immutable and already has a value`);
  }
}

/**
 * A predicate "does `element` match a listed element", in time linear in elements and specs.
 * A record element matches a record spec when every sub-attribute the spec gives is equal
 * (strings of caseExact=false sub-attributes compared case-insensitively); anything else
 * matches when deepEqual. Specs are grouped by the sub-attributes they give, and each element
 * is looked up once per group (a group per distinct set of names, so at most 2^sub-attributes).
 */
function listedMatcher(
  listed: readonly JsonValue[],
  attribute: AttributeDefinition,
): ((element: JsonValue) => boolean) & { readonly lookups: number } {
  const plain = new Set<string>();
  const groups = new Map<string, { names: string[]; keys: Set<string> }>();
  const caseless = new Map<string, boolean>();
  const part = (name: string, value: JsonValue): string => {
    let fold = caseless.get(name);
    if (fold === undefined) {
      const sub = findSubAttribute(attribute, name);
      fold = sub !== undefined && !sub.caseExact;
      caseless.set(name, fold);
    }
    // JSON text never holds a raw U+0000, so joined parts cannot collide.
    return fold && typeof value === 'string' ? JSON.stringify(value.toLowerCase()) : valueKey(value);
  };
  for (const spec of listed) {
    if (!isPlainObject(spec)) {
      plain.add(valueKey(spec));
      continue;
    }
    const names = Object.keys(spec).sort();
    const id = JSON.stringify(names);
    let group = groups.get(id);
    if (!group) {
      group = { names, keys: new Set() };
      groups.set(id, group);
    }
    group.keys.add(names.map((name) => part(name, spec[name] as JsonValue)).join('\u0000'));
  }
  const matches = (element: JsonValue): boolean => {
    if (!isPlainObject(element)) return plain.has(valueKey(element));
    for (const { names, keys } of groups.values()) {
      if (!names.every((name) => Object.hasOwn(element, name))) continue;
      if (keys.has(names.map((name) => part(name, element[name] as JsonValue)).join('\u0000'))) return true;
    }
    return false;
  };
  /** Set lookups per element: one per group of specs (one for plain values). */
  return Object.assign(matches, { lookups: Math.max(1, groups.size) });
}

/**
 * An element left with nothing, or whose `value` this operation took away (`remove` of
 * `emails[type eq "other"].value`, as Entra clears an address): `{type, primary}` names no
 * address, so the element goes with its value (RFC 7643 §2.4).
 */
function isHollow(element: JsonObject, changed: AttributeDefinition | undefined): boolean {
  if (Object.keys(element).length === 0) return true;
  return changed?.name === 'value' && !Object.hasOwn(element, 'value');
}

/** Elements of a list value (a lone value counts as one), without looking inside them. */
function listLength(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null ? 0 : 1;
}

function tooManyValues(where: string, count: number) {
  return badRequest(
    'tooMany',
    `${where}: a multi-valued attribute may hold at most ${MAX_VALUES_PER_ATTRIBUTE} values; got ${count}`,
  );
}

/** An operation may not grow a list past MAX_VALUES_PER_ATTRIBUTE (it may shrink a longer one). */
function assertGrowth(next: readonly JsonValue[] | undefined, existing: unknown, where: string): void {
  const length = next?.length ?? 0;
  if (length > MAX_VALUES_PER_ATTRIBUTE && length > listLength(existing)) {
    throw tooManyValues(where, length);
  }
}

/** Attribute expressions in a filter: the cost of evaluating it against one element. */
function filterTerms(node: FilterNode): number {
  switch (node.kind) {
    case 'compare':
    case 'present':
      return 1;
    case 'and':
    case 'or':
      return filterTerms(node.left) + filterTerms(node.right);
    case 'not':
      return filterTerms(node.operand);
    case 'valuePath':
      return filterTerms(node.filter);
  }
}

/**
 * RFC 7643 §2.4: "primary" is true for at most one value. The value this operation wrote wins;
 * the others are set to false.
 */
function enforceSinglePrimary(
  attribute: AttributeDefinition,
  list: JsonValue[],
  written: readonly JsonValue[],
): JsonValue[] {
  if (!findSubAttribute(attribute, 'primary')) return list;
  const primaries = list.filter((item) => isPlainObject(item) && item.primary === true);
  if (primaries.length <= 1) return list;
  const winner =
    [...written].reverse().find((item) => isPlainObject(item) && item.primary === true) ?? primaries[0];
  return list.map((item) =>
    isPlainObject(item) && item.primary === true && item !== winner ? { ...item, primary: false } : item,
  );
}

/** Rejects filters naming sub-attributes the element does not have (rather than never matching). */
function checkFilterNames(node: FilterNode, lookup: AttributeLookup, where: string): void {
  switch (node.kind) {
    case 'compare':
    case 'present':
      if (!lookup(node.path)) {
        throw badRequest(
          'invalidPath',
          `${where}: the filter names an unknown sub-attribute "${printName(node.path)}"`,
        );
      }
      return;
    case 'and':
    case 'or':
      checkFilterNames(node.left, lookup, where);
      checkFilterNames(node.right, lookup, where);
      return;
    case 'not':
      checkFilterNames(node.operand, lookup, where);
      return;
    case 'valuePath':
      throw badRequest('invalidPath', `${where}: value filters cannot be nested`);
  }
}

/** The filter as a predicate; a filter that does not fit the element's types is a bad path. */
function compileElementFilter(
  filter: FilterNode,
  lookup: AttributeLookup,
  where: string,
): (element: Readonly<Record<string, unknown>>) => boolean {
  try {
    return compileFilter(filter, lookup);
  } catch (error) {
    if (isScimError(error)) throw badRequest('invalidPath', `${where}: ${error.detail}`);
    throw error;
  }
}

/**
 * The element a filter describes when nothing matches: the `eq` terms of an `and` chain
 * (`type eq "work"` → {type: "work"}). Anything else cannot name one element → noTarget
 * (RFC 7644 §3.5.2.3).
 */
function seedFromFilter(filter: FilterNode, attribute: AttributeDefinition, where: string): JsonObject {
  const seed: JsonObject = {};
  const collect = (node: FilterNode): boolean => {
    if (node.kind === 'and') return collect(node.left) && collect(node.right);
    if (node.kind !== 'compare' || node.op !== 'eq' || node.value === null) return false;
    const sub = findSubAttribute(attribute, node.path.attribute);
    if (!sub || sub.multiValued || sub.type === 'complex') return false;
    const value = canonicalSingle(sub, node.value, where);
    if (value === null) return false;
    if (Object.hasOwn(seed, sub.name) && !deepEqual(seed[sub.name], value)) return false;
    seed[sub.name] = value;
    return true;
  };
  if (!collect(filter)) {
    throw badRequest(
      'noTarget',
      `${where}: no value matches the filter, and the filter does not describe a value to create`,
    );
  }
  return seed;
}

/**
 * An element created because nothing matched its filter must be one the filter names: it
 * matches the filter (`phoneNumbers[type eq "mobile"].type` set to "fax" would not), and it has
 * a `value` where the attribute has one (`emails[type eq "other"].primary` would create an email
 * with no address, and take `primary` off the real one). Otherwise noTarget (RFC 7644 §3.5.2.3).
 * Attributes without `value` (addresses) are created from any sub-attribute, as Entra sets
 * `addresses[type eq "work"].streetAddress`.
 */
function assertCreatable(
  created: JsonObject,
  attribute: AttributeDefinition,
  matches: (element: JsonObject) => boolean,
  where: string,
): void {
  const hollow = findSubAttribute(attribute, 'value') !== undefined && !Object.hasOwn(created, 'value');
  if (hollow || !matches(created)) {
    throw badRequest(
      'noTarget',
      `${where}: no value matches the filter, and the value it would create ${hollow ? 'has no "value"' : 'does not match the filter'}`,
    );
  }
}

/** Lists the top-level attributes (extension attributes URN-qualified) that differ. */
function changedAttributes(before: JsonObject, after: JsonObject, extensions: readonly string[]): string[] {
  const changed: string[] = [];
  const isExtension = (key: string) => extensions.some((e) => e.toLowerCase() === key.toLowerCase());
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const key of keys) {
    if (deepEqual(before[key], after[key])) continue;
    const b = before[key];
    const a = after[key];
    if (isExtension(key) && (isPlainObject(b) || isPlainObject(a))) {
      const inner = isPlainObject(b) ? b : {};
      const outer = isPlainObject(a) ? a : {};
      for (const name of new Set([...Object.keys(inner), ...Object.keys(outer)])) {
        if (!deepEqual(inner[name], outer[name])) changed.push(`${key}:${name}`);
      }
    } else {
      changed.push(key);
    }
  }
  return changed;
}

/**
 * Applies `operations` in order to a deep copy of `resource`. Throws ScimError 400 (invalidPath,
 * mutability, noTarget, invalidValue) on the first operation that cannot be applied; the input
 * is never modified.
 */
export function applyPatch(
  resource: Readonly<Record<string, unknown>>,
  operations: readonly PatchOperation[],
  lookup: AttributeLookup,
  options: ApplyPatchOptions = {},
): PatchResult {
  const before = cloneJson(resource);
  if (!isPlainObject(before)) throw new TypeError('applyPatch: resource must be an object');
  const working = cloneJson(before) as JsonObject;
  const engine = new Engine(working, lookup, options.schemas);
  for (const operation of operations) engine.apply(operation);
  const extensions = options.schemas?.extensions ?? [ENTERPRISE_USER_SCHEMA];
  return {
    resource: working as JsonObject,
    changedAttributes: changedAttributes(before as JsonObject, working, extensions),
  };
}
