/**
 * `GET /Users?filter=groups.value eq "<groupId>"` (and `/Users/.search`): one group's members,
 * paged from the group's membership partition instead of a walk of the tenant's users. A page
 * is 1 Query of the `M#` keys from the cursor (or offset) position, at most count + 1 keys (the
 * extra one says whether a next page exists), then 1 BatchGetItem of the page's users, which
 * also drops members whose user is gone. Only the filter alone is served; any other reference
 * to `groups` is 400 invalidFilter. No totalResults on pages, as counting reads every key; `count=0`,
 * which asks for the total alone, gets it from a COUNT Query of the keys (docs/GROUPS.md).
 */
import { DomainError } from '../domain/errors';
import { type CursorPosition, decodeCursor, encodeCursor, queryHash } from '../scim/cursor';
import type { AttributePath, FilterNode } from '../scim/filter/ast';
import { termsNaming } from '../scim/filter/evaluate';
import { printFilter } from '../scim/filter/parser';
import { unsupportedFilter } from '../scim/filter/unsupported';
import { type ListParameters, type ListResponse, listResponse } from '../scim/list';
import type { JsonObject } from '../scim/schema/json';
import type { Projection } from '../scim/schema/projection';
import type { SchemaRegistry } from '../scim/schema/registry';
import { MAX_EXAMINED_ITEMS } from '../store/listing';
import { countMembers, memberIdsPage } from '../store/memberships-store';
import { getUsersByIds, type StoredUser } from '../store/users-store';
import { cursorBindingFrom } from './list-pages';
import type { ResourceContext } from './resource-service';

const isGroupsPath = (path: AttributePath, registry: SchemaRegistry): boolean => {
  const resolved = registry.resolve('User', { ...path, subAttribute: undefined });
  return !!resolved && !resolved.extension && resolved.attribute.name === 'groups';
};

/** The group id of a `groups.value eq "x"` or `groups[value eq "x"]` node, else undefined. */
function groupTerm(node: FilterNode, registry: SchemaRegistry): string | undefined {
  if (node.kind === 'compare' && node.op === 'eq' && typeof node.value === 'string') {
    if (!isGroupsPath(node.path, registry)) return undefined;
    const resolved = registry.resolve('User', node.path);
    return resolved?.subAttribute?.name === 'value' ? node.value : undefined;
  }
  if (
    node.kind === 'valuePath' &&
    node.path.subAttribute === undefined &&
    isGroupsPath(node.path, registry)
  ) {
    const inner = node.filter;
    return inner.kind === 'compare' &&
      inner.op === 'eq' &&
      inner.path.schema === undefined &&
      inner.path.subAttribute === undefined &&
      inner.path.attribute.toLowerCase() === 'value' &&
      typeof inner.value === 'string'
      ? inner.value
      : undefined;
  }
  return undefined;
}

/**
 * The group whose members `filter` asks for: the group id when the filter is exactly one group
 * term; undefined when it names no `groups` (the ordinary planner answers it); invalidFilter for
 * any other reference to `groups` (combined with other terms, under `or`/`not`, `ne`, `pr`,
 * `groups.display` …), which neither a page of the partition nor the listing, where `groups` is
 * not materialised, can answer exactly.
 */
export function memberFilterGroup(filter: FilterNode, registry: SchemaRegistry): string | undefined {
  const alone = groupTerm(filter, registry);
  if (alone !== undefined) return alone;
  if (termsNaming(filter, (path) => isGroupsPath(path, registry)).length > 0) {
    throw unsupportedFilter(
      'Filters on groups support only groups.value eq "<groupId>" as the whole filter, which pages the group\'s members; read a user with GET /Users/{id} to see its groups',
    );
  }
  return undefined;
}

/** One page of the group's members as the client sees them. */
export async function listGroupMembers(
  ctx: ResourceContext,
  groupId: string,
  filter: FilterNode,
  params: ListParameters,
  presentPage: (page: readonly StoredUser[], projection: Projection) => Promise<JsonObject[]>,
): Promise<ListResponse<JsonObject>> {
  if (params.sortBy !== undefined) {
    throw new DomainError(
      'invalidValue',
      'sortBy is not supported with groups.value eq: members are returned in id order',
    );
  }
  const projection: Projection = {
    ...(params.attributes ? { attributes: params.attributes } : {}),
    ...(params.excludedAttributes ? { excludedAttributes: params.excludedAttributes } : {}),
  };
  const { store } = ctx;
  const count = params.count;
  let ids: string[];
  let nextCursor: string | undefined;
  let totalResults: number | undefined;
  if (params.cursor !== undefined) {
    const hash = queryHash({ resourceType: 'User', filter: printFilter(filter) });
    const binding = await cursorBindingFrom(store.tenant, store.tableName, ctx.cursorKeys);
    const position: CursorPosition | undefined = decodeCursor(params.cursor, hash, new Date(), binding);
    if (position !== undefined && !('afterId' in position)) {
      // Only listings sorted in memory issue offset cursors, and this query is never sorted.
      throw new DomainError('invalidValue', 'cursor is not a value this server issued for this query');
    }
    const read = await memberIdsPage(store, groupId, position?.afterId, count + 1);
    ids = read.slice(0, count);
    const last = ids[ids.length - 1];
    if (read.length > count && last !== undefined) {
      nextCursor = encodeCursor(hash, { afterId: last }, new Date(), binding);
    }
  } else {
    const skip = params.startIndex - 1;
    if (skip > MAX_EXAMINED_ITEMS) {
      throw new DomainError(
        'tooMany',
        `startIndex ${params.startIndex} would skip more than ${MAX_EXAMINED_ITEMS} members; use cursor paging (cursor=, RFC 9865)`,
      );
    }
    // Index paging needs no look-ahead: the client stops at a short page. count=0 asks for the
    // total alone (RFC 7644 §3.4.2.4): DynamoDB counts the member keys, and nothing else is read.
    if (count === 0) {
      // Bounded like a walk: counting reads every key, so past MAX_EXAMINED_ITEMS it is refused.
      totalResults = await countMembers(store, groupId, MAX_EXAMINED_ITEMS + 1);
      if (totalResults > MAX_EXAMINED_ITEMS) {
        throw new DomainError(
          'tooMany',
          `The group has more than ${MAX_EXAMINED_ITEMS} members, more than a count reads; page them with cursor=`,
        );
      }
    }
    const read = count > 0 ? await memberIdsPage(store, groupId, undefined, skip + count) : [];
    ids = read.slice(skip, skip + count);
  }
  // The users are read again: a member whose user was deleted (or never of this tenant) is left out.
  const users = await getUsersByIds(store, ids);
  return listResponse(
    await presentPage(users, projection),
    totalResults,
    params.cursor !== undefined ? undefined : params.startIndex,
    nextCursor !== undefined ? { nextCursor } : {},
  );
}
