/**
 * Group memberships. A membership is TWO items, always written together: the group-side item
 * in the group's partition ("the members of a group" is one Query) and the user-side ref in the
 * user's own partition ("the user and its groups" is ONE strongly consistent Query). Neither
 * carries index attributes, so neither appears in listings or counts.
 *
 * Changes are TransactWriteItems: 1 Update of the group item (it exists [with the expected
 * version] and is not locked; ADD version 1) plus a Put or Delete of both sides per member, at
 * most 49 members per transaction. A change of more members runs its transactions under the
 * group's lock (GroupLockStep), so no other membership change interleaves with them. A failed
 * group condition returns the old item, which tells "no group", "locked" and "another version"
 * apart without a read; TransactionConflicts are the caller's to retry. A deleted group's
 * memberships are BatchWriteItem (batch.ts), deleting the side it did NOT list first, so an
 * interrupted clean-up leaves something the retried DELETE finds again; a deleted user's go in
 * transactions that also move each group's version.
 * docs/ARCHITECTURE.md gives the reasons and the requests per operation.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, isDomainError } from '../domain/errors';
import { retry } from '../retry';
import { clipped } from '../scim/clip';
import { batchGet, batchWrite, type Projection } from './batch';
import type { StoreContext } from './context';
import {
  attributeOfFailedItem,
  cancellationReasons,
  isConditionalCheckFailed,
  translateConditionFailure,
} from './errors';
import { isResourceId } from './ids';
import {
  groupKey,
  MEMBERSHIP_SK_PREFIX,
  membershipKey,
  USER_GROUP_REF_SK_PREFIX,
  userGroupRefKey,
  userKey,
} from './keys';
import { countSortKeyPrefix, sortKeySuffixes } from './partition-query';
import { CLEANUP_CONFLICT_RETRY } from './retry-policies';
import { TABLE_KEYS } from './table-definition';
import {
  sendCleanupTransaction,
  sendTransaction,
  TRANSACTION_ACTION_LIMIT,
  type TransactItem,
  updateIf,
} from './transactions';

const MEMBERSHIP_ITEM_TYPE = 'Membership';
export const GROUP_REF_ITEM_TYPE = 'GroupRef';

/** 1 action for the group item + 2 per member (group side and user side). */
export const MEMBERS_PER_TRANSACTION = Math.floor((TRANSACTION_ACTION_LIMIT - 1) / 2);

/** The group-side item of a membership. */
/**
 * The group-side item of a membership. `lastModified` is when the membership was written: the
 * change feed dates the member event with it (a stream record's own time is whole seconds).
 */
export function membershipItem(
  tenant: string,
  groupId: string,
  userId: string,
  lastModified: Date = new Date(),
): Record<string, unknown> {
  return {
    ...membershipKey(tenant, groupId, userId),
    type: MEMBERSHIP_ITEM_TYPE,
    tenant,
    groupId,
    userId,
    lastModified: lastModified.toISOString(),
  };
}

/** The user-side item of a membership (no index attributes: it must never be listed). */
export function groupRefItem(tenant: string, userId: string, groupId: string): Record<string, unknown> {
  return { ...userGroupRefKey(tenant, userId, groupId), type: GROUP_REF_ITEM_TYPE, tenant, groupId, userId };
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
  ctx: StoreContext,
  userIds: readonly string[],
  consistent = false,
): Promise<string[]> {
  const unique = [...new Set(userIds)];
  const candidates = unique.filter((id) => isResourceId(id));
  const found = new Set<string>();
  const items = await batchGet(
    ctx,
    candidates.map((id) => userKey(ctx.tenant, id)),
    KEY_ONLY,
    consistent,
  );
  for (const item of items) found.add(String(item[TABLE_KEYS.partitionKey]));
  return unique.filter((id) => !isResourceId(id) || !found.has(userKey(ctx.tenant, id).PK));
}

/** Throws unknownMember naming (up to 10 of) the ids that are not users of this tenant. */
export async function assertUsersExist(ctx: StoreContext, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  throwIfUnknown(await findUnknownUsers(ctx, userIds));
}

function throwIfUnknown(unknown: readonly string[]): void {
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 10).map((id) => `"${clipped(id)}"`);
  const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
  throw new DomainError(
    'unknownMember',
    `members: no User with id ${shown.join(', ')}${more} exists in this tenant`,
  );
}

/**
 * Verifies that every id is a user of this tenant AND returns the members' display names, in
 * one pass of BatchGetItem (for responses that show the members anyway). unknownMember
 * naming the unknown ids otherwise.
 */
export async function requireUsers(
  ctx: StoreContext,
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
  ctx: StoreContext,
  userIds: readonly string[],
): Promise<Map<string, MemberDetail>> {
  const items = await batchGet(
    ctx,
    [...new Set(userIds)].filter((id) => isResourceId(id)).map((id) => userKey(ctx.tenant, id)),
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

/**
 * A change of more members than one transaction holds runs its transactions under the group's
 * lock, so no other membership change interleaves and the end state is that of some serial
 * order: the first transaction that writes takes the lock (`take`: the group must be free),
 * the ones after it require it (`hold`, renewing it) and the last releases it (`release`).
 * Readers still see the transactions land one by one (each moves the version); docs/GROUPS.md.
 */
export interface GroupLockStep {
  readonly holder: string;
  readonly step: 'take' | 'hold' | 'release';
}

export interface MembershipTransactionOptions {
  /** The version the group must have (If-Match, or the version its members were read at). */
  readonly expectedVersion?: number;
  /**
   * false: check that the group exists (at `expectedVersion`) without bumping its version, for
   * a change that writes nothing. Default true.
   */
  readonly bumpVersion?: boolean;
  /** This transaction's part in a change under the group's lock; none: the group must be free. */
  readonly lock?: GroupLockStep;
  readonly now?: Date;
}

/** Why a condition on the group item failed, read from the item it found (ALL_OLD). */
export type GroupConditionFailure =
  | { readonly outcome: 'groupMissing' }
  /** Another change holds the group's lock (or, for a holder, took it over): retry later. */
  | { readonly outcome: 'locked' }
  | { readonly outcome: 'versionMismatch'; readonly currentVersion: number };

export type MembershipTransactionResult =
  /** `skippedNonMembers`: removals dropped because the id was no member (present when > 0). */
  | { readonly outcome: 'written'; readonly skippedNonMembers?: number }
  /** Every addition named a member and every removal a non-member: nothing written, no version bump. */
  | { readonly outcome: 'unchanged'; readonly skippedNonMembers?: number }
  | GroupConditionFailure;

/**
 * How long a group lock holds without renewal. Every transaction under it renews it; 60 s is
 * more than twice the functions' 25 s timeout, so a live holder never loses it, and a holder
 * that died (timeout, crash) blocks the group's membership changes for at most a minute.
 */
export const GROUP_LOCK_MS = 60_000;

const LOCK_NAMES = { '#lk': 'lockHolder', '#lu': 'lockUntil' } as const;

/**
 * The group item's token of its last attribute write (groups-store.ts `replaceGroup`): every
 * other write that moves `version` removes it, so a read-back that still finds the token knows
 * the version is that write's.
 */
export const GROUP_WRITER_ATTRIBUTE = 'writer';

/** The attributes of a group item created already locked by `holder` (a create of many members). */
export function lockAttributes(holder: string, now: Date): { lockHolder: string; lockUntil: number } {
  return { lockHolder: holder, lockUntil: now.getTime() + GROUP_LOCK_MS };
}
const LOCK_FREE = '(attribute_not_exists(#lk) OR #lu < :nowMs)';

/** Decodes a failed group condition from the item it found; `index` is the action's (transactions). */
function groupConditionFailure(
  error: unknown,
  nowMs: number,
  holding: string | undefined,
  index?: number,
): GroupConditionFailure {
  const version = attributeOfFailedItem(error, 'version', index);
  if (typeof version !== 'number') return { outcome: 'groupMissing' };
  const lockHolder = attributeOfFailedItem(error, 'lockHolder', index);
  const lockUntil = attributeOfFailedItem(error, 'lockUntil', index);
  if (holding !== undefined)
    return lockHolder === holding
      ? { outcome: 'versionMismatch', currentVersion: version }
      : { outcome: 'locked' };
  const locked = typeof lockHolder === 'string' && typeof lockUntil === 'number' && lockUntil >= nowMs;
  return locked ? { outcome: 'locked' } : { outcome: 'versionMismatch', currentVersion: version };
}

/**
 * Takes the group's lock for `holder` on its own (one UpdateItem; no version bump): for a
 * change that lost its optimistic race and now reads the members under the lock, so no other
 * member change can move them before its transactions ('hold', then 'release').
 */
export async function takeGroupLock(
  ctx: StoreContext,
  groupId: string,
  holder: string,
  now: Date = new Date(),
): Promise<{ readonly outcome: 'taken' } | GroupConditionFailure> {
  const nowMs = now.getTime();
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: groupKey(ctx.tenant, groupId),
        UpdateExpression: 'SET #lk = :holder, #lu = :until',
        ConditionExpression: `attribute_exists(#pk) AND ${LOCK_FREE}`,
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, ...LOCK_NAMES },
        ExpressionAttributeValues: { ':holder': holder, ':until': nowMs + GROUP_LOCK_MS, ':nowMs': nowMs },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { outcome: 'taken' };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return groupConditionFailure(error, nowMs, undefined);
    throw error;
  }
}

/** Releases `holder`'s lock (one UpdateItem); a no-op when the group is gone or the lock is another's. */
export async function releaseGroupLock(ctx: StoreContext, groupId: string, holder: string): Promise<void> {
  await updateIf(ctx, {
    TableName: ctx.tableName,
    Key: groupKey(ctx.tenant, groupId),
    UpdateExpression: 'REMOVE #lk, #lu',
    ConditionExpression: '#lk = :holder',
    ExpressionAttributeNames: LOCK_NAMES,
    ExpressionAttributeValues: { ':holder': holder },
  });
}

/** The group item's action in a membership transaction: its condition and version bump. */
function groupAction(
  ctx: StoreContext,
  groupId: string,
  options: MembershipTransactionOptions,
  now: Date,
): TransactItem {
  const { expectedVersion: expected, lock } = options;
  const versionCondition = expected !== undefined ? ' AND #v = :expected' : '';
  const versionNames: Record<string, string> = expected !== undefined ? { '#v': 'version' } : {};
  const versionValues: Record<string, number> = expected !== undefined ? { ':expected': expected } : {};
  const key = groupKey(ctx.tenant, groupId);
  if (options.bumpVersion === false) {
    return {
      ConditionCheck: {
        TableName: ctx.tableName,
        Key: key,
        ConditionExpression: `attribute_exists(#pk)${versionCondition}`,
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, ...versionNames },
        ...(expected !== undefined ? { ExpressionAttributeValues: versionValues } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  const nowMs = now.getTime();
  const free = lock === undefined || lock.step === 'take';
  const set =
    lock === undefined || lock.step === 'release'
      ? ''
      : lock.step === 'take'
        ? ', #lk = :holder, #lu = :until'
        : ', #lu = :until';
  return {
    Update: {
      TableName: ctx.tableName,
      Key: key,
      UpdateExpression: `ADD #v :one SET #lm = :now${set} REMOVE #w${lock?.step === 'release' ? ', #lk, #lu' : ''}`,
      ConditionExpression: free
        ? `attribute_exists(#pk) AND ${LOCK_FREE}${versionCondition}`
        : `#lk = :holder${versionCondition}`,
      ExpressionAttributeNames: {
        '#v': 'version',
        '#lm': 'lastModified',
        '#w': GROUP_WRITER_ATTRIBUTE,
        ...LOCK_NAMES,
        ...(free ? { '#pk': TABLE_KEYS.partitionKey } : {}),
      },
      ExpressionAttributeValues: {
        ':one': 1,
        ':now': now.toISOString(),
        ...(free ? { ':nowMs': nowMs } : {}),
        ...(lock !== undefined ? { ':holder': lock.holder } : {}),
        ...(lock !== undefined && lock.step !== 'release' ? { ':until': nowMs + GROUP_LOCK_MS } : {}),
        ...versionValues,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * One membership transaction (≤ MEMBERS_PER_TRANSACTION members, see membershipTransactions).
 * A failed group condition is reported, not thrown: no item → groupMissing, another change's
 * lock → locked, another version → versionMismatch. A TransactionConflict with a concurrent
 * transaction on the group is a versionConflict the caller retries; throttling is unavailable.
 *
 * Adding a member or removing a non-member writes nothing: each group-side Put is conditional
 * on the membership not existing and each Delete on it existing, and a transaction cancelled
 * only by those conditions is sent again without them (1 request when every id changes
 * something; when none does, the one cancelled transaction is all: 'unchanged', no version
 * bump, so a retried add leaves the ETag where it was).
 */
export async function writeMembershipTransaction(
  ctx: StoreContext,
  groupId: string,
  chunk: MembershipDelta,
  options: MembershipTransactionOptions = {},
): Promise<MembershipTransactionResult> {
  const { tenant, tableName } = ctx;
  if (chunk.add.length + chunk.remove.length > MEMBERS_PER_TRANSACTION) {
    throw new RangeError(`a membership transaction holds at most ${MEMBERS_PER_TRANSACTION} members`);
  }
  const now = options.now ?? new Date();
  const holding =
    options.lock !== undefined && options.lock.step !== 'take' ? options.lock.holder : undefined;
  const group = groupAction(ctx, groupId, options, now);
  let add = [...chunk.add];
  let remove = [...chunk.remove];
  let skippedNonMembers = 0;
  let skippedMembers = 0;
  for (;;) {
    if (skippedNonMembers + skippedMembers > 0 && add.length + remove.length === 0) {
      return skippedNonMembers > 0 ? { outcome: 'unchanged', skippedNonMembers } : { outcome: 'unchanged' };
    }
    const transactItems: TransactItem[] = [
      group,
      ...add.flatMap((userId) => [
        {
          Put: {
            TableName: tableName,
            Item: membershipItem(tenant, groupId, userId, now),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
          },
        },
        { Put: { TableName: tableName, Item: groupRefItem(tenant, userId, groupId) } },
      ]),
      ...remove.flatMap((userId) => [
        {
          Delete: {
            TableName: tableName,
            Key: membershipKey(tenant, groupId, userId),
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
          },
        },
        { Delete: { TableName: tableName, Key: userGroupRefKey(tenant, userId, groupId) } },
      ]),
    ];
    try {
      await sendTransaction(ctx, transactItems, groupId);
      return skippedNonMembers > 0 ? { outcome: 'written', skippedNonMembers } : { outcome: 'written' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0] === 'ConditionalCheckFailed') {
        return groupConditionFailure(error, now.getTime(), holding, 0);
      }
      // The group-side Put of addition i is action 1 + 2·i; the group-side Delete of removal i
      // is action 1 + 2·adds + 2·i.
      const failed = (index: number) => reasons?.[index] === 'ConditionalCheckFailed';
      const members = new Set(add.filter((_, i) => failed(1 + 2 * i)));
      const firstRemoval = 1 + 2 * add.length;
      const notMembers = new Set(remove.filter((_, i) => failed(firstRemoval + 2 * i)));
      if (members.size + notMembers.size === 0) {
        // Anything else was translated by the client.
        translateConditionFailure(error, [{ kind: 'version' }]);
      }
      add = add.filter((id) => !members.has(id));
      remove = remove.filter((id) => !notMembers.has(id));
      skippedMembers += members.size;
      skippedNonMembers += notMembers.size;
    }
  }
}

/**
 * Those of `userIds` that are members of the group: strongly consistent BatchGetItem of the
 * group-side items, keys only (⌈n/100⌉ requests).
 */
export async function membersAmong(
  ctx: StoreContext,
  groupId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  const unique = [...new Set(userIds)];
  const items = await batchGet(
    ctx,
    unique.map((id) => membershipKey(ctx.tenant, groupId, id)),
    { expression: '#sk', names: { '#sk': TABLE_KEYS.sortKey } },
    true,
  );
  const found = new Set(items.map((item) => String(item[TABLE_KEYS.sortKey])));
  return new Set(unique.filter((id) => found.has(membershipKey(ctx.tenant, groupId, id).SK)));
}

/**
 * Writes a delta in consecutive transactions (no retries: for tools and tests; the Groups service
 * retries conflicts and maps outcomes to HTTP). notFound if the group does not exist.
 */
async function writeDelta(ctx: StoreContext, groupId: string, delta: MembershipDelta): Promise<void> {
  for (const chunk of membershipTransactions(delta)) {
    const result = await writeMembershipTransaction(ctx, groupId, chunk);
    if (result.outcome !== 'written' && result.outcome !== 'unchanged') {
      throw new DomainError('notFound', `Group ${groupId} not found`);
    }
  }
}

/** Adds members (both sides; idempotent: adding a member again writes nothing). */
export async function putMemberships(
  ctx: StoreContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  await writeDelta(ctx, groupId, { add: userIds, remove: [] });
}

/** Removes members (both sides). */
export async function deleteMemberships(
  ctx: StoreContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  await writeDelta(ctx, groupId, { add: [], remove: userIds });
}

/**
 * Member ids of a group in id order: a strongly consistent Query of the group's `M#` items,
 * projecting only the sort key. With `limit`, stops after `limit` ids and says whether more exist.
 */
export async function listMemberIds(
  ctx: StoreContext,
  groupId: string,
  limit?: number,
): Promise<{ ids: string[]; truncated: boolean }> {
  const ids: string[] = [];
  const partition = groupKey(ctx.tenant, groupId).PK;
  // One id more than asked for says whether more exist.
  const more = limit === undefined ? undefined : limit + 1;
  for await (const id of sortKeySuffixes(ctx, partition, MEMBERSHIP_SK_PREFIX, more)) {
    if (limit !== undefined && ids.length === limit) return { ids, truncated: true };
    ids.push(id);
  }
  return { ids, truncated: false };
}

/**
 * How many members a group has, counting at most `limit` (its `M#` items, counted by DynamoDB:
 * one Query per 1 MB of keys, ~5,000 members). Memberships of users deleted a moment ago
 * (clean-up pending) count.
 */
export function countMembers(ctx: StoreContext, groupId: string, limit: number): Promise<number> {
  if (!isResourceId(groupId)) return Promise.resolve(0);
  return countSortKeyPrefix(ctx, groupKey(ctx.tenant, groupId).PK, MEMBERSHIP_SK_PREFIX, limit);
}

/**
 * One page of a group's member ids in id order, for paging the members (RFC 9865 cursors):
 * a strongly consistent Query of the group's `M#` keys resuming right after `afterUserId`
 * (from the first member without it), reading at most `limit` keys. The tenant is in the key,
 * so another tenant's group id reads nothing.
 */
export async function memberIdsPage(
  ctx: StoreContext,
  groupId: string,
  afterUserId: string | undefined,
  limit: number,
): Promise<string[]> {
  if (!isResourceId(groupId) || limit <= 0) return [];
  const ids: string[] = [];
  const partition = groupKey(ctx.tenant, groupId).PK;
  for await (const id of sortKeySuffixes(ctx, partition, MEMBERSHIP_SK_PREFIX, limit, afterUserId)) {
    ids.push(id);
  }
  return ids;
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
  ctx: StoreContext,
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
  ctx: StoreContext,
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
export async function groupIdsOfMember(ctx: StoreContext, userId: string): Promise<string[]> {
  if (!isResourceId(userId)) return [];
  const ids: string[] = [];
  for await (const id of sortKeySuffixes(ctx, userKey(ctx.tenant, userId).PK, USER_GROUP_REF_SK_PREFIX)) {
    ids.push(id);
  }
  return ids;
}

/** Groups one clean-up transaction covers: 3 actions each (the group's version, both sides). */
const GROUPS_PER_CLEANUP_TRANSACTION = Math.floor(TRANSACTION_ACTION_LIMIT / 3);

/**
 * Deletes both sides of a (deleted) user's memberships of `groupIds`, and moves each group's
 * `version` with it: the group's member list changed, so its ETag must too (a client caching
 * the group with If-None-Match would otherwise keep a member who is gone). One transaction per
 * GROUPS_PER_CLEANUP_TRANSACTION groups, so an interruption leaves whole memberships, whose refs
 * a retried user DELETE lists. A group deleted meanwhile has no item to move: its update is
 * dropped and the transaction sent again. ⌈g/33⌉ TransactWriteItems.
 */
export async function removeMembershipsOfUser(
  ctx: StoreContext,
  userId: string,
  groupIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(groupIds)];
  for (let i = 0; i < unique.length; i += GROUPS_PER_CLEANUP_TRANSACTION) {
    const slice = unique.slice(i, i + GROUPS_PER_CLEANUP_TRANSACTION);
    await retry(CLEANUP_CONFLICT_RETRY, () => removeUserFromGroups(ctx, userId, slice), {
      retryIf: (error) => isDomainError(error, 'versionConflict'),
    }).catch((error: unknown) => {
      // Its groups stayed busy: the user is gone already, and a retried DELETE finishes this.
      if (!isDomainError(error, 'versionConflict')) throw error;
      throw new DomainError(
        'busy',
        "The user's groups are being changed by other requests; retry the DELETE",
        {
          retryAfterSeconds: 1,
          cause: error,
        },
      );
    });
  }
}

async function removeUserFromGroups(ctx: StoreContext, userId: string, groupIds: readonly string[]) {
  const { tableName, tenant } = ctx;
  const now = new Date().toISOString();
  const gone = new Set<string>();
  for (;;) {
    const actions: TransactItem[] = groupIds.flatMap((groupId) => [
      ...(gone.has(groupId)
        ? []
        : [
            {
              Update: {
                TableName: tableName,
                Key: groupKey(tenant, groupId),
                UpdateExpression: 'ADD #v :one SET #lm = :now REMOVE #w',
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: {
                  '#pk': TABLE_KEYS.partitionKey,
                  '#v': 'version',
                  '#lm': 'lastModified',
                  '#w': GROUP_WRITER_ATTRIBUTE,
                },
                ExpressionAttributeValues: { ':one': 1, ':now': now },
              },
            },
          ]),
      { Delete: { TableName: tableName, Key: membershipKey(tenant, groupId, userId) } },
      { Delete: { TableName: tableName, Key: userGroupRefKey(tenant, userId, groupId) } },
    ]);
    try {
      await sendCleanupTransaction(ctx, actions);
      return;
    } catch (error) {
      const reasons = cancellationReasons(error);
      let index = 0;
      let missing = 0;
      for (const groupId of groupIds) {
        if (!gone.has(groupId)) {
          if (reasons?.[index] === 'ConditionalCheckFailed') {
            gone.add(groupId);
            missing++;
          }
          index++;
        }
        index += 2;
      }
      if (missing === 0) throw error;
    }
  }
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

/** A membership the table's stream reports as written: its tenant and its user. */
export interface WrittenMembership {
  readonly tenant: string;
  readonly userId: string;
}

/**
 * Removes the memberships of users that no longer exist. A member add checks its users before
 * its transaction, so a user DELETE committed in between leaves the new membership behind
 * (docs/GROUPS.md, "Races"); the stream consumer calls this with every membership it sees
 * written. Per tenant: one strongly consistent BatchGetItem per 100 users (keys only), and for
 * each user that is gone, the Query of its refs and the clean-up its DELETE does. Returns how
 * many memberships were removed (0 in the normal case).
 */
export async function removeOrphanMemberships(
  db: DynamoDBDocumentClient,
  tableName: string,
  written: readonly WrittenMembership[],
): Promise<number> {
  const byTenant = new Map<string, string[]>();
  for (const { tenant, userId } of written) {
    const ids = byTenant.get(tenant) ?? [];
    ids.push(userId);
    byTenant.set(tenant, ids);
  }
  let removed = 0;
  for (const [tenant, userIds] of byTenant) {
    const gone = (await findUnknownUsers({ db, tableName, tenant }, userIds, true)).filter(isResourceId);
    for (const userId of gone) removed += await removeAllMembershipsOfUser(db, tableName, tenant, userId);
  }
  return removed;
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
  ctx: StoreContext,
  groupIds: readonly string[],
  baseUrl?: string,
): Promise<UserGroupReference[]> {
  const unique = [...new Set(groupIds)].filter((id) => isResourceId(id));
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

/** Batched reads and writes (batch.ts), for groups-store and tools that seed tables. */
export const batches = { batchGet, batchWrite };
