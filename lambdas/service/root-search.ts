/**
 * POST /scim/v2/.search (RFC 7644 §3.4.3): one result set over Users and Groups. Users come
 * first, then Groups, each in id (creation) order, unless `sortBy` sorts the whole set. A filter
 * applies to the types whose schema it compiles against (a `userName` filter finds no Groups);
 * each type runs its own planner. Paging is by offset: `startIndex`, or RFC 9865 cursors that
 * carry an offset. Semantics and cost per page: docs/ROOT-SEARCH.md.
 */
import { type CursorBinding, decodeCursor, encodeCursor, queryHash } from '../scim/cursor';
import type { FilterNode } from '../scim/filter/ast';
import { compileFilter } from '../scim/filter/evaluate';
import { parseFilter, printFilter } from '../scim/filter/parser';
import { type ListParameters, type ListResponse, listResponse } from '../scim/list';
import type { JsonObject } from '../scim/schema/json';
import type { Projection } from '../scim/schema/projection';
import type { ResourceTypeName, SchemaRegistry } from '../scim/schema/registry';
import { compileSort, type ResourceComparator } from '../scim/sort';
import { readListingPage, type StoredItem } from '../store/listing';
import { type ListingAccess, NOT_IN_LISTING } from './list-pages';

/** One resource type of the root search: its listing and how a page of it is presented. */
export interface SearchSource<T> {
  readonly access: ListingAccess<T>;
  readonly present: (page: readonly T[], projection: Projection) => Promise<JsonObject[]>;
}

/** A found resource, handed back only to the source that found it. */
interface Hit {
  readonly source: number;
  readonly item: unknown;
  readonly view: () => JsonObject;
}

/** A source with its item type erased, so Users and Groups travel in one list. */
interface ErasedSource {
  readonly resourceType: ResourceTypeName;
  readonly count: () => Promise<number>;
  readonly readPage: (startIndex: number, count: number) => Promise<Hit[]>;
  readonly findAll: (filter: FilterNode | undefined) => Promise<Hit[]>;
  readonly cursorBinding: () => Promise<CursorBinding>;
  readonly present: (items: readonly unknown[], projection: Projection) => Promise<JsonObject[]>;
}

/** A source ready for rootSearch. */
export type RootSearchSource = (index: number) => ErasedSource;

export const searchSource =
  <T>(source: SearchSource<T>): RootSearchSource =>
  (index) =>
    erase(source, index);

function erase<T>(source: SearchSource<T>, index: number): ErasedSource {
  const { access } = source;
  const hit = (item: T): Hit => ({ source: index, item, view: () => access.represent(item) });
  const hash = queryHash({ resourceType: access.resourceType });
  return {
    resourceType: access.resourceType,
    count: access.count,
    // The type's own listing and page checkpoints (shared with GET /Users and GET /Groups).
    readPage: async (startIndex, count) =>
      (await readListingPage(access.source, { startIndex, count }, access.checkpoints(hash)))
        .map((item: StoredItem) => access.fromItem(item))
        .filter((r): r is T => r !== undefined)
        .map(hit),
    findAll: async (filter) => (await access.findAll(filter)).map(hit),
    cursorBinding: access.cursorBinding,
    // Items reach `present` only from this source's own hits (see Hit), so they are T.
    present: (items, projection) => source.present(items as readonly T[], projection),
  };
}

export async function rootSearch(
  registry: SchemaRegistry,
  sources: readonly RootSearchSource[],
  params: ListParameters,
): Promise<ListResponse<JsonObject>> {
  const erased = sources.map((s, i) => s(i));
  const types = erased.map((s) => s.resourceType);
  const projection: Projection = {
    ...(params.attributes ? { attributes: params.attributes } : {}),
    ...(params.excludedAttributes ? { excludedAttributes: params.excludedAttributes } : {}),
  };
  // Everything is checked before any read: a bad filter, sortBy or cursor costs nothing.
  const filter = params.filter !== undefined ? parseFilter(params.filter) : undefined;
  // Compiled per type: a type mismatch is a 400; an attribute a type lacks matches nothing there.
  const applies = types.map(
    (type) =>
      filter === undefined ||
      (!!compileFilter(filter, registry.lookup(type)) && mayMatch(filter, type, registry)),
  );
  const compare = params.sortBy !== undefined ? rootComparator(types, params, registry) : undefined;
  const hash = queryHash({
    resourceType: types.join('+'),
    ...(filter ? { filter: printFilter(filter) } : {}),
    ...(params.sortBy ? { sortBy: params.sortBy } : {}),
    ...(params.sortOrder ? { sortOrder: params.sortOrder } : {}),
  });
  const cursorMode = params.cursor !== undefined;
  const binding = cursorMode ? await erased[0]?.cursorBinding() : undefined;
  const position = cursorMode ? decodeCursor(params.cursor ?? '', hash, new Date(), binding) : undefined;
  const offset = position && 'offset' in position ? position.offset : cursorMode ? 1 : params.startIndex;

  let page: Hit[];
  let totalResults: number;
  if (filter === undefined && compare === undefined) {
    // Unfiltered: the counters give each type's size; only the types the page overlaps are read.
    const counts = await Promise.all(erased.map((s) => s.count()));
    totalResults = counts.reduce((a, b) => a + b, 0);
    page = [];
    let base = 0;
    for (const [i, source] of erased.entries()) {
      const size = counts[i] ?? 0;
      const wanted = params.count - page.length;
      if (wanted <= 0) break;
      const from = offset + page.length - base;
      if (from <= size) page.push(...(await source.readPage(from, Math.min(wanted, size - from + 1))));
      base += size;
    }
  } else {
    const found = await Promise.all(
      erased.map((s, i) => (applies[i] ? s.findAll(filter) : Promise.resolve([]))),
    );
    const all = found.flat();
    if (compare) {
      const views = new Map(all.map((h) => [h, h.view()] as const));
      all.sort((a, b) => compare(views.get(a) ?? {}, views.get(b) ?? {}));
    }
    totalResults = all.length;
    page = all.slice(offset - 1, offset - 1 + params.count);
  }

  const resources = await presentInOrder(erased, page, projection);
  const next = offset + page.length;
  return listResponse(
    resources,
    totalResults,
    cursorMode ? undefined : offset,
    cursorMode && page.length > 0 && next <= totalResults
      ? { nextCursor: encodeCursor(hash, { offset: next }, new Date(), binding) }
      : {},
  );
}

/** The page in its order, each source presenting its own hits in one call; meta.resourceType always. */
async function presentInOrder(
  sources: readonly ErasedSource[],
  page: readonly Hit[],
  projection: Projection,
): Promise<JsonObject[]> {
  const out: JsonObject[] = new Array(page.length);
  await Promise.all(
    sources.map(async (source, index) => {
      const positions = page.flatMap((hit, at) => (hit.source === index ? [at] : []));
      if (positions.length === 0) return;
      const presented = await source.present(
        positions.map((at) => (page[at] as Hit).item),
        projection,
      );
      positions.forEach((at, k) => {
        const resource = presented[k] as JsonObject;
        const meta = (resource.meta ?? {}) as JsonObject;
        out[at] = { ...resource, meta: { ...meta, resourceType: source.resourceType } };
      });
    }),
  );
  return out;
}

/**
 * False when the filter cannot match any resource of the type: it names none of the type's
 * attributes and has no `not` (a comparison on an attribute a type lacks is false), so that
 * type is not read at all (`userName sw "a"` walks no Groups).
 */
function mayMatch(filter: FilterNode, type: ResourceTypeName, registry: SchemaRegistry): boolean {
  const visit = (node: FilterNode): { known: boolean; negated: boolean } => {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const l = visit(node.left);
        const r = visit(node.right);
        return { known: l.known || r.known, negated: l.negated || r.negated };
      }
      case 'not':
        return { known: visit(node.operand).known, negated: true };
      default:
        return { known: registry.resolve(type, node.path) !== undefined, negated: false };
    }
  };
  const { known, negated } = visit(filter);
  return known || negated;
}

/**
 * sortBy compiled for the first type that has the attribute (resources of a type without it
 * sort last); when no type has it, the first type's error (400 invalidValue).
 */
function rootComparator(
  types: readonly ResourceTypeName[],
  params: ListParameters,
  registry: SchemaRegistry,
): ResourceComparator {
  const sortBy = params.sortBy ?? '';
  const has = (type: ResourceTypeName): boolean => {
    try {
      return registry.resolve(type, registry.parsePath(type, sortBy)) !== undefined;
    } catch {
      return false;
    }
  };
  const type = types.find(has) ?? (types[0] as ResourceTypeName);
  return compileSort(type, sortBy, params.sortOrder, registry, NOT_IN_LISTING[type]);
}
