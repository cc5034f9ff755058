/**
 * What the Users and Groups services share: the context they run in, the representation of a
 * stored resource (id and meta rebuilt from the item, never stored in the resource), the result
 * a handler turns into a response, look-ups that answer 'notFound', listing through the one
 * paging engine (list-pages.ts), and the tenant counters. What differs — User.groups and
 * passwords, Group members — stays in users-service.ts and groups-service.ts.
 */
import { DomainError } from '../domain/errors';
import { clipped } from '../scim/clip';
import type { FilterNode } from '../scim/filter/ast';
import { parseFilter } from '../scim/filter/parser';
import { type ListParameters, type ListResponse, listResponse } from '../scim/list';
import { buildMeta, etagOf } from '../scim/meta';
import { valueKey } from '../scim/patch/values';
import type { JsonObject } from '../scim/schema/json';
import { type Projection, projectResource } from '../scim/schema/projection';
import type { ResourceTypeName, SchemaRegistry } from '../scim/schema/registry';
import type { StoreContext } from '../store/context';
import { adjustResourceCountAfterWrite, type CountedResource } from '../store/counters';
import type { ListingSource, StoredItem } from '../store/listing';
import type { StoredResource } from '../store/resource-store';
import { type CursorKeys, type ListingAccess, listPage, standardListingAccess } from './list-pages';
import type { IfMatch } from './write-retries';

export interface ResourceContext {
  readonly store: StoreContext;
  readonly registry: SchemaRegistry;
  /** Absolute base URL for meta.location and references, e.g. https://host/scim/v2 */
  readonly baseUrl: string;
  /** The deployment's cursor keys; without them cursors are keyed by the table name. */
  readonly cursorKeys?: CursorKeys;
}

/** A resource as returned to the client, with the values of its Location and ETag headers. */
export interface ResourceResult {
  readonly resource: JsonObject;
  readonly location: string;
  readonly etag: string;
}

/** A PATCH whose response carries no resource (204), with the ETag when the version is known. */
interface PatchAcknowledged {
  readonly acknowledged: true;
  readonly etag?: string;
}

/** One resource type's operations, as the request side calls them. */
export interface ResourceOperations<C> {
  create(ctx: C, body: unknown, projection: Projection): Promise<ResourceResult>;
  get(ctx: C, id: string, projection: Projection): Promise<ResourceResult>;
  list(ctx: C, params: ListParameters): Promise<ListResponse<JsonObject>>;
  replace(
    ctx: C,
    id: string,
    body: unknown,
    projection: Projection,
    ifMatch: IfMatch,
  ): Promise<ResourceResult>;
  patch(
    ctx: C,
    id: string,
    body: unknown,
    projection: Projection,
    ifMatch: IfMatch,
  ): Promise<ResourceResult | PatchAcknowledged>;
  delete(ctx: C, id: string, ifMatch: IfMatch): Promise<void>;
}

export const notFoundError = (resourceType: ResourceTypeName, id: string): DomainError =>
  new DomainError('notFound', `${resourceType} ${clipped(id)} not found`);

/** `read`'s resource, or 'notFound' naming it. */
export async function mustExist<T>(
  resourceType: ResourceTypeName,
  id: string,
  read: Promise<T | undefined>,
): Promise<T> {
  const found = await read;
  if (found === undefined) throw notFoundError(resourceType, id);
  return found;
}

/**
 * The SCIM resource a client sees: schemas, id, externalId and the naming attribute first
 * (DynamoDB maps come back in no particular order), then the rest, `computed` (readOnly
 * attributes from other items) and meta.
 */
export function representation(
  resourceType: ResourceTypeName,
  nameAttribute: 'userName' | 'displayName',
  stored: StoredResource,
  baseUrl: string,
  computed: JsonObject = {},
): JsonObject {
  const { schemas, externalId, [nameAttribute]: name, ...attributes } = stored.resource;
  const meta = buildMeta(
    baseUrl,
    resourceType,
    stored.id,
    stored.created,
    stored.lastModified,
    stored.version,
  );
  return {
    ...(schemas !== undefined ? { schemas } : {}),
    id: stored.id,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(name !== undefined ? { [nameAttribute]: name } : {}),
    ...attributes,
    ...computed,
    meta: { ...meta },
  };
}

/** The projected representation with its Location and ETag. */
export function resultOf(
  ctx: ResourceContext,
  resourceType: ResourceTypeName,
  full: JsonObject,
  version: number,
  projection: Projection,
): ResourceResult {
  const meta = full.meta as { location: string };
  return {
    resource: projectResource(full, resourceType, projection, ctx.registry),
    location: meta.location,
    etag: etagOf(version),
  };
}

/** How one resource type's items are read from the store. */
interface StoredKind<T extends StoredResource> {
  readonly listing: (store: StoreContext) => ListingSource;
  readonly tableKey: (tenant: string, id: string) => { readonly PK: string; readonly SK: string };
  readonly fromItem: (item: StoredItem) => T | undefined;
  readonly collect: (store: StoreContext, keep: (resource: T) => boolean) => Promise<T[]>;
  /** The tenant's resource counter of this type. */
  readonly counted: CountedResource;
}

/** How one resource type is kept in the store and filtered, for the paging engine. */
export interface ResourceKind<T extends StoredResource> {
  readonly resourceType: 'User' | 'Group';
  readonly stored: StoredKind<T>;
  readonly find: (
    store: StoreContext,
    filter: FilterNode,
    registry: SchemaRegistry,
    baseUrl: string,
  ) => Promise<T[]>;
  /** The representation filters and sorting see (no computed attributes). */
  readonly represent: (stored: T, baseUrl: string) => JsonObject;
}

export function listingAccess<T extends StoredResource>(
  ctx: ResourceContext,
  kind: ResourceKind<T>,
): ListingAccess<T> {
  const { store, registry, baseUrl } = ctx;
  const { stored } = kind;
  return standardListingAccess({
    resourceType: kind.resourceType,
    registry,
    store,
    source: stored.listing(store),
    counted: stored.counted,
    tableKey: stored.tableKey,
    fromItem: stored.fromItem,
    findAll: (filter) =>
      filter ? kind.find(store, filter, registry, baseUrl) : stored.collect(store, () => true),
    represent: (resource) => kind.represent(resource, baseUrl),
    ...(ctx.cursorKeys ? { cursorKeys: ctx.cursorKeys } : {}),
  });
}

/**
 * GET /{Resources} and POST /{Resources}/.search (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors):
 * the filter is parsed before any read (a bad filter costs no DynamoDB request), the page comes
 * from the paging engine, `presentPage` turns it into resources.
 */
export async function listResources<T extends StoredResource>(
  ctx: ResourceContext,
  kind: ResourceKind<T>,
  params: ListParameters,
  presentPage: (page: readonly T[], projection: Projection) => Promise<JsonObject[]>,
): Promise<ListResponse<JsonObject>> {
  const projection: Projection = {
    ...(params.attributes ? { attributes: params.attributes } : {}),
    ...(params.excludedAttributes ? { excludedAttributes: params.excludedAttributes } : {}),
  };
  const filter: FilterNode | undefined = params.filter !== undefined ? parseFilter(params.filter) : undefined;
  const page = await listPage(listingAccess(ctx, kind), params, filter);
  return listResponse(
    await presentPage(page.resources, projection),
    page.totalResults,
    page.startIndex,
    page.nextCursor ? { nextCursor: page.nextCursor } : {},
  );
}

/** The tenant's count changes after the resource's own transaction (counters.ts explains why). */
export const countAfterWrite = (
  ctx: ResourceContext,
  counted: CountedResource,
  delta: number,
): Promise<void> =>
  adjustResourceCountAfterWrite(ctx.store.db, ctx.store.tableName, ctx.store.tenant, counted, delta);

/** A single-resource look-up as a candidate list. */
export const asCandidates =
  <T>(read: (value: string) => Promise<T | undefined>) =>
  async (value: string): Promise<T[]> => {
    const found = await read(value);
    return found ? [found] : [];
  };

/** The candidates that match, in id (creation) order. */
export function matchingInIdOrder<T extends { readonly id: string }>(
  candidates: readonly T[],
  matches: (resource: T) => boolean,
): T[] {
  return candidates.filter(matches).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Whether a PUT's attributes are those already stored (both canonical: parseResourceInput), so
 * the PUT writes nothing and the version stays: Okta resends whole resources on every push.
 * `ignored`: a top-level attribute stored apart (Group.members, items of their own).
 */
export function sameAttributes(stored: JsonObject, input: JsonObject, ignored?: string): boolean {
  const compared = (resource: JsonObject): JsonObject => {
    if (ignored === undefined || !Object.hasOwn(resource, ignored)) return resource;
    const { [ignored]: _ignored, ...rest } = resource;
    return rest;
  };
  return valueKey(compared(stored)) === valueKey(compared(input));
}
