/**
 * Group memberships: ONE item per (group, member) at membershipKey(tenant, gid, uid)
 * (DESIGN.md §4). Why items rather than a `members` array on the group:
 *  - adding or removing a member is one idempotent Put/Delete of its own item, so parallel
 *    PATCHes of one group cannot overwrite each other's changes and cost O(1) per member,
 *    whatever the group's size;
 *  - a group never approaches DynamoDB's 400 KB item limit;
 *  - GSI2 (userGroupsPk → gid) inverts the relation, so "the groups of a user" (User.groups,
 *    `members.value eq "<uid>"`) is a Query, not a scan.
 *
 * Batching follows DynamoDB's limits: BatchGetItem ≤ 100 keys, BatchWriteItem ≤ 25 requests;
 * unprocessed keys/items are retried with capped exponential backoff and full jitter.
 *
 * Requests: verify k ids = ⌈k/100⌉ BatchGetItem; write k memberships = ⌈k/25⌉ BatchWriteItem;
 * remove one member = 1 DeleteItem; list a group's member ids = ⌈n/~1MB⌉ Query (keys only);
 * groups of a user = 1 Query (GSI2) + ⌈g/100⌉ BatchGetItem for display names.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { badRequest, serviceUnavailable } from '../scim/errors';
import { guardRead } from './errors';
import { groupKey, MEMBERSHIP_SK_PREFIX, membershipKey, userGroupsPk, userKey } from './keys';
import { LOOKUP_INDEX, TABLE_KEYS } from './table-definition';

export const MEMBERSHIP_ITEM_TYPE = 'Membership';

/** DynamoDB's per-request limits (API reference of BatchGetItem and BatchWriteItem). */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

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

export function membershipItem(tenant: string, groupId: string, userId: string): Record<string, unknown> {
  return {
    ...membershipKey(tenant, groupId, userId),
    type: MEMBERSHIP_ITEM_TYPE,
    tenant,
    groupId,
    userId,
    // GSI2 inverts the relation: partition = the user, sort = the group.
    [LOOKUP_INDEX.partitionKey]: userGroupsPk(tenant, userId),
    [LOOKUP_INDEX.sortKey]: groupId,
  };
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
  deadline?: number,
): Promise<boolean> {
  let next = 0;
  const worker = async (): Promise<void> => {
    // Each worker does at least one item, so a call always makes progress; after the deadline
    // no new item is started.
    let first = true;
    while (next < items.length && (first || deadline === undefined || Date.now() < deadline)) {
      first = false;
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return next >= items.length;
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
  deadline?: number,
): Promise<boolean> {
  return inParallel(
    chunks(requests, BATCH_WRITE_LIMIT),
    BATCH_CONCURRENCY,
    async (batch) => {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_BATCH_ATTEMPTS) throw throttledBatch();
        const result = await guardRead(() =>
          ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } })),
        );
        pending = result.UnprocessedItems?.[ctx.tableName] ?? [];
        if (pending.length > 0) await backoff(attempt);
      }
    },
    deadline,
  );
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
// Membership writes

/**
 * Stores memberships of `userIds` in the group. Idempotent: a Put of an existing membership
 * rewrites the same item, so retried or duplicated adds leave exactly one membership. The
 * caller has verified the users and the group.
 */
export async function putMemberships(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  await batchWrite(
    ctx,
    unique.map((userId) => ({ PutRequest: { Item: membershipItem(ctx.tenant, groupId, userId) } })),
  );
}

/** Removes memberships; one member is a single DeleteItem, more go in batches of 25. */
export async function deleteMemberships(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  if (unique.length === 1) {
    await guardRead(() =>
      ctx.db.send(
        new DeleteCommand({
          TableName: ctx.tableName,
          Key: membershipKey(ctx.tenant, groupId, unique[0] as string),
        }),
      ),
    );
    return;
  }
  await batchWrite(
    ctx,
    unique.map((userId) => ({ DeleteRequest: { Key: membershipKey(ctx.tenant, groupId, userId) } })),
  );
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
 * Deletes every membership of a group, a page of keys at a time (Query up to 1,000 keys, delete
 * them in batches of 25, repeat), so each membership is read once even when the work spans
 * several requests. With a `deadline` (epoch ms) no new page or batch starts after it, and
 * `complete` says whether everything was removed: one group's memberships share a partition
 * key, so on DynamoDB a group of 100,000 members cannot be emptied within one API Gateway request
 * (~1,000 writes/s per partition before DynamoDB splits it for heat). `removed` counts the
 * memberships deleted or queued for deletion.
 */
export async function removeAllMembershipsOfGroup(
  ctx: MembershipContext,
  groupId: string,
  options: { deadline?: number } = {},
): Promise<{ removed: number; complete: boolean }> {
  const PAGE = 1000;
  let removed = 0;
  for (;;) {
    const { ids, truncated } = await listMemberIds(ctx, groupId, PAGE);
    if (ids.length === 0) return { removed, complete: true };
    const complete = await batchWrite(
      ctx,
      ids.map((userId) => ({ DeleteRequest: { Key: membershipKey(ctx.tenant, groupId, userId) } })),
      options.deadline,
    );
    removed += ids.length;
    // A short page was the last one: done without another Query.
    if (complete && !truncated) return { removed, complete: true };
    if (!complete || (options.deadline !== undefined && Date.now() > options.deadline)) {
      return { removed, complete: false };
    }
  }
}

/**
 * Makes the group's member set exactly `userIds`, writing only the difference (RFC 7644 §3.5.1
 * PUT, and PATCH `replace` of `members`). The caller has verified the users.
 */
export async function setMemberships(
  ctx: MembershipContext,
  groupId: string,
  userIds: readonly string[],
): Promise<{ added: number; removed: number }> {
  const wanted = new Set(userIds);
  const { ids: current } = await listMemberIds(ctx, groupId);
  const have = new Set(current);
  const toAdd = [...wanted].filter((id) => !have.has(id));
  const toRemove = current.filter((id) => !wanted.has(id));
  await Promise.all([putMemberships(ctx, groupId, toAdd), deleteMemberships(ctx, groupId, toRemove)]);
  return { added: toAdd.length, removed: toRemove.length };
}

// ---------------------------------------------------------------------------------------------
// The inverted index: groups of a user

async function groupIdsOfUser(ctx: MembershipContext, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Key | undefined;
  do {
    const result = await guardRead(() =>
      ctx.db.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: LOOKUP_INDEX.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': LOOKUP_INDEX.partitionKey,
            '#sk': LOOKUP_INDEX.sortKey,
            '#t': 'type',
          },
          ExpressionAttributeValues: { ':pk': userGroupsPk(ctx.tenant, userId), ':m': MEMBERSHIP_ITEM_TYPE },
          // Defensive: only membership items live in this partition, but never trust an index blindly.
          FilterExpression: '#t = :m',
          ProjectionExpression: '#sk, #t',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    for (const item of result.Items ?? []) ids.push(String(item[LOOKUP_INDEX.sortKey]));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

/** Ids of the groups `userId` belongs to (GSI2 Query; eventually consistent like every GSI). */
export async function groupIdsOfMember(ctx: MembershipContext, userId: string): Promise<string[]> {
  if (!ID_PATTERN.test(userId)) return [];
  return groupIdsOfUser(ctx, userId);
}

/**
 * Removes every membership of a user (called when the user is deleted): GSI2 Query, then
 * batched deletes of the base-table items. Returns how many were removed.
 */
export async function removeAllMembershipsOfUser(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  userId: string,
): Promise<number> {
  const ctx = { db, tableName, tenant };
  const groupIds = await groupIdsOfMember(ctx, userId);
  if (groupIds.length === 0) return 0;
  await batchWrite(
    ctx,
    groupIds.map((groupId) => ({ DeleteRequest: { Key: membershipKey(tenant, groupId, userId) } })),
  );
  return groupIds.length;
}

export interface UserGroupReference {
  readonly value: string;
  readonly display?: string;
  readonly $ref?: string;
  readonly type?: 'direct';
}

/**
 * User.groups (RFC 7643 §4.1.2, readOnly): the groups of a user from the inverted index, with
 * `display` = the group's displayName (BatchGet of the group items, displayName projected).
 * `$ref` is absolute and needs the request's base URL, so it is added only when `baseUrl` is
 * given. Groups deleted concurrently (membership not yet cleaned up) are left out.
 */
export async function groupsOfUser(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  userId: string,
  baseUrl?: string,
): Promise<UserGroupReference[]> {
  const ctx = { db, tableName, tenant };
  const groupIds = await groupIdsOfMember(ctx, userId);
  if (groupIds.length === 0) return [];
  const items = await batchGet(
    ctx,
    groupIds.map((id) => groupKey(tenant, id)),
    DISPLAY_FIELDS,
  );
  const names = new Map<string, string | undefined>();
  for (const item of items) {
    if (typeof item.id !== 'string') continue;
    const resource = (item.resource ?? {}) as Record<string, unknown>;
    names.set(item.id, typeof resource.displayName === 'string' ? resource.displayName : undefined);
  }
  return groupIds
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

/** Internal for groups-store: batched reads/writes with the same retry policy. */
export const batches = { batchGet, batchWrite };
