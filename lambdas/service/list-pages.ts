/**
 * One paging engine for Users and Groups (RFC 7644 §3.4.2.4 index paging, RFC 9865 cursor
 * paging, §3.4.2.3 sorting), so both resources page, sort and count the same way.
 *
 * Cost by construction:
 *  - unfiltered, unsorted, by index: totalResults from the sharded counter (1 Query), the page
 *    from the nearest page checkpoint (1 Query) — a sequential import reads each item once; a
 *    page past the counter reads nothing more, a skip past MAX_EXAMINED_ITEMS is tooMany;
 *  - unfiltered, unsorted, by cursor: the page resumes after the cursor's id (no offset walk);
 *  - filtered: the service's planner (key look-up or bounded walk) yields all matches in id
 *    order, which index and cursor pages slice;
 *  - sorted: the bounded match set is sorted in memory; cursors then carry an offset.
 */
import { type CursorBinding, decodeCursor, encodeCursor, queryHash } from '../scim/cursor';
import type { FilterNode } from '../scim/filter/ast';
import { printFilter } from '../scim/filter/parser';
import type { ListParameters } from '../scim/list';
import type { JsonObject } from '../scim/schema/json';
import type { ResourceTypeName, SchemaRegistry } from '../scim/schema/registry';
import { compileSort } from '../scim/sort';
import { type CountedResource, readResourceCount } from '../store/counters';
import {
  type CheckpointCache,
  type ListingSource,
  listingResumeKey,
  readListingFrom,
  readListingPage,
  type StoredItem,
} from '../store/listing';
import { dynamoCheckpointCache } from '../store/page-checkpoints';

/**
 * Attributes a listed resource does not carry: User.groups and Group.members are items of their
 * own, read only for the page's response. Sorting by them is refused (scim/sort.ts).
 */
export const NOT_IN_LISTING: Readonly<Record<ResourceTypeName, ReadonlySet<string>>> = {
  User: new Set(['groups']),
  Group: new Set(['members']),
};
export interface ListingAccess<T> {
  readonly resourceType: ResourceTypeName;
  readonly registry: SchemaRegistry;
  readonly source: ListingSource;
  readonly fromItem: (item: StoredItem) => T | undefined;
  readonly idOf: (resource: T) => string;
  /** GSI1 start key that resumes the listing right after this id. */
  readonly resumeKeyAfter: (id: string) => Record<string, unknown>;
  /** totalResults of the unfiltered listing. */
  readonly count: () => Promise<number>;
  readonly checkpoints: (queryHash: string) => CheckpointCache;
  /** Every match of a filter (or every resource when undefined), id order, bounded ('tooMany' past the limit). */
  readonly findAll: (filter: FilterNode | undefined) => Promise<T[]>;
  /** The SCIM representation sorting compares. */
  readonly represent: (resource: T) => JsonObject;
  /** Tenant and keys that sign this listing's cursors (read only when a cursor is used). */
  readonly cursorBinding: () => Promise<CursorBinding>;
}

/** Env variable with the deployment's cursor-signing key (the CDK stack sets one). */
const CURSOR_KEY_ENV = 'SCIM_CURSOR_KEY';

/**
 * Without a configured key the table name keys the HMAC: cursors stay tenant- and query-bound
 * and evident to accidental edits, but a client that knows the table name could forge one —
 * which, as cursors grant nothing, would only move it within its own listing.
 */
function cursorBinding(
  tenant: string,
  tableName: string,
  env: NodeJS.ProcessEnv = process.env,
): CursorBinding {
  return { tenant, key: env[CURSOR_KEY_ENV] || `scim-cursor:${tableName}` };
}

/** The deployment's cursor keys (current first), e.g. from the stack's secret (runtime.ts). */
export type CursorKeys = () => Promise<readonly string[]>;

/** The binding from `keys` when configured, else cursorBinding's. */
export async function cursorBindingFrom(
  tenant: string,
  tableName: string,
  keys: CursorKeys | undefined,
): Promise<CursorBinding> {
  const [key, ...previousKeys] = keys ? await keys() : [];
  return key ? { tenant, key, previousKeys } : cursorBinding(tenant, tableName);
}

export interface ResultPage<T> {
  readonly resources: T[];
  readonly totalResults: number;
  /** Index paging only: RFC 9865 cursor pages have no index. */
  readonly startIndex?: number;
  readonly nextCursor?: string;
}

export async function listPage<T>(
  access: ListingAccess<T>,
  params: ListParameters,
  filter: FilterNode | undefined,
): Promise<ResultPage<T>> {
  const hash = queryHash({
    resourceType: access.resourceType,
    ...(filter ? { filter: printFilter(filter) } : {}),
    ...(params.sortBy ? { sortBy: params.sortBy } : {}),
    ...(params.sortOrder ? { sortOrder: params.sortOrder } : {}),
  });
  const cursorMode = params.cursor !== undefined;
  // The keys are read only in cursor mode: index paging never touches the key source.
  const binding = cursorMode ? await access.cursorBinding() : undefined;
  const position = cursorMode ? decodeCursor(params.cursor ?? '', hash, new Date(), binding) : undefined;
  const cursorAt = (at: Parameters<typeof encodeCursor>[1]) => encodeCursor(hash, at, new Date(), binding);

  if (params.sortBy !== undefined) {
    // Compiled before any read: a bad sortBy costs nothing.
    const compare = compileSort(
      access.resourceType,
      params.sortBy,
      params.sortOrder,
      access.registry,
      NOT_IN_LISTING[access.resourceType],
    );
    const all = await access.findAll(filter);
    const keyed = all.map((resource) => ({ resource, view: access.represent(resource) }));
    keyed.sort((a, b) => compare(a.view, b.view));
    const sorted = keyed.map((k) => k.resource);
    const offset = position && 'offset' in position ? position.offset : cursorMode ? 1 : params.startIndex;
    return slice(sorted, offset, params.count, cursorMode, (next) => cursorAt({ offset: next }));
  }

  if (filter !== undefined) {
    const all = await access.findAll(filter);
    if (position && 'afterId' in position) {
      const after = position.afterId;
      const rest = all.filter((resource) => access.idOf(resource) > after);
      const resources = rest.slice(0, params.count);
      const last = resources[resources.length - 1];
      return {
        resources,
        totalResults: all.length,
        ...(last && rest.length > resources.length
          ? { nextCursor: cursorAt({ afterId: access.idOf(last) }) }
          : {}),
      };
    }
    const offset = cursorMode ? 1 : params.startIndex;
    return slice(all, offset, params.count, cursorMode, (_next, last) =>
      cursorAt({ afterId: access.idOf(last) }),
    );
  }

  if (cursorMode) {
    const startKey = position && 'afterId' in position ? access.resumeKeyAfter(position.afterId) : undefined;
    const [total, items] = await Promise.all([
      access.count(),
      params.count > 0 ? readListingFrom(access.source, startKey, params.count + 1) : Promise.resolve([]),
    ]);
    const page = toResources(access, items);
    const resources = page.slice(0, params.count);
    const last = resources[resources.length - 1];
    return {
      resources,
      totalResults: total,
      ...(last && page.length > resources.length
        ? { nextCursor: cursorAt({ afterId: access.idOf(last) }) }
        : {}),
    };
  }

  if (params.startIndex === 1) {
    // Nothing to skip: the first page is bounded by `count`, read alongside the counter.
    const [total, items] = await Promise.all([
      access.count(),
      readListingPage(access.source, { startIndex: 1, count: params.count }, access.checkpoints(hash)),
    ]);
    return { resources: toResources(access, items), totalResults: total, startIndex: 1 };
  }
  // A page past the end is answered from the counter alone, without reading any item; a deep
  // offset is bounded by readListingPage (tooMany past MAX_EXAMINED_ITEMS skipped).
  const total = await access.count();
  if (params.startIndex > total) return { resources: [], totalResults: total, startIndex: params.startIndex };
  const items = await readListingPage(
    access.source,
    { startIndex: params.startIndex, count: params.count },
    access.checkpoints(hash),
  );
  return { resources: toResources(access, items), totalResults: total, startIndex: params.startIndex };
}

function toResources<T>(access: ListingAccess<T>, items: readonly StoredItem[]): T[] {
  return items.map(access.fromItem).filter((r): r is T => r !== undefined);
}

function slice<T>(
  all: readonly T[],
  offset: number,
  count: number,
  cursorMode: boolean,
  cursorFor: (nextOffset: number, last: T) => string,
): ResultPage<T> {
  const resources = all.slice(offset - 1, offset - 1 + count);
  const next = offset + resources.length;
  const last = resources[resources.length - 1];
  return {
    resources,
    totalResults: all.length,
    ...(cursorMode ? {} : { startIndex: offset }),
    ...(cursorMode && last && next <= all.length ? { nextCursor: cursorFor(next, last) } : {}),
  };
}

/**
 * The parts of a ListingAccess that are the same for every resource type: the tenant's counter,
 * page checkpoints and the GSI1 resume key come from the store context and the resource's key.
 */
export function standardListingAccess<T extends { readonly id: string }>(options: {
  readonly resourceType: ResourceTypeName;
  readonly registry: SchemaRegistry;
  readonly store: { readonly db: ListingSource['db']; readonly tableName: string; readonly tenant: string };
  readonly source: ListingSource;
  readonly counted: CountedResource;
  readonly tableKey: (tenant: string, id: string) => { readonly PK: string; readonly SK: string };
  readonly fromItem: (item: StoredItem) => T | undefined;
  readonly findAll: ListingAccess<T>['findAll'];
  readonly represent: ListingAccess<T>['represent'];
  readonly cursorKeys?: CursorKeys;
}): ListingAccess<T> {
  const { store, source } = options;
  return {
    resourceType: options.resourceType,
    registry: options.registry,
    source,
    fromItem: options.fromItem,
    idOf: (resource) => resource.id,
    resumeKeyAfter: (id) => listingResumeKey(source, options.tableKey(store.tenant, id), id),
    count: () => readResourceCount(store.db, store.tableName, store.tenant, options.counted),
    checkpoints: (hash) => dynamoCheckpointCache(store.db, store.tableName, store.tenant, hash),
    findAll: options.findAll,
    represent: options.represent,
    cursorBinding: () => cursorBindingFrom(store.tenant, store.tableName, options.cursorKeys),
  };
}
