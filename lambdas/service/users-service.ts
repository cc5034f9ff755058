/**
 * The Users resource (RFC 7643 §4.1, RFC 7644 §3): validation through the schema module,
 * look-ups and writes through the store, representation and projection on the way out. No HTTP
 * here: the handler turns requests into these calls and results into responses.
 *
 * Concurrency: every write is conditional on the version read (write-retries.ts). Without
 * If-Match, PUT and PATCH re-run their read-modify-write when they lose a race, so two PATCHes
 * of different attributes both land; with If-Match a stale version is a 412.
 *
 * DynamoDB requests per operation. The user's partition holds the user item and the user-side
 * refs of its memberships, so "the user and its group ids" is ONE strongly consistent Query;
 * groups' display names are a BatchGetItem of the group items only when there are any
 * (⌈g/100⌉, written "+ names" below):
 *  - create = 1 TransactWriteItems (+ 1 counter UpdateItem);
 *  - get = 1 Query (+ names); without `groups` in the projection 1 GetItem;
 *  - userName eq = 2 GetItems; externalId eq = 1 Query; id eq = 1 GetItem;
 *  - PUT/PATCH = 1 Query + 1 PutItem (1 TransactWriteItems on a rename) (+ names): 1 read +
 *    1 write; the response's groups come from the refs read before the write;
 *  - delete = 1 Query + 1 TransactWriteItems + 1 counter UpdateItem (+ ⌈2g/25⌉ BatchWriteItem
 *    for both sides of g memberships);
 *  - an unfiltered list = COUNT Query pages + the Query of the page (and of the items skipped
 *    before it). Listed users carry no `groups`.
 */

import { notFound } from '../scim/errors';
import type { FilterNode } from '../scim/filter/ast';
import { parseFilter } from '../scim/filter/parser';
import { type ListParameters, type ListResponse, listResponse } from '../scim/list';
import { applyPatch, parsePatchRequest } from '../scim/patch';
import type { JsonObject } from '../scim/schema/json';
import { isAttributeRequested, type Projection, projectResource } from '../scim/schema/projection';
import type { SchemaRegistry } from '../scim/schema/registry';
import { parseResourceInput } from '../scim/schema/resource-input';
import { adjustResourceCountAfterWrite } from '../store/counters';
import { userKey } from '../store/keys';
import {
  collectUsers,
  createUser,
  deleteUser,
  getUser,
  readUserWithGroupIds,
  replaceUser,
  type StoreContext,
  type StoredUser,
  userFromItem,
  userListing,
} from '../store/users-store';
import { type ListingAccess, listPage, standardListingAccess } from './list-pages';
import { findUsers } from './users-query';
import { type UserGroupRef, userEtag, userRepresentation } from './users-representation';
import { checkIfMatch, type IfMatch, writeWithRetries } from './write-retries';

/**
 * What the Users service needs from group memberships beyond the group ids it reads with the
 * user. The memberships store provides it (memberships-store.ts: groupReferences,
 * removeMembershipsOfUser); kept as an interface so the Users service does not depend on how
 * the group side of a membership is stored.
 */
export interface UserMemberships {
  /** User.groups entries for these group ids (display names from the group items). */
  groupReferences(groupIds: readonly string[]): Promise<readonly UserGroupRef[]>;
  /** Deletes both sides of the user's memberships of these groups (after the user is deleted). */
  removeMemberships(userId: string, groupIds: readonly string[]): Promise<void>;
}

export interface UsersContext {
  readonly store: StoreContext;
  readonly registry: SchemaRegistry;
  /** Absolute base URL for meta.location, e.g. https://host/scim/v2 */
  readonly baseUrl: string;
  readonly memberships: UserMemberships;
}

/** A user as returned to the client, with the values of its Location and ETag headers. */
export interface UserResult {
  readonly resource: JsonObject;
  readonly location: string;
  readonly etag: string;
}

export { WRITE_ATTEMPTS } from './write-retries';

const groupsRequested = (ctx: UsersContext, projection: Projection): boolean =>
  isAttributeRequested('groups', 'User', projection, ctx.registry);

/**
 * `groupIds`: the ids read with the user (undefined: not read, e.g. listings or a projection
 * without groups); their names are read only when there are any.
 */
async function present(
  ctx: UsersContext,
  stored: StoredUser,
  projection: Projection,
  groupIds?: readonly string[],
): Promise<UserResult> {
  const wanted = groupIds !== undefined && groupIds.length > 0 && groupsRequested(ctx, projection);
  const groups = wanted ? await ctx.memberships.groupReferences(groupIds) : [];
  const full = userRepresentation(stored, ctx.baseUrl, groups);
  const meta = full.meta as { location: string };
  return {
    resource: projectResource(full, 'User', projection, ctx.registry),
    location: meta.location,
    etag: userEtag(stored),
  };
}

/** POST /Users (RFC 7644 §3.3). */
export async function createUserResource(
  ctx: UsersContext,
  body: unknown,
  projection: Projection = {},
): Promise<UserResult> {
  const resource = parseResourceInput('User', body, ctx.registry);
  const stored = await createUser(ctx.store, resource);
  await countUsers(ctx, +1);
  // A new user belongs to no group: `groups` in the body is readOnly and ignored (RFC 7643 §4.1.2).
  return present(ctx, stored, projection);
}

interface ReadUser {
  readonly stored: StoredUser;
  /** Present when read (the projection wants groups). */
  readonly groupIds?: readonly string[];
}

/**
 * The user, with its group ids when `withGroups`: either way ONE request (a Query of the user's
 * partition, or a GetItem when the groups would be projected away). 404 when missing.
 */
async function mustReadUser(ctx: UsersContext, id: string, withGroups: boolean): Promise<ReadUser> {
  if (!withGroups) {
    const stored = await getUser(ctx.store, id);
    if (!stored) throw notFound(`User ${truncate(id)} not found`);
    return { stored };
  }
  const { user, groupIds } = await readUserWithGroupIds(ctx.store, id);
  if (!user) throw notFound(`User ${truncate(id)} not found`);
  return { stored: user, groupIds };
}

/** GET /Users/{id} (RFC 7644 §3.4.1). */
export async function getUserResource(
  ctx: UsersContext,
  id: string,
  projection: Projection = {},
): Promise<UserResult> {
  const { stored, groupIds } = await mustReadUser(ctx, id, groupsRequested(ctx, projection));
  return present(ctx, stored, projection, groupIds);
}

/** GET /Users and POST /Users/.search (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors). */
export async function listUserResources(
  ctx: UsersContext,
  params: ListParameters,
): Promise<ListResponse<JsonObject>> {
  const projection: Projection = {
    ...(params.attributes ? { attributes: params.attributes } : {}),
    ...(params.excludedAttributes ? { excludedAttributes: params.excludedAttributes } : {}),
  };
  // Parsed before any read: a bad filter costs no DynamoDB request.
  const filter: FilterNode | undefined = params.filter !== undefined ? parseFilter(params.filter) : undefined;
  const page = await listPage(userListingAccess(ctx), params, filter);
  // groups are not listed: one Query per listed user would multiply the cost of every import
  // page; clients read them from GET /Users/{id} or from the groups themselves.
  const resources = await Promise.all(
    page.resources.map(async (u) => (await present(ctx, u, projection)).resource),
  );
  return listResponse(
    resources,
    page.totalResults,
    page.startIndex,
    page.nextCursor ? { nextCursor: page.nextCursor } : {},
  );
}

function userListingAccess(ctx: UsersContext): ListingAccess<StoredUser> {
  const { store } = ctx;
  return standardListingAccess({
    resourceType: 'User',
    registry: ctx.registry,
    store,
    source: userListing(store),
    counted: 'USERS',
    tableKey: userKey,
    fromItem: userFromItem,
    findAll: (filter) =>
      filter ? findUsers(store, filter, ctx.registry, ctx.baseUrl) : collectUsers(store, () => true),
    represent: (user) => userRepresentation(user, ctx.baseUrl),
  });
}

/** The tenant's user count changes after the user's own transaction (counters.ts explains why). */
const countUsers = (ctx: UsersContext, delta: number): Promise<void> =>
  adjustResourceCountAfterWrite(ctx.store.db, ctx.store.tableName, ctx.store.tenant, 'USERS', delta);

/** PUT /Users/{id} (RFC 7644 §3.5.1): full replace; echoed id/meta/schemas are ignored. */
export async function replaceUserResource(
  ctx: UsersContext,
  id: string,
  body: unknown,
  projection: Projection = {},
  ifMatch?: IfMatch,
): Promise<UserResult> {
  const resource = parseResourceInput('User', body, ctx.registry);
  const withGroups = groupsRequested(ctx, projection);
  let groupIds: readonly string[] | undefined;
  const stored = await writeWithRetries(ifMatch, async () => {
    const read = await mustReadUser(ctx, id, withGroups);
    groupIds = read.groupIds;
    checkIfMatch(ifMatch, read.stored.version);
    return replaceUser(ctx.store, read.stored, resource);
  });
  // Memberships are not part of the user item: the refs read before the write are current.
  return present(ctx, stored, projection, groupIds);
}

/** PATCH /Users/{id} (RFC 7644 §3.5.2): 200 with the resource. */
export async function patchUserResource(
  ctx: UsersContext,
  id: string,
  body: unknown,
  projection: Projection = {},
  ifMatch?: IfMatch,
): Promise<UserResult> {
  const { core, extensions } = ctx.registry.resourceSchemas('User');
  const schemas = { core: core.id, extensions: extensions.map((e) => e.schema.id) };
  // Parsed before any read: a malformed PATCH costs no DynamoDB request.
  const operations = parsePatchRequest(body, { schemas: [schemas.core, ...schemas.extensions] });
  const lookup = ctx.registry.lookup('User');
  const withGroups = groupsRequested(ctx, projection);
  let groupIds: readonly string[] | undefined;
  const stored = await writeWithRetries(ifMatch, async () => {
    const read = await mustReadUser(ctx, id, withGroups);
    groupIds = read.groupIds;
    const current = read.stored;
    checkIfMatch(ifMatch, current.version);
    if (operations.length === 0) return current; // Entra's empty Operations: nothing to write
    const patched = applyPatch(current.resource, operations, lookup, { schemas });
    if (patched.changedAttributes.length === 0) return current;
    // The patched resource must still be a valid User (e.g. userName cannot be removed).
    const resource = parseResourceInput('User', patched.resource, ctx.registry);
    return replaceUser(ctx.store, current, resource);
  });
  return present(ctx, stored, projection, groupIds);
}

/**
 * DELETE /Users/{id} (RFC 7644 §3.6): the user and its userName guard (one transaction), then
 * both sides of its memberships, from the refs read with the user.
 */
export async function deleteUserResource(ctx: UsersContext, id: string, ifMatch?: IfMatch): Promise<void> {
  let groupIds: readonly string[] = [];
  await writeWithRetries(ifMatch, async () => {
    const read = await readUserWithGroupIds(ctx.store, id);
    groupIds = read.groupIds;
    if (!read.user) {
      // A retried DELETE whose first attempt removed the user but failed in the membership
      // clean-up finishes that clean-up (idempotent) before answering 404.
      if (groupIds.length > 0) await ctx.memberships.removeMemberships(id, groupIds);
      throw notFound(`User ${truncate(id)} not found`);
    }
    checkIfMatch(ifMatch, read.user.version);
    await deleteUser(ctx.store, read.user);
  });
  await countUsers(ctx, -1);
  // A membership added after the read (its user check passed before the delete) is left as a
  // transient orphan: hidden from reads, and removed by a retried DELETE or a PUT of the group.
  if (groupIds.length > 0) await ctx.memberships.removeMemberships(id, groupIds);
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
