/**
 * The Users resource (RFC 7643 §4.1, RFC 7644 §3): validation through the schema module,
 * look-ups and writes through the store, representation and projection on the way out. No HTTP
 * here: the handler turns requests into these calls and results into responses.
 *
 * Every write is conditional on the version read (write-retries.ts); without If-Match a lost
 * race re-runs the read-modify-write, with If-Match a stale version is preconditionFailed.
 *
 * Why, and DynamoDB requests per operation: docs/DECISIONS.md.
 */

import { DomainError } from '../domain/errors';
import { parseFilter } from '../scim/filter/parser';
import type { ListParameters, ListResponse } from '../scim/list';
import { applyPatch } from '../scim/patch/apply';
import { parsePatchRequest, patchSchemasOf } from '../scim/patch/request';
import type { JsonObject } from '../scim/schema/json';
import { isAttributeRequested, type Projection } from '../scim/schema/projection';
import { parseResourceInput } from '../scim/schema/resource-input';
import {
  createUser,
  deleteUser,
  getUser,
  readUserWithGroupIds,
  replaceUser,
  type StoredUser,
  USER_READS,
} from '../store/users-store';
import { listGroupMembers, memberFilterGroup } from './group-members-page';
import {
  countAfterWrite,
  listResources,
  notFoundError,
  type ResourceContext,
  type ResourceKind,
  type ResourceOperations,
  type ResourceResult,
  resultOf,
  sameAttributes,
} from './resource-service';
import { findUsers } from './users-query';
import { type UserGroupRef, userRepresentation } from './users-representation';
import { checkIfMatch, type IfMatch, writeWithRetries } from './write-retries';

/**
 * What the Users service needs from group memberships beyond the group ids it reads with the
 * user. The memberships store provides it (memberships-store.ts: groupReferences,
 * removeMembershipsOfUser); kept as an interface so the Users service does not depend on how
 * the group side of a membership is stored.
 */
interface UserMemberships {
  /** User.groups entries for these group ids (display names from the group items). */
  groupReferences(groupIds: readonly string[]): Promise<readonly UserGroupRef[]>;
  /** The ids of the groups a user belongs to (its refs: 1 Query), for a listed user. */
  groupIdsOf(userId: string): Promise<readonly string[]>;
  /** Deletes both sides of the user's memberships of these groups (after the user is deleted). */
  removeMemberships(userId: string, groupIds: readonly string[]): Promise<void>;
}

export interface UsersContext extends ResourceContext {
  readonly memberships: UserMemberships;
}

type Users = ResourceOperations<UsersContext>;

export const USERS: ResourceKind<StoredUser> = {
  resourceType: 'User',
  stored: USER_READS,
  find: findUsers,
  represent: userRepresentation,
};

/**
 * Bounds of a listing that carries `groups` (1 Query per user): at most 100 users a page, read
 * 10 at a time, and 10,000 group references in all (~2 MB, like a group's members cap).
 */
const MAX_USERS_WITH_GROUPS = 100;
const GROUP_READS_IN_FLIGHT = 10;
const MAX_GROUP_REFS_PER_RESPONSE = 10_000;

const groupsRequested = (ctx: UsersContext, projection: Projection): boolean =>
  isAttributeRequested('groups', 'User', projection, ctx.registry);

/**
 * `groupIds`: the ids read with the user (undefined: not read, e.g. listings or a projection
 * without groups); their names are read only when there are any. `references`: the groups'
 * entries already read for a whole page.
 */
async function present(
  ctx: UsersContext,
  stored: StoredUser,
  projection: Projection,
  groupIds?: readonly string[],
  references?: ReadonlyMap<string, UserGroupRef>,
): Promise<ResourceResult> {
  const wanted = groupIds !== undefined && groupIds.length > 0 && groupsRequested(ctx, projection);
  const groups = !wanted
    ? []
    : references
      ? groupIds.flatMap((id) => references.get(id) ?? [])
      : await ctx.memberships.groupReferences(groupIds);
  return resultOf(ctx, 'User', userRepresentation(stored, ctx.baseUrl, groups), stored.version, projection);
}

/** POST /Users (RFC 7644 §3.3). */
const createUserResource: Users['create'] = async (ctx, body, projection) => {
  const resource = parseResourceInput('User', body, ctx.registry);
  const stored = await createUser(ctx.store, resource);
  await countAfterWrite(ctx, 'USERS', +1);
  // A new user belongs to no group: `groups` in the body is readOnly and ignored (RFC 7643 §4.1.2).
  return present(ctx, stored, projection);
};

interface ReadUser {
  readonly stored: StoredUser;
  /** Present when read (the projection wants groups). */
  readonly groupIds?: readonly string[];
}

/**
 * The user, with its group ids when `withGroups`: either way ONE request (a Query of the user's
 * partition, or a GetItem when the groups would be projected away). 'notFound' when missing.
 */
async function mustReadUser(ctx: UsersContext, id: string, withGroups: boolean): Promise<ReadUser> {
  const { user, groupIds } = withGroups
    ? await readUserWithGroupIds(ctx.store, id)
    : { user: await getUser(ctx.store, id), groupIds: undefined };
  if (!user) throw notFoundError('User', id);
  return groupIds === undefined ? { stored: user } : { stored: user, groupIds };
}

/** GET /Users/{id} (RFC 7644 §3.4.1). */
const getUserResource: Users['get'] = async (ctx, id, projection) => {
  const { stored, groupIds } = await mustReadUser(ctx, id, groupsRequested(ctx, projection));
  return present(ctx, stored, projection, groupIds);
};

/** GET /Users and POST /Users/.search. */
async function listUserResources(
  ctx: UsersContext,
  params: ListParameters,
): Promise<ListResponse<JsonObject>> {
  // groups are listed only when `attributes` names them (presentUserPage): one Query per listed
  // user would multiply the cost of every import page.
  const present = (page: readonly StoredUser[], projection: Projection) =>
    presentUserPage(ctx, page, projection);
  // `groups.value eq "<id>"` pages one group's members from its partition (group-members-page.ts).
  const filter = params.filter !== undefined ? parseFilter(params.filter) : undefined;
  const groupId = filter ? memberFilterGroup(filter, ctx.registry) : undefined;
  if (filter && groupId !== undefined) return listGroupMembers(ctx, groupId, filter, params, present);
  return listResources(ctx, USERS, params, present);
}

/**
 * A listed page of users as the client sees it (also the root search's). Listed users carry
 * `groups` only when `attributes` names it: then 1 Query per user (its refs) and one batched
 * read of the groups' names for the page; by default a listing reads no membership at all.
 */
export async function presentUserPage(
  ctx: UsersContext,
  page: readonly StoredUser[],
  projection: Projection,
): Promise<JsonObject[]> {
  const named = projection.attributes !== undefined && groupsRequested(ctx, projection);
  if (named && page.length > MAX_USERS_WITH_GROUPS) {
    throw new DomainError(
      'tooMany',
      `A page with groups lists at most ${MAX_USERS_WITH_GROUPS} users; ask for count=${MAX_USERS_WITH_GROUPS} or fewer`,
    );
  }
  const groupIds: (readonly string[])[] = [];
  // A few Queries at a time, so one page does not take every connection of the client.
  for (let i = 0; named && i < page.length; i += GROUP_READS_IN_FLIGHT) {
    const slice = page.slice(i, i + GROUP_READS_IN_FLIGHT);
    groupIds.push(...(await Promise.all(slice.map((user) => ctx.memberships.groupIdsOf(user.id)))));
  }
  if (groupIds.reduce((sum, ids) => sum + ids.length, 0) > MAX_GROUP_REFS_PER_RESPONSE) {
    throw new DomainError(
      'tooMany',
      `The users of this page are in more than ${MAX_GROUP_REFS_PER_RESPONSE} groups in all, more than one response carries; ask for fewer users`,
    );
  }
  const distinct = [...new Set(groupIds.flat())];
  const references = new Map(
    (distinct.length > 0 ? await ctx.memberships.groupReferences(distinct) : []).map(
      (g) => [g.value, g] as const,
    ),
  );
  return Promise.all(
    page.map(async (user, i) => (await present(ctx, user, projection, groupIds[i], references)).resource),
  );
}

/**
 * The read-modify-write of PUT and PATCH: read the user (with its group ids when the response
 * shows them), check If-Match, write what `change` makes of it, re-run on a lost race.
 * Memberships are not part of the user item: the refs read before the write are current.
 */
async function rewriteUser(
  ctx: UsersContext,
  id: string,
  projection: Projection,
  ifMatch: IfMatch,
  change: (current: StoredUser) => Promise<StoredUser>,
): Promise<ResourceResult> {
  const withGroups = groupsRequested(ctx, projection);
  let groupIds: readonly string[] | undefined;
  const stored = await writeWithRetries(ifMatch, async () => {
    const read = await mustReadUser(ctx, id, withGroups);
    groupIds = read.groupIds;
    checkIfMatch(ifMatch, read.stored.version);
    return change(read.stored);
  });
  return present(ctx, stored, projection, groupIds);
}

/** PUT /Users/{id} (RFC 7644 §3.5.1): full replace; echoed id/meta/schemas are ignored. */
const replaceUserResource: Users['replace'] = (ctx, id, body, projection, ifMatch) => {
  const resource = parseResourceInput('User', body, ctx.registry);
  return rewriteUser(ctx, id, projection, ifMatch, async (current) =>
    // Okta resends the whole user on every push: an unchanged one writes nothing, version kept.
    sameAttributes(current.resource, resource) ? current : replaceUser(ctx.store, current, resource),
  );
};

/** PATCH /Users/{id} (RFC 7644 §3.5.2): 200 with the resource. */
const patchUserResource: Users['patch'] = (ctx, id, body, projection, ifMatch) => {
  const schemas = patchSchemasOf(ctx.registry.resourceSchemas('User'));
  // Parsed before any read: a malformed PATCH costs no DynamoDB request.
  const operations = parsePatchRequest(body, { schemas: [schemas.core, ...schemas.extensions] });
  const lookup = ctx.registry.lookup('User');
  return rewriteUser(ctx, id, projection, ifMatch, async (current) => {
    if (operations.length === 0) return current; // Entra's empty Operations: nothing to write
    const patched = applyPatch(current.resource, operations, lookup, { schemas });
    if (patched.changedAttributes.length === 0) return current;
    // The patched resource must still be a valid User (e.g. userName cannot be removed).
    const resource = parseResourceInput('User', patched.resource, ctx.registry, { patched: true });
    return replaceUser(ctx.store, current, resource);
  });
};

/**
 * DELETE /Users/{id} (RFC 7644 §3.6): the user and its userName guard (one transaction), then
 * both sides of its memberships, from the refs read once the user is gone.
 */
async function deleteUserResource(ctx: UsersContext, id: string, ifMatch?: IfMatch): Promise<void> {
  await writeWithRetries(ifMatch, async () => {
    const read = await readUserWithGroupIds(ctx.store, id);
    const { groupIds } = read;
    if (!read.user) {
      // A retried DELETE whose first attempt removed the user but failed in the membership
      // clean-up finishes that clean-up (idempotent) before answering notFound.
      if (groupIds.length > 0) await ctx.memberships.removeMemberships(id, groupIds);
      throw notFoundError('User', id);
    }
    checkIfMatch(ifMatch, read.user.version);
    await deleteUser(ctx.store, read.user);
  });
  await countAfterWrite(ctx, 'USERS', -1);
  // The refs are read once the user is gone, so a membership added meanwhile (its user check
  // passed before the delete) is removed too. One added after this read finds no user when the
  // stream consumer sees it, which removes it (docs/GROUPS.md, "Races").
  const current = await ctx.memberships.groupIdsOf(id);
  if (current.length > 0) await ctx.memberships.removeMemberships(id, current);
}

/** The Users operations, as the request side (handlers/resource-handler.ts) calls them. */
export const userOperations: Users = {
  create: createUserResource,
  get: getUserResource,
  list: listUserResources,
  replace: replaceUserResource,
  patch: patchUserResource,
  delete: deleteUserResource,
};
