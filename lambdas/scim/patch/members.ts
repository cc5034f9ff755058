/**
 * Turns group `members` operations into membership changes. The store keeps one item per
 * member (docs/GROUPS.md) so concurrent PATCHes cannot lose each other's members and groups are
 * not bounded by the item size; a `members` array is therefore never patched in memory.
 *
 * Covers the shapes Okta and Entra send (docs/OKTA.md, docs/ENTRA.md): add with
 * `[{value, display}]` or `[{"$ref": null, value}]`; remove by `members[value eq "id"]`;
 * Entra's remove with `path: "members"` plus a value list (remove only those — RFC 7644 read
 * literally would remove everyone); replace of the whole list; and path-less add/replace whose
 * value carries `members` (reported for Okta Group Push).
 */
import { clipped } from '../clip';
import { badRequest } from '../errors';
import type { AttributePath, FilterNode } from '../filter/ast';
import { GROUP_SCHEMA } from '../schema/group-schema';
import { getCi, isPlainObject } from '../schema/json';
import type { MemberChange, PatchOperation } from './types';

export interface SplitOperations {
  /** In request order; apply them in this order after the attribute operations. */
  readonly memberChanges: MemberChange[];
  readonly attributeOperations: PatchOperation[];
}

/** A path naming the Group's `members` (`members`, `urn:…:core:2.0:Group:members`). */
export function isMembersPath(path: AttributePath): boolean {
  if (path.attribute.toLowerCase() !== 'members') return false;
  return path.schema === undefined || path.schema.toLowerCase() === GROUP_SCHEMA.toLowerCase();
}

/** A `members` key of a path-less value (`members` or `urn:…:core:2.0:Group:members`). */
export function isMembersKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === 'members' || lower === `${GROUP_SCHEMA.toLowerCase()}:members`;
}

/**
 * Member ids of a `members` value: a POST or PUT body's list or a PATCH operation's value (where a
 * single object counts as a list of one). Each element must carry a non-empty string `value` and,
 * if it names a `type`, "User" (nested groups are not supported, docs/GROUPS.md); each id once.
 */
export function memberIdsOf(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  // A Set, not includes(): Okta's "Push Now" sends the whole list, which can be very long.
  const ids = new Set<string>();
  for (const [i, item] of items.entries()) {
    const member = isPlainObject(item) ? item : undefined;
    const id = member && getCi(member, 'value');
    if (typeof id !== 'string' || id.trim() === '') {
      throw badRequest(
        'invalidValue',
        `${where}[${i}] must be an object with a non-empty string "value" (the member id)`,
      );
    }
    const type = member && (getCi(member, 'type') ?? undefined);
    if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'user')) {
      throw badRequest(
        'invalidValue',
        `${where}[${i}].type ${clipped(JSON.stringify(type))} is not supported; members are Users`,
      );
    }
    ids.add(id);
  }
  return [...ids];
}

/** The ids of `value eq "a"` or `value eq "a" or value eq "b"`; undefined for any other filter. */
function plainValueIds(filter: FilterNode): string[] | undefined {
  if (filter.kind === 'or') {
    const left = plainValueIds(filter.left);
    const right = plainValueIds(filter.right);
    return left && right ? [...new Set([...left, ...right])] : undefined;
  }
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    typeof filter.value === 'string' &&
    filter.value !== '' &&
    filter.path.schema === undefined &&
    filter.path.subAttribute === undefined &&
    filter.path.attribute.toLowerCase() === 'value'
  ) {
    return [filter.value];
  }
  return undefined;
}

function memberChange(operation: PatchOperation, where: string): MemberChange {
  const path = operation.path;
  if (path?.subAttribute !== undefined || path?.path.subAttribute !== undefined) {
    // members.value/display/type are immutable: a member is added or removed, never edited.
    throw badRequest(
      'mutability',
      `${where}: member sub-attributes cannot be changed; add or remove the member`,
    );
  }
  if (operation.op === 'remove') {
    if (path?.valueFilter) {
      const ids = plainValueIds(path.valueFilter);
      return ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter: path.valueFilter };
    }
    // Entra: `path: "members"` with a value list removes only the listed members.
    if (operation.hasValue && operation.value !== null) {
      return { kind: 'remove', ids: memberIdsOf(operation.value, `${where}.value`) };
    }
    return { kind: 'removeAll' };
  }
  if (path?.valueFilter) {
    throw badRequest(
      'invalidPath',
      `${where}: members are added or replaced as a list, not through a filter`,
    );
  }
  const ids = memberIdsOf(operation.value, `${where}.value`);
  return operation.op === 'add' ? { kind: 'add', ids } : { kind: 'replace', ids };
}

/**
 * Separates membership operations from attribute operations, keeping request order within
 * each list. Throws ScimError 400 for malformed member values.
 */
export function splitMemberOperations(operations: readonly PatchOperation[]): SplitOperations {
  const memberChanges: MemberChange[] = [];
  const attributeOperations: PatchOperation[] = [];
  for (const [index, operation] of operations.entries()) {
    const where = `Operations[${index}]`;
    if (operation.path) {
      if (isMembersPath(operation.path.path)) memberChanges.push(memberChange(operation, where));
      else attributeOperations.push(operation);
      continue;
    }
    if (operation.op === 'remove' || !isPlainObject(operation.value)) {
      attributeOperations.push(operation); // the engine reports these errors
      continue;
    }
    const rest: Record<string, unknown> = {};
    let members: { key: string; value: unknown } | undefined;
    for (const [key, value] of Object.entries(operation.value)) {
      if (isMembersKey(key)) members = { key, value };
      else rest[key] = value;
    }
    if (!members) {
      attributeOperations.push(operation);
      continue;
    }
    if (Object.keys(rest).length > 0) attributeOperations.push({ ...operation, value: rest });
    const ids = memberIdsOf(members.value, `${where}.value.${members.key}`);
    if (operation.op === 'add') {
      if (ids.length > 0) memberChanges.push({ kind: 'add', ids });
    } else {
      memberChanges.push({ kind: 'replace', ids });
    }
  }
  return { memberChanges, attributeOperations };
}
