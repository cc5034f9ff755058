/**
 * Group memberships (DESIGN.md §4). A membership is TWO items, always written together:
 *  - the group-side item membershipKey(t, gid, uid) in the group's partition: "the members of a
 *    group" is one Query, and a group never approaches DynamoDB's 400 KB item limit;
 *  - the user-side ref userGroupRefKey(t, uid, gid) in the user's own partition: "the user and
 *    its groups" (GET /Users/{id}) is ONE strongly consistent Query of that partition, which
 *    replaced an eventually consistent GSI2 inverted index and its extra request.
 * Neither item carries index attributes, so neither appears in listings or counts.
 *
 * Membership changes are TransactWriteItems. Each transaction holds 1 Update of the group item
 * (condition: the group exists [and has the version If-Match named]; ADD version 1, SET
 * lastModified) plus a Put or Delete of both items per member: at most 49 members per
 * transaction (DynamoDB's 100-action limit). Why transactions instead of BatchWriteItem + a
 * separate version bump:
 *  - the group-existence check and the version bump are atomic with the member writes, so a
 *    membership can no longer be written to a group a concurrent DELETE has removed (no orphans,
 *    no "write, then notice, then undo"), and the two sides of a membership never disagree;
 *  - If-Match rides on the transaction's own condition: no check-then-write window, and a
 *    failed condition returns the old item (ReturnValuesOnConditionCheckFailure), which tells
 *    404 (no item) from 412 (another version) without another read;
 *  - the group is not read first: add 1 member = 1 BatchGetItem (user check) + 1 transaction.
 * The price: a transactional write costs 2 WCU per item (per KB) instead of 1, so one member
 * added or removed is 8 WCU (2 × 3 items + the group item's 2 index updates) where the former
 * BatchWriteItem + UpdateItem was 5 (measured, docs/BENCHMARKS.md); and transactions on one group
 * conflict with each other (TransactionConflict); callers retry those (write-retries.ts).
 *
 * Clean-ups that do not need atomicity (deleting a user's or a group's memberships) use
 * BatchWriteItem, ≤25 requests per batch, unprocessed items retried with capped exponential
 * backoff and full jitter. They delete the side they did NOT list first, then the side they
 * listed, so an interrupted clean-up always leaves something the retried DELETE finds again.
 *
 * Requests: verify k ids = ⌈k/100⌉ BatchGetItem; change k memberships = ⌈k/49⌉
 * TransactWriteItems; list a group's member ids = ⌈n/~1MB⌉ Query (keys only); group ids of a
 * user = 1 Query of the user partition; User.groups display names = ⌈g/100⌉ BatchGetItem;
 * delete m memberships = ⌈2m/25⌉ BatchWriteItem.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { badRequest, notFound, serviceUnavailable } from '../scim/errors';
import { cancellationReasons, guardRead, translateWriteError } from './errors';
import {
  groupKey,
  MEMBERSHIP_SK_PREFIX,
  membershipKey,
  USER_GROUP_REF_SK_PREFIX,
  userGroupRefKey,
  userKey,
} from './keys';
import { TABLE_KEYS } from './table-definition';

export const MEMBERSHIP_ITEM_TYPE = 'Membership';
export const GROUP_REF_ITEM_TYPE = 'GroupRef';

/** DynamoDB's per-request limits (API reference of BatchGetItem, BatchWriteItem, TransactWriteItems). */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
export const TRANSACTION_ACTION_LIMIT = 100;
/** 1 action for the group item + 2 per member (group side and user side). */
export const MEMBERS_PER_TRANSACTION = Math.floor((TRANSACTION_ACTION_LIMIT - 1) / 2);

/** Parallel batch requests in flight; enough to hide latency, few enough not to self-throttle. */
const BATCH_CONCURRENCY = 8;
/** Attempts for one batch's unprocessed remainder before giving up with 503. */
const MAX_BATCH_ATTEMPTS = 10;

/** Our ids are UUIDv7 (ids.ts); anything else cannot be a user and needs no read. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface MembershipContext {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenant: string;
}

type Key = Record<string, unknown>;

/** The group-side item of a membership. */
export function membershipItem(tenant: string, groupId: string, userId: string): Record<string, unknown> {
  return { ...membershipKey(tenant, groupId, userId), type: MEMBERSHIP_ITEM_TYPE, tenant, groupId, userId };
}

/** The user-side item of a membership (no index attributes: it must never be listed). */
export function groupRefItem(tenant: string, userId: string, groupId: string): Record<string, unknown> {
  return { ...userGroupRefKey(tenant, userId, groupId), type: GROUP_REF_ITEM_TYPE, tenant, groupId, userId };
}

// ---------------------------------------------------------------------------------------------
// Batch primitives

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` over `items` with at most `limit` in flight; rejects on the first failure. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function backoff(attempt: number): Promise<void> {
  // Full jitter, capped: unprocessed items mean the partition is busy; spread the retries.
  const ms = Math.random() * Math.min(1000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const throttledBatch = () =>
  serviceUnavailable('DynamoDB left part of a batch unprocessed after repeated retries; retry the request');

/** BatchWriteItem in ≤25-request batches, retrying UnprocessedItems until none are left. */
async function batchWrite(
  ctx: MembershipContext,
  requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string],
): Promise<void> {
  await inParallel(chunks(requests, BATCH_WRITE_LIMIT), BATCH_CONCURRENCY, async (batch) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) throw throttledBatch();
      const result = await guardRead(() =>
        ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } })),
      );
      pending = result.UnprocessedItems?.[ctx.tableName] ?? [];
      if (pending.length > 0) await backoff(attempt);
    }
  });
}

/** BatchGetItem in ≤100-key batches (retrying UnprocessedKeys); returns every item found. */
async function batchGet(
  ctx: MembershipContext,
  keys: readonly Key[],
  projection?: Projection,
): Promise<Key[]> {
  const found: Key[] = [];
  await inParallel(chunks(keys, BATCH_GET_LIMIT), BATCH_CONCURRENCY, async (batch) => {
    let pending: Key[] = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) throw throttledBatch();
      const result = await guardRead(() =>
        ctx.db.send(
          new BatchGetCommand({
            RequestItems: {
              [ctx.tableName]: {
                Keys: pending,
                ...(projection
                  ? {
                      ProjectionExpression: projection.expression,
                      ExpressionAttributeNames: projection.names,
                    }
                  : {}),
              },
            },
          }),
        ),
      );
      found.push(...(result.Responses?.[ctx.tableName] ?? []));
      pending = (result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? []) as Key[];
      if (pending.length > 0) await backoff(attempt);
    }
  });
  return found;
}

/** A ProjectionExpression with its names (every name aliased: `resource`, `type` are reserved words). */
interface Projection {
  readonly expression: string;
  readonly names: Record<string, string>;
}

const KEY_ONLY: Projection = { expression: '#pk', names: { '#pk': TABLE_KEYS.partitionKey } };
const DISPLAY_FIELDS: Projection = {
  expression: '#id, #r.#un, #r.#dn',
  names: { '#id': 'id', '#r': 'resource', '#un': 'userName', '#dn': 'displayName' },
};

// ---------------------------------------------------------------------------------------------
// Users referenced by memberships

/**
 * The ids among `userIds` that are NOT users of this tenant. Keys carry the tenant, so an id of
 * another tenant's user is simply not found, and ids that are not UUIDv7 are never looked up.
 * Only the key is projected: DynamoDB still bills each item read (per 4 KB), but the response
 * carries no user documents.
 */
export async function findUnknownUsers(
  ctx: MembershipContext,
  userIds: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(userIds)];
  const candidates = unique.filter((id) => ID_PATTERN.test(id));
  const found = new Set<string>();
  const items = await batchGet(
    ctx,
    candidates.map((id) => userKey(ctx.tenant, id)),
    KEY_ONLY,
  );
  for (const item of items) found.add(String(item[TABLE_KEYS.partitionKey]));
  return unique.filter((id) => !ID_PATTERN.test(id) || !found.has(userKey(ctx.tenant, id).PK));
}

/** Throws 400 invalidValue naming (up to 10 of) the ids that are not users of this tenant. */
export async function assertUsersExist(ctx: MembershipContext, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  throwIfUnknown(await findUnknownUsers(ctx, userIds));
}

function throwIfUnknown(unknown: readonly string[]): void {
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 10).map((id) => `"${id.length > 64 ? `${id.slice(0, 64)}…` : id}"`);
  const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
  throw badRequest(
    'invalidValue',
    `members: no User with id ${shown.join(', ')}${more} exists in this tenant`,
  );
}

/**
 * Verifies that every id is a user of this tenant AND returns the members' display names, in
 * one pass of BatchGetItem (for responses that show the members anyway). 400 invalidValue
 * naming the unknown ids otherwise.
 */
export async function requireUsers(
  ctx: MembershipContext,
  userIds: readonly string[],
): Promise<Map<string, MemberDetail>> {
  const details = await memberDetails(ctx, userIds);
  throwIfUnknown([...new Set(userIds)].filter((id) => !details.has(id)));
  return details;
}

export interface MemberDetail {
  readonly id: string;
  /** displayName if the user has one, else userName (RFC 7643 §4.2 "human-readable name"). */
  readonly display?: string;
}

/** Display names of users by id (BatchGet of the user items, only the needed attributes). */
export async function memberDetails(
  ctx: MembershipContext,
  userIds: readonly string[],
): Promise<Map<string, MemberDetail>> {
  const items = await batchGet(
    ctx,
    [...new Set(userIds)].filter((id) => ID_PATTERN.test(id)).map((id) => userKey(ctx.tenant, id)),
    DISPLAY_FIELDS,
  );
  const details = new Map<string, MemberDetail>();
  for (const item of items) {
    const id = item.id;
    if (typeof id !== 'string') continue;
    const resource = (item.resource ?? {}) as Record<string, unknown>;
    const display =
      typeof resource.displayName === 'string' && resource.displayName !== ''
        ? resource.displayName
        : typeof resource.userName === 'string'
          ? resource.userName
          : undefined;
    details.set(id, { id, ...(display !== undefined ? { display } : {}) });
  }
  return details;
}

// ---------------------------------------------------------------------------------------------
// Membership transactions

/** Members to add and to remove in one change of a group; disjoint, without duplicates. */
export interface MembershipDelta {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/**
 * Splits a delta into transactions of at most MEMBERS_PER_TRANSACTION members. Ids are
 * de-duplicated (two actions on one item would fail the transaction) and an id both added and
 * removed counts as added (the caller nets a PATCH out before; this is only a safety net).
 * Always at least one transaction: an empty one still checks and bumps the group.
 */
export function membershipTransactions(delta: MembershipDelta): MembershipDelta[] {
  const add = [...new Set(delta.add)];
  const adding = new Set(add);
  const remove = [...new Set(delta.remove)].filter((id) => !adding.has(id));
  const actions = [...add.map((id) => ({ id, add: true })), ...remove.map((id) => ({ id, add: false }))];
  const out: MembershipDelta[] = [];
  for (let i = 0; i < actions.length; i += MEMBERS_PER_TRANSACTION) {
    const slice = actions.slice(i, i + MEMBERS_PER_TRANSACTION);
    out.push({
      add: slice.filter((a) => a.add).map((a) => a.id),
      remove: slice.filter((a) => !a.add).map((a) => a.id),
    });
  }
  return out.length > 0 ? out : [{ add: [], remove: [] }];
}

export interface MembershipTransactionOptions {
  /** The version the group must have (If-Match); omitted: any existing group. */
  readonly expectedVersion?: number;
  /**
   * false: check that the group exists without bumping its version (the rest of a create's
   * members, written before the client has seen the group). Default true.
   */
  readonly bumpVersion?: boolean;
  readonly now?: Date;
}

export type MembershipTransactionResult =
  | { readonly outcome: 'written' }
  | { readonly outcome: 'groupMissing' }
  | { readonly outcome: 'versionMismatch'; readonly currentVersion: number };

/** The group item returned by ReturnValuesOnConditionCheckFailure, raw (AttributeValue) or plain. */
function versionOfOldItem(item: unknown): number | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const version = (item as Record<string, unknown>).version;
  if (typeof version === 'number') return version;
  const raw = (version as { N?: unknown } | undefined)?.N;
  return typeof raw === 'string' ? Number(raw) : undefined;
}

/**
 * One membership transaction (≤ MEMBERS_PER_TRANSACTION members, see membershipTransactions).
 * A failed group condition is reported, not thrown: no item → groupMissing (404), an item with
 * another version → versionMismatch (412). A TransactionConflict with a concurrent transaction
 * on the group is a VersionConflictError the caller retries; throttling is a 503.
 */
export async function writeMembershipTransaction(
  ctx: MembershipContext,
  groupId: string,
  chunk: MembershipDelta,
  options: MembershipTransactionOptions = {},
): Promise<MembershipTransactionResult> {
  const { tenant, tableName } = ctx;
  if (chunk.add.length + chunk.remove.length > MEMBERS_PER_TRANSACTION) {
    throw new RangeError(`a membership transaction holds at most ${MEMBERS_PER_TRANSACTION} members`);
  }
  const expected = options.expectedVersion;
  const condition = `attribute_exists(#pk)${expected !== undefined ? ' AND #v = :expected' : ''}`;
  const groupAction: NonNullable<TransactWriteCommandInput['TransactItems']>[number] =
    options.bumpVersion === false
      ? {
          ConditionCheck: {
            TableName: tableName,
            Key: groupKey(tenant, groupId),
            ConditionExpression: condition,
            ExpressionAttributeNames: {
              '#pk': TABLE_KEYS.partitionKey,
              ...(expected !== undefined ? { '#v': 'version' } : {}),
            },
            ...(expected !== undefined ? { ExpressionAttributeValues: { ':expected': expected } } : {}),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        }
      : {
          Update: {
            TableName: tableName,
            Key: groupKey(tenant, groupId),
            UpdateExpression: 'ADD #v :one SET #lm = :now',
            ConditionExpression: condition,
            ExpressionAttributeNames: {
              '#pk': TABLE_KEYS.partitionKey,
              '#v': 'version',
              '#lm': 'lastModified',
            },
            ExpressionAttributeValues: {
              ':one': 1,
              ':now': (options.now ?? new Date()).toISOString(),
              ...(expected !== undefined ? { ':expected': expected } : {}),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
  const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
    groupAction,
    ...chunk.add.flatMap((userId) => [
      { Put: { TableName: tableName, Item: membershipItem(tenant, groupId, userId) } },
      { Put: { TableName: tableName, Item: groupRefItem(tenant, userId, groupId) } },
    ]),
    ...chunk.remove.flatMap((userId) => [
      { Delete: { TableName: tableName, Key: membershipKey(tenant, groupId, userId) } },
      { Delete: { TableName: tableName, Key: userGroupRefKey(tenant, userId, groupId) } },
    ]),
  ];
  try {
    await ctx.db.send(new TransactWriteCommand({ TransactItems: transactItems }));
    return { outcome: 'written' };
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons?.[0] === 'ConditionalCheckFailed') {
      const old = (error as { CancellationReasons?: { Item?: unknown }[] }).CancellationReasons?.[0]?.Item;
      const currentVersion = versionOfOldItem(old);
      return currentVersion === undefined
        ? { outcome: 'groupMissing' }
        : { outcome: 'versionMismatch', currentVersion };
    }
    // Only the group action has a condition: anything else is a conflict, throttling or a fault.
    translateWriteError(error, [{ kind: 'version' }]);
  }
}

/**
 * Writes a delta in consecutive transactions (no retries: for tools and tests; the Groups service
 * retries conflicts and maps outcomes to HTTP). 404 if the group does not exist.
 */
async function writeDelta(ctx: MembershipContext, groupId: string, delta: MembershipDelta): Promise<void> {
  for (const chunk of membershipTransactions(delta)) {
    const result = await writeMembershipTransaction(ctx, groupId, chunk);
    if (result.outcome !== 'written') throw notFound(`Group ${groupId} not found`);
  }
}

/** Adds members (both sides, idempotent: a repeated add rewrites the same two items). */
export async function putMemberships(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  await writeDelta(ctx, groupId, { add: userIds, remove: [] });
}

/** Removes members (both sides). */
export async function deleteMemberships(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  await writeDelta(ctx, groupId, { add: [], remove: userIds });
}

/**
 * The writes that make the group's member set exactly `userIds` (RFC 7644 §3.5.1 PUT, PATCH
 * `replace` of `members`): one strongly consistent Query of the current members, then only the
 * difference.
 */
export async function membershipDifference(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<MembershipDelta> {
  const wanted = new Set(userIds);
  const { ids: current } = await listMemberIds(ctx, groupId);
  const have = new Set(current);
  return { add: [...wanted].filter((id) => !have.has(id)), remove: current.filter((id) => !wanted.has(id)) };
}

/**
 * Member ids of a group in id order: a strongly consistent Query of the group's `M#` items,
 * projecting only the sort key. With `limit`, stops after `limit` ids and says whether more exist.
 */
export async function listMemberIds(
  ctx: MembershipContext,
  groupId: string,
  limit?: number,
): Promise<{ ids: string[]; truncated: boolean }> {
  const ids: string[] = [];
  let startKey: Key | undefined;
  do {
    const result = await guardRead(() =>
      ctx.db.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :m)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': groupKey(ctx.tenant, groupId).PK, ':m': MEMBERSHIP_SK_PREFIX },
          ProjectionExpression: '#sk',
          ConsistentRead: true,
          ...(limit !== undefined ? { Limit: Math.min(limit + 1 - ids.length, 10_000) } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    for (const item of result.Items ?? [])
      ids.push(String(item[TABLE_KEYS.sortKey]).slice(MEMBERSHIP_SK_PREFIX.length));
    startKey = result.LastEvaluatedKey;
    if (limit !== undefined && ids.length > limit) return { ids: ids.slice(0, limit), truncated: true };
  } while (startKey);
  return { ids, truncated: false };
}

/**
 * Members per clean-up slice: each side is 100 deletes = one round of 4 parallel batches of 25.
 * Small, because a DELETE checks its deadline only between slices.
 */
const CLEANUP_SLICE = 100;

/**
 * Deletes both sides of the memberships of `groupId` with these users: the user-side refs
 * first, then the group-side items. The group side is what a retried group DELETE lists, so an
 * interruption between the two leaves the membership findable, never an unreachable ref.
 */
async function deleteMembershipsOfGroupSlice(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  await batchWrite(
    ctx,
    userIds.map((userId) => ({ DeleteRequest: { Key: userGroupRefKey(ctx.tenant, userId, groupId) } })),
  );
  await batchWrite(
    ctx,
    userIds.map((userId) => ({ DeleteRequest: { Key: membershipKey(ctx.tenant, groupId, userId) } })),
  );
}

/**
 * Deletes every membership of a group (both sides), a page of member ids at a time (Query up
 * to 1,000 ids, delete them in slices of CLEANUP_SLICE, repeat), so each membership is read
 * once even when the work spans several requests. With a `deadline` (epoch ms) no new slice
 * starts after it (the first slice of a call always runs, so every call makes progress), and
 * `complete` says whether everything was removed: one group's memberships share a partition
 * key, so on DynamoDB a group of 100,000 members cannot be emptied within one API Gateway request
 * (~1,000 writes/s per partition before DynamoDB splits it for heat). `removed` counts the
 * memberships deleted. Requests: ⌈m/1000⌉ Query + ⌈2m/25⌉ BatchWriteItem.
 */
export async function removeAllMembershipsOfGroup(
  ctx: MembershipContext,
  groupId: string,
  options: { deadline?: number } = {},
): Promise<{ removed: number; complete: boolean }> {
  const PAGE = 1000;
  const late = () => options.deadline !== undefined && Date.now() > options.deadline;
  let removed = 0;
  for (;;) {
    const { ids, truncated } = await listMemberIds(ctx, groupId, PAGE);
    if (ids.length === 0) return { removed, complete: true };
    for (let i = 0; i < ids.length; i += CLEANUP_SLICE) {
      if (removed > 0 && late()) return { removed, complete: false };
      const slice = ids.slice(i, i + CLEANUP_SLICE);
      await deleteMembershipsOfGroupSlice(ctx, groupId, slice);
      removed += slice.length;
    }
    // A short page was the last one: done without another Query.
    if (!truncated) return { removed, complete: true };
    if (late()) return { removed, complete: false };
  }
}

// ---------------------------------------------------------------------------------------------
// The user side: groups of a user

/**
 * Ids of the groups `userId` belongs to: a strongly consistent Query of the `G#` refs in the
 * user's own partition (keys only), paged for a user in thousands of groups.
 */
export async function groupIdsOfMember(ctx: MembershipContext, userId: string): Promise<string[]> {
  if (!ID_PATTERN.test(userId)) return [];
  const ids: string[] = [];
  let startKey: Key | undefined;
  do {
    const result = await guardRead(() =>
      ctx.db.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :g)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: {
            ':pk': userKey(ctx.tenant, userId).PK,
            ':g': USER_GROUP_REF_SK_PREFIX,
          },
          ProjectionExpression: '#sk',
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    for (const item of result.Items ?? [])
      ids.push(String(item[TABLE_KEYS.sortKey]).slice(USER_GROUP_REF_SK_PREFIX.length));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

/**
 * Deletes both sides of a (deleted) user's memberships of `groupIds`: the group-side items
 * first, then the refs. The refs are what a retried user DELETE lists, so an interruption
 * leaves them for the retry to finish. ⌈2g/25⌉ BatchWriteItem.
 */
export async function removeMembershipsOfUser(
  ctx: MembershipContext,
  userId: string,
  groupIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(groupIds)];
  if (unique.length === 0) return;
  await batchWrite(
    ctx,
    unique.map((groupId) => ({ DeleteRequest: { Key: membershipKey(ctx.tenant, groupId, userId) } })),
  );
  await batchWrite(
    ctx,
    unique.map((groupId) => ({ DeleteRequest: { Key: userGroupRefKey(ctx.tenant, userId, groupId) } })),
  );
}

/**
 * Removes every membership of a user: the Query of its refs, then both sides of each.
 * Returns how many were removed.
 */
export async function removeAllMembershipsOfUser(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  userId: string,
): Promise<number> {
  const ctx = { db, tableName, tenant };
  const groupIds = await groupIdsOfMember(ctx, userId);
  await removeMembershipsOfUser(ctx, userId, groupIds);
  return groupIds.length;
}

export interface UserGroupReference {
  readonly value: string;
  readonly display?: string;
  readonly $ref?: string;
  readonly type?: 'direct';
}

/**
 * User.groups entries (RFC 7643 §4.1.2, readOnly) for group ids already read from the user's
 * refs: `display` = the group's displayName (⌈g/100⌉ BatchGetItem of the group items,
 * displayName projected; none when g = 0). `$ref` is absolute and needs the request's base URL,
 * so it is added only when `baseUrl` is given. Groups deleted concurrently (clean-up in
 * progress) are left out.
 */
export async function groupReferences(
  ctx: MembershipContext,
  groupIds: readonly string[],
  baseUrl?: string,
): Promise<UserGroupReference[]> {
  const unique = [...new Set(groupIds)].filter((id) => ID_PATTERN.test(id));
  if (unique.length === 0) return [];
  const items = await batchGet(
    ctx,
    unique.map((id) => groupKey(ctx.tenant, id)),
    DISPLAY_FIELDS,
  );
  const names = new Map<string, string | undefined>();
  for (const item of items) {
    if (typeof item.id !== 'string') continue;
    const resource = (item.resource ?? {}) as Record<string, unknown>;
    names.set(item.id, typeof resource.displayName === 'string' ? resource.displayName : undefined);
  }
  return unique
    .filter((id) => names.has(id))
    .map((id) => {
      const display = names.get(id);
      return {
        value: id,
        ...(display !== undefined ? { display } : {}),
        ...(baseUrl !== undefined ? { $ref: `${baseUrl}/Groups/${encodeURIComponent(id)}` } : {}),
        type: 'direct' as const,
      };
    });
}

/** User.groups of a user: its refs (1 Query), then groupReferences. */
export async function groupsOfUser(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  userId: string,
  baseUrl?: string,
): Promise<UserGroupReference[]> {
  const ctx = { db, tableName, tenant };
  return groupReferences(ctx, await groupIdsOfMember(ctx, userId), baseUrl);
}

/** Internal for groups-store: batched reads/writes with the same retry policy. */
export const batches = { batchGet, batchWrite };
