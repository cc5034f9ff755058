/**
 * User items: what Users do not share with Groups (resource-store.ts has the rest: item
 * layout, userName guard, look-ups, listing, create and delete transactions).
 *
 * - userName is unique per tenant case-insensitively (RFC 7643 §4.1.1 caseExact=false).
 * - Every write is conditional on the version read, so concurrent updates never silently
 *   overwrite each other; the caller gets a versionConflict DomainError and re-reads.
 * - The user's partition also holds the user-side refs of its group memberships (SK `G#<gid>`,
 *   memberships-store.ts), so the user and the ids of its groups are ONE strongly consistent
 *   Query (readUserWithGroupIds). The refs carry no index attributes and another `type`, so
 *   listings, counts and userFromItem never see them.
 *
 * Requests: get with group ids = 1 Query (more pages only past ~1 MB of refs); userName prefix
 * = 1 Query (GSI3); replace without rename = 1 PutItem (TransactWriteItems when emails change),
 * with rename = 1 TransactWriteItems; by email = 1 Query + 1 GetItem (user-emails.ts).
 */
import type { JsonObject } from '../scim/schema/json';
import { batchGet } from './batch';
import type { StoreContext } from './context';
import { translateConditionFailure } from './errors';
import { isResourceId, uuidv7 } from './ids';
import {
  USER_GROUP_REF_SK_PREFIX,
  userExternalIdPk,
  userKey,
  userListingPk,
  userNameKey,
  userNamesPk,
} from './keys';
import type { StoredItem } from './listing';
import { queryPartition } from './partition-query';
import {
  createWithNameGuard,
  deleteWithNameGuard,
  getResource,
  isSameName,
  nameGuardItem,
  nameOf,
  type ResourceKind,
  type ResourceReads,
  resourceItem,
  resourceReads,
  type StoredResource,
  storedNameOf,
  storedResourceOf,
  writeWithRename,
} from './resource-store';
import { TABLE_KEYS } from './table-definition';
import { sendTransaction, sendWrite } from './transactions';
import { emailIndexActions, findUserIdsByEmail } from './user-emails';

export type { StoreContext } from './context';

const USER_ITEM_TYPE = 'User';
const USER_NAME_GUARD_TYPE = 'UserName';

/**
 * DynamoDB limits key attributes to 2048 bytes (partition) and 1024 bytes (sort); the
 * folded userName (nameKey) is a GSI3 sort key and part of the guard's partition key.
 */
export const MAX_USERNAME_BYTES = 1000;

export type StoredUser = StoredResource;

const isUserId = isResourceId;

/** Reads a stored item back; undefined for anything that is not a well-formed user item. */
function userFromItem(item: StoredItem | undefined): StoredUser | undefined {
  return storedResourceOf(USERS, item);
}

const USERS: ResourceKind<StoredUser> = {
  noun: 'user',
  counted: 'USERS',
  itemType: USER_ITEM_TYPE,
  guardType: USER_NAME_GUARD_TYPE,
  nameAttribute: 'userName',
  maxNameBytes: MAX_USERNAME_BYTES,
  isMissingName: (name) => name === '',
  guardOwner: 'userId',
  key: userKey,
  nameKey: userNameKey,
  listingPk: userListingPk,
  externalIdPk: userExternalIdPk,
  namesPk: userNamesPk,
  fromItem: userFromItem,
};

/** The stored item of a user (exported for tests and tools that seed tables in bulk). */
export function userItem(tenant: string, user: StoredUser): StoredItem {
  return resourceItem(USERS, tenant, user);
}

export function guardItem(tenant: string, userName: string, userId: string): StoredItem {
  return nameGuardItem(USERS, tenant, userName, userId);
}

export async function createUser(
  ctx: StoreContext,
  resource: JsonObject,
  now: Date = new Date(),
): Promise<StoredUser> {
  const timestamp = now.toISOString();
  const user: StoredUser = {
    id: uuidv7(now.getTime()),
    version: 1,
    created: timestamp,
    lastModified: timestamp,
    resource,
  };
  const item = userItem(ctx.tenant, user);
  const emails = emailIndexActions(ctx, user.id, undefined, resource);
  await createWithNameGuard(ctx, USERS, item, nameOf(USERS, resource), user.id, emails);
  return user;
}

export const getUser = (
  ctx: StoreContext,
  id: string,
  options: { consistent?: boolean } = {},
): Promise<StoredUser | undefined> => getResource(ctx, USERS, id, options.consistent ?? true);

/** A user with the ids of the groups it belongs to (its membership refs). */
export interface UserWithGroupIds {
  /** undefined when the user item is missing (refs may remain after an interrupted DELETE). */
  readonly user: StoredUser | undefined;
  readonly groupIds: readonly string[];
}

/**
 * The user item and its `G#` membership refs in ONE strongly consistent Query of the user's
 * partition (refs sort before the user item `U`), paged if the refs pass 1 MB.
 */
export async function readUserWithGroupIds(ctx: StoreContext, id: string): Promise<UserWithGroupIds> {
  if (!isUserId(id)) return { user: undefined, groupIds: [] };
  let user: StoredUser | undefined;
  const groupIds: string[] = [];
  for await (const item of queryPartition(ctx, { partition: userKey(ctx.tenant, id).PK })) {
    const sk = String(item[TABLE_KEYS.sortKey]);
    if (sk.startsWith(USER_GROUP_REF_SK_PREFIX)) groupIds.push(sk.slice(USER_GROUP_REF_SK_PREFIX.length));
    else user ??= userFromItem(item);
  }
  return { user, groupIds };
}

/** Look-ups by userName, externalId and userName prefix; the listing. */
export const USER_READS: ResourceReads<StoredUser> = resourceReads(USERS);

/**
 * Writes `resource` as the next version of `current`. Conditional on `current.version`; a
 * userName change (other than case) moves the uniqueness guard in the same transaction.
 */
export async function replaceUser(
  ctx: StoreContext,
  current: StoredUser,
  resource: JsonObject,
  now: Date = new Date(),
): Promise<StoredUser> {
  const next: StoredUser = {
    id: current.id,
    version: current.version + 1,
    created: current.created,
    lastModified: now.toISOString(),
    resource,
  };
  const item = userItem(ctx.tenant, next);
  const oldName = storedNameOf(USERS, current);
  const newName = nameOf(USERS, resource);
  const put = {
    TableName: ctx.tableName,
    Item: item,
    ConditionExpression: 'version = :v',
    ExpressionAttributeValues: { ':v': current.version },
  };
  const emails = emailIndexActions(ctx, current.id, current.resource, resource);
  if (!isSameName(oldName, newName)) {
    await writeWithRename(ctx, USERS, { Put: put }, current.id, { oldName, newName }, emails);
    return next;
  }
  try {
    // Changed emails move their index items in the same request (a transaction, not a Put).
    if (emails.length > 0) await sendTransaction(ctx, [{ Put: put }, ...emails], current.id);
    else await sendWrite(ctx, { Put: put }, current.id);
  } catch (error) {
    translateConditionFailure(error, [{ kind: 'version' }]);
  }
  return next;
}

/**
 * Deletes the user and its guard in one transaction, conditional on the version read, so a
 * concurrent rename cannot leave a guard behind; a lost race is a versionConflict.
 */
export const deleteUser = (ctx: StoreContext, current: StoredUser): Promise<void> =>
  deleteWithNameGuard(
    ctx,
    USERS,
    current,
    { attribute: 'version', value: current.version },
    emailIndexActions(ctx, current.id, current.resource, undefined),
  );

/**
 * `emails.value eq "x"` (any case): the email index (1 Query), then the users it names
 * (1 GetItem, or BatchGetItem for several). Each user is re-checked by the caller's filter.
 */
export async function findUsersByEmail(ctx: StoreContext, email: string): Promise<StoredUser[]> {
  const ids = (await findUserIdsByEmail(ctx, email)).filter(isUserId);
  if (ids.length === 0) return [];
  if (ids.length === 1) {
    const user = await getUser(ctx, ids[0] as string);
    return user ? [user] : [];
  }
  return getUsersByIds(ctx, ids);
}

/**
 * The users of this tenant with these ids, in the order given (⌈n/100⌉ BatchGetItem, eventually
 * consistent); ids that are not users of the tenant (deleted, another tenant's) are left out.
 */
export async function getUsersByIds(ctx: StoreContext, ids: readonly string[]): Promise<StoredUser[]> {
  const wanted = ids.filter(isUserId);
  if (wanted.length === 0) return [];
  const items = await batchGet(
    ctx,
    wanted.map((id) => userKey(ctx.tenant, id)),
  );
  const byId = new Map<string, StoredUser>();
  for (const user of items.map(userFromItem)) if (user) byId.set(user.id, user);
  return wanted.flatMap((id) => byId.get(id) ?? []);
}
