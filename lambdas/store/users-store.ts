/**
 * User items in the single table (DESIGN.md §4, keys from keys.ts).
 *
 * - The user item holds the canonical SCIM attributes in `resource` (no id/meta: those are
 *   rebuilt from the item's own fields on output), a write counter `version`, and the index
 *   keys: GSI1 listing (id order), GSI2 externalId (sparse), GSI3 lower-cased userName.
 * - userName is unique per tenant case-insensitively (RFC 7643 §4.1.1 caseExact=false): a guard
 *   item keyed by the lower-cased name is written in the SAME transaction as the user, so two
 *   concurrent creates cannot both win, and a rename moves the guard atomically.
 * - Every write is conditional on the version read, so concurrent updates never silently
 *   overwrite each other; the caller gets VersionConflictError and re-reads.
 *
 * - The user's partition also holds the user-side refs of its group memberships (SK `G#<gid>`,
 *   memberships-store.ts), so the user and the ids of its groups are ONE strongly consistent
 *   Query (readUserWithGroupIds). The refs carry no index attributes and another `type`, so
 *   listings, counts and userFromItem never see them.
 *
 * Requests: create = 1 TransactWriteItems; get = 1 GetItem; get with group ids = 1 Query
 * (more pages only past ~1 MB of refs); by userName = 2 GetItems (guard read strongly
 * consistently, then the user); by externalId = 1 Query (GSI2); replace without rename =
 * 1 PutItem, with rename = 1 TransactWriteItems; delete = 1 TransactWriteItems.
 */
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { badRequest } from '../scim/errors';
import type { JsonObject } from '../scim/schema/json';
import { guardRead, type ItemRole, translateWriteError, VersionConflictError } from './errors';
import { uuidv7 } from './ids';
import {
  USER_GROUP_REF_SK_PREFIX,
  userExternalIdPk,
  userKey,
  userListingPk,
  userNameKey,
  userNamesPk,
} from './keys';
import {
  collectMatching,
  type ListingSource,
  MAX_EXAMINED_ITEMS,
  queryIndexPartition,
  type StoredItem,
} from './listing';
import { readItem } from './read-item';
import { LOOKUP_INDEX, NAME_INDEX, TABLE_KEYS } from './table-definition';

export const USER_ITEM_TYPE = 'User';
export const USER_NAME_GUARD_TYPE = 'UserName';

/**
 * DynamoDB limits key attributes to 2048 bytes (partition) and 1024 bytes (sort); the
 * lower-cased userName is a GSI3 sort key and part of the guard's partition key.
 */
export const MAX_USERNAME_BYTES = 1000;
export const MAX_EXTERNAL_ID_BYTES = 1500;

/** Our ids are UUIDv7; anything else cannot name a user and is answered without a request. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StoredUser {
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM attributes without id and meta. */
  readonly resource: JsonObject;
}

export interface StoreContext {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenant: string;
}

export const isUserId = (id: string): boolean => ID_PATTERN.test(id);

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function userNameOf(resource: JsonObject): string {
  const userName = resource.userName;
  if (typeof userName !== 'string' || userName === '') {
    throw badRequest('invalidValue', 'userName is required');
  }
  if (byteLength(userName.toLowerCase()) > MAX_USERNAME_BYTES) {
    throw badRequest('invalidValue', `userName must be at most ${MAX_USERNAME_BYTES} bytes long`);
  }
  return userName;
}

function externalIdOf(resource: JsonObject): string | undefined {
  const externalId = resource.externalId;
  if (typeof externalId !== 'string' || externalId === '') return undefined;
  if (byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) {
    throw badRequest('invalidValue', `externalId must be at most ${MAX_EXTERNAL_ID_BYTES} bytes long`);
  }
  return externalId;
}

/** The stored item of a user (exported for tests and tools that seed tables in bulk). */
export function userItem(tenant: string, user: StoredUser): StoredItem {
  const userName = userNameOf(user.resource);
  const externalId = externalIdOf(user.resource);
  return {
    ...userKey(tenant, user.id),
    type: USER_ITEM_TYPE,
    tenant,
    id: user.id,
    version: user.version,
    created: user.created,
    lastModified: user.lastModified,
    resource: user.resource,
    GSI1PK: userListingPk(tenant),
    GSI1SK: user.id,
    // Sparse: only users with an externalId appear in the lookup index.
    ...(externalId !== undefined ? { GSI2PK: userExternalIdPk(tenant, externalId), GSI2SK: user.id } : {}),
    GSI3PK: userNamesPk(tenant),
    GSI3SK: userName.toLowerCase(),
  };
}

export function guardItem(tenant: string, userName: string, userId: string): StoredItem {
  return { ...userNameKey(tenant, userName), type: USER_NAME_GUARD_TYPE, tenant, userId };
}

/** Reads a stored item back; undefined for anything that is not a well-formed user item. */
export function userFromItem(item: StoredItem | undefined): StoredUser | undefined {
  if (!item || item.type !== USER_ITEM_TYPE) return undefined;
  const { id, version, created, lastModified, resource } = item;
  if (typeof id !== 'string' || typeof version !== 'number') return undefined;
  if (typeof created !== 'string' || typeof lastModified !== 'string') return undefined;
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return undefined;
  return { id, version, created, lastModified, resource: resource as JsonObject };
}

const duplicate = (userName: string): ItemRole => ({
  kind: 'unique',
  detail: `A user with userName "${userName.length > 200 ? `${userName.slice(0, 200)}…` : userName}" already exists`,
});

/** Attempts of a create that lost a transaction race before it reports the outcome. */
const CREATE_ATTEMPTS = 4;

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
  const userName = userNameOf(resource);
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: { TableName: ctx.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' },
            },
            {
              Put: {
                TableName: ctx.tableName,
                Item: guardItem(ctx.tenant, userName, user.id),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return user;
    } catch (error) {
      try {
        translateWriteError(error, [{ kind: 'other' }, duplicate(userName)]);
      } catch (translated) {
        // Parallel creates of one userName collide as TransactionConflict; once the winner has
        // committed, a retry meets its guard and answers 409 uniqueness.
        if (translated instanceof VersionConflictError && attempt < CREATE_ATTEMPTS) {
          await pause(attempt);
          continue;
        }
        throw translated;
      }
    }
  }
}

function pause(attempt: number): Promise<void> {
  const ms = Math.floor(Math.random() * 20 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function getUser(
  ctx: StoreContext,
  id: string,
  options: { consistent?: boolean } = {},
): Promise<StoredUser | undefined> {
  if (!isUserId(id)) return undefined;
  return userFromItem(await readItem(ctx, userKey(ctx.tenant, id), options.consistent ?? true));
}

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
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await guardRead(() =>
      ctx.db.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: { ':pk': userKey(ctx.tenant, id).PK },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    for (const item of result.Items ?? []) {
      const sk = String(item[TABLE_KEYS.sortKey]);
      if (sk.startsWith(USER_GROUP_REF_SK_PREFIX)) groupIds.push(sk.slice(USER_GROUP_REF_SK_PREFIX.length));
      else user ??= userFromItem(item);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return { user, groupIds };
}

/**
 * `userName eq "x"`: the guard is read strongly consistently (so a create retried right after
 * a create finds the first one), then the user item it points to.
 */
export async function getUserByUserName(
  ctx: StoreContext,
  userName: string,
): Promise<StoredUser | undefined> {
  if (userName === '' || byteLength(userName.toLowerCase()) > MAX_USERNAME_BYTES) return undefined;
  const guard = await readItem(ctx, userNameKey(ctx.tenant, userName));
  const userId = guard?.userId;
  if (typeof userId !== 'string') return undefined;
  const user = await getUser(ctx, userId);
  // A guard and its user are written together; a mismatch means a rename is in flight.
  return user && String(user.resource.userName).toLowerCase() === userName.toLowerCase() ? user : undefined;
}

/** `externalId eq "x"`: a Query of the sparse GSI2 partition, never a scan. */
export async function findUsersByExternalId(ctx: StoreContext, externalId: string): Promise<StoredUser[]> {
  if (externalId === '' || byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) return [];
  // externalId is not unique; a client that gave thousands of users one value gets tooMany.
  const items = await queryIndexPartition(ctx, LOOKUP_INDEX, userExternalIdPk(ctx.tenant, externalId), {
    tooManyDetail: `More than ${MAX_EXAMINED_ITEMS} users share this externalId`,
  });
  // The index is eventually consistent: re-check the value against the item itself.
  return items
    .map(userFromItem)
    .filter((user): user is StoredUser => user !== undefined && user.resource.externalId === externalId);
}

/**
 * `userName sw "x"`: a `begins_with` Query of the tenant's name index (GSI3, lower-cased
 * userNames in order), bounded like any walk. The index is eventually consistent, so each item
 * is re-checked against its own userName.
 */
export async function findUsersByUserNamePrefix(ctx: StoreContext, prefix: string): Promise<StoredUser[]> {
  const lower = prefix.toLowerCase();
  if (lower === '' || byteLength(lower) > MAX_USERNAME_BYTES) return [];
  const items = await queryIndexPartition(ctx, NAME_INDEX, userNamesPk(ctx.tenant), {
    sortKeyPrefix: lower,
    tooManyDetail: `More than ${MAX_EXAMINED_ITEMS} userNames start with that prefix; narrow it`,
  });
  return items.map(userFromItem).filter(
    (user): user is StoredUser =>
      user !== undefined &&
      String(user.resource.userName ?? '')
        .toLowerCase()
        .startsWith(lower),
  );
}

export function userListing(ctx: StoreContext): ListingSource {
  return { db: ctx.db, tableName: ctx.tableName, partition: userListingPk(ctx.tenant) };
}

/** Users of the tenant's listing that satisfy `keep` (bounded: tooMany past the limit). */
export async function collectUsers(
  ctx: StoreContext,
  keep: (user: StoredUser) => boolean,
  maxExamined?: number,
): Promise<StoredUser[]> {
  const items = await collectMatching(
    userListing(ctx),
    (item) => {
      const user = userFromItem(item);
      return user !== undefined && keep(user);
    },
    maxExamined,
  );
  return items.map((item) => userFromItem(item) as StoredUser);
}

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
  const oldName = String(current.resource.userName ?? '');
  const newName = userNameOf(resource);
  const versionCondition = {
    ConditionExpression: 'version = :v',
    ExpressionAttributeValues: { ':v': current.version },
  };
  try {
    if (oldName.toLowerCase() === newName.toLowerCase()) {
      await ctx.db.send(new PutCommand({ TableName: ctx.tableName, Item: item, ...versionCondition }));
    } else {
      await ctx.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: ctx.tableName, Item: item, ...versionCondition } },
            {
              Put: {
                TableName: ctx.tableName,
                Item: guardItem(ctx.tenant, newName, current.id),
                // The guard may already be ours (a concurrent rename of this user to the same
                // name won): then only the version condition fails, a retryable race, not a
                // false 409 uniqueness.
                ConditionExpression: 'attribute_not_exists(PK) OR userId = :id',
                ExpressionAttributeValues: { ':id': current.id },
              },
            },
            {
              Delete: {
                TableName: ctx.tableName,
                Key: userNameKey(ctx.tenant, oldName),
                // Never release a name another user holds; a missing guard is nothing to release.
                ConditionExpression: 'attribute_not_exists(PK) OR userId = :id',
                ExpressionAttributeValues: { ':id': current.id },
              },
            },
          ],
        }),
      );
    }
  } catch (error) {
    translateWriteError(error, [{ kind: 'version' }, duplicate(newName), { kind: 'other' }]);
  }
  return next;
}

/**
 * Deletes the user and its guard in one transaction, conditional on the version read, so a
 * concurrent rename cannot leave a guard behind; a lost race is a VersionConflictError.
 */
export async function deleteUser(ctx: StoreContext, current: StoredUser): Promise<void> {
  const userName = String(current.resource.userName ?? '');
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: ctx.tableName,
              Key: userKey(ctx.tenant, current.id),
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': current.version },
            },
          },
          {
            Delete: {
              TableName: ctx.tableName,
              Key: userNameKey(ctx.tenant, userName),
              ConditionExpression: 'attribute_not_exists(PK) OR userId = :id',
              ExpressionAttributeValues: { ':id': current.id },
            },
          },
        ],
      }),
    );
  } catch (error) {
    translateWriteError(error, [{ kind: 'version' }, { kind: 'other' }]);
  }
}
