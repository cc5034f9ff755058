/**
 * Group items in the single table (DESIGN.md §4, keys from keys.ts).
 *
 * - The group item holds the canonical SCIM attributes in `resource` (displayName, externalId,
 *   extension attributes) and NEVER a member list: members are items of their own
 *   (memberships-store.ts), so the group item stays small and membership changes never
 *   rewrite it.
 * - Index keys: GSI1 listing (creation order), GSI2 externalId (sparse), GSI3 lower-cased
 *   displayName (for `sw` and sorting).
 * - displayName is unique per tenant, case-insensitively (RFC 7643 §4.2 says nothing of
 *   uniqueness; Okta and Entra both look groups up by displayName, so two groups with one name
 *   would make their look-ups ambiguous). A guard item keyed by the lower-cased name is written
 *   in the SAME transaction as the group, so concurrent creates cannot both win, and a rename
 *   moves the guard atomically.
 * - Two counters: `version` counts every change, membership changes included (each membership
 *   transaction ADDs 1 to it, memberships-store.ts), so ETags (RFC 7644 §3.14) change whenever
 *   the group as a client sees it changes; `resourceVersion` counts attribute writes only, and
 *   is what attribute writes are conditional on. A burst of member PATCHes (Okta sends a rename
 *   with each one) therefore never makes a concurrent rename lose its read-modify-write race
 *   over and over. Attribute writes are UpdateItems that ADD to `version` too, never a Put of a
 *   stale number, so the ETag only ever grows.
 *
 * Requests: create = 1 TransactWriteItems (with up to 49 members in the same transaction;
 * ⌈(n−49)/49⌉ more for a larger member list); get = 1 GetItem; by displayName = 2 GetItem
 * (guard strongly consistent, then the group); by externalId = 1 Query (GSI2); attribute update
 * without rename = 1 UpdateItem, with rename = 1 TransactWriteItems + 1 GetItem (a transaction
 * cannot return the new version); If-Match claim = 1 UpdateItem;
 * delete = 1 TransactWriteItems (+ the memberships, see memberships-store.ts).
 */
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { badRequest } from '../scim/errors';
import type { JsonObject } from '../scim/schema/json';
import { type ItemRole, isConditionalCheckFailed, translateWriteError, VersionConflictError } from './errors';
import { uuidv7 } from './ids';
import { groupExternalIdPk, groupKey, groupListingPk, groupNameKey, groupNamesPk } from './keys';
import {
  collectMatching,
  type ListingSource,
  MAX_EXAMINED_ITEMS,
  queryIndexPartition,
  type StoredItem,
} from './listing';
import {
  batches,
  groupRefItem,
  MEMBERS_PER_TRANSACTION,
  membershipItem,
  membershipTransactions,
  writeMembershipTransaction,
} from './memberships-store';
import { readItem } from './read-item';
import { LOOKUP_INDEX, NAME_INDEX } from './table-definition';

export const GROUP_ITEM_TYPE = 'Group';
export const GROUP_NAME_GUARD_TYPE = 'GroupName';

/** Key attribute limits: 2048 bytes for a partition key, 1024 for a sort key (GSI3SK). */
export const MAX_DISPLAY_NAME_BYTES = 1000;
export const MAX_EXTERNAL_ID_BYTES = 1500;

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StoredGroup {
  readonly id: string;
  readonly version: number;
  /** Attribute writes so far (1 at creation); the condition of the next attribute write. */
  readonly resourceVersion: number;
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM attributes without id, meta and members. */
  readonly resource: JsonObject;
}

export interface GroupStoreContext {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenant: string;
}

export const isGroupId = (id: string): boolean => ID_PATTERN.test(id);

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function displayNameOf(resource: JsonObject): string {
  const displayName = resource.displayName;
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw badRequest('invalidValue', 'displayName is required');
  }
  if (byteLength(displayName.toLowerCase()) > MAX_DISPLAY_NAME_BYTES) {
    throw badRequest('invalidValue', `displayName must be at most ${MAX_DISPLAY_NAME_BYTES} bytes long`);
  }
  return displayName;
}

function externalIdOf(resource: JsonObject): string | undefined {
  const externalId = resource.externalId;
  if (typeof externalId !== 'string' || externalId === '') return undefined;
  if (byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) {
    throw badRequest('invalidValue', `externalId must be at most ${MAX_EXTERNAL_ID_BYTES} bytes long`);
  }
  return externalId;
}

/** The stored resource never carries members, whatever the caller passed. */
function withoutMembers(resource: JsonObject): JsonObject {
  const { members: _members, ...rest } = resource;
  return rest;
}

function groupItem(tenant: string, group: StoredGroup): StoredItem {
  const displayName = displayNameOf(group.resource);
  const externalId = externalIdOf(group.resource);
  return {
    ...groupKey(tenant, group.id),
    type: GROUP_ITEM_TYPE,
    tenant,
    id: group.id,
    version: group.version,
    resourceVersion: group.resourceVersion,
    created: group.created,
    lastModified: group.lastModified,
    resource: group.resource,
    GSI1PK: groupListingPk(tenant),
    GSI1SK: group.id,
    ...(externalId !== undefined ? { GSI2PK: groupExternalIdPk(tenant, externalId), GSI2SK: group.id } : {}),
    GSI3PK: groupNamesPk(tenant),
    GSI3SK: displayName.toLowerCase(),
  };
}

function guardItem(tenant: string, displayName: string, groupId: string): StoredItem {
  return { ...groupNameKey(tenant, displayName), type: GROUP_NAME_GUARD_TYPE, tenant, groupId };
}

export function groupFromItem(item: StoredItem | undefined): StoredGroup | undefined {
  if (!item || item.type !== GROUP_ITEM_TYPE) return undefined;
  const { id, version, resourceVersion, created, lastModified, resource } = item;
  if (typeof id !== 'string' || typeof version !== 'number' || typeof resourceVersion !== 'number')
    return undefined;
  if (typeof created !== 'string' || typeof lastModified !== 'string') return undefined;
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return undefined;
  return { id, version, resourceVersion, created, lastModified, resource: resource as JsonObject };
}

const duplicate = (displayName: string): ItemRole => ({
  kind: 'unique',
  detail: `A group with displayName "${displayName.length > 200 ? `${displayName.slice(0, 200)}…` : displayName}" already exists`,
});

const CREATE_ATTEMPTS = 4;

function pause(attempt: number): Promise<void> {
  const ms = Math.floor(Math.random() * 20 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Members that fit in the create transaction beside the group and its guard (100 actions). */
const MEMBERS_IN_CREATE = MEMBERS_PER_TRANSACTION;

/**
 * Creates the group, its displayName guard and its first MEMBERS_IN_CREATE memberships (both
 * sides) in one transaction; the caller has verified the member ids. More members follow in
 * transactions that check the group exists without bumping its version: nobody has seen this
 * group yet, so the version the response shows stays the one created.
 */
export async function createGroup(
  ctx: GroupStoreContext,
  input: JsonObject,
  now: Date = new Date(),
  memberIds: readonly string[] = [],
): Promise<StoredGroup> {
  const resource = withoutMembers(input);
  const timestamp = now.toISOString();
  const group: StoredGroup = {
    id: uuidv7(now.getTime()),
    version: 1,
    resourceVersion: 1,
    created: timestamp,
    lastModified: timestamp,
    resource,
  };
  const item = groupItem(ctx.tenant, group);
  const displayName = displayNameOf(resource);
  const members = [...new Set(memberIds)];
  const first = members.slice(0, MEMBERS_IN_CREATE);
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
                Item: guardItem(ctx.tenant, displayName, group.id),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...first.flatMap((userId) => [
              { Put: { TableName: ctx.tableName, Item: membershipItem(ctx.tenant, group.id, userId) } },
              { Put: { TableName: ctx.tableName, Item: groupRefItem(ctx.tenant, userId, group.id) } },
            ]),
          ],
        }),
      );
      break;
    } catch (error) {
      try {
        translateWriteError(error, [{ kind: 'other' }, duplicate(displayName)]);
      } catch (translated) {
        // Parallel creates of one name collide as TransactionConflict; a retry after the winner
        // committed meets its guard and answers 409 uniqueness.
        if (translated instanceof VersionConflictError && attempt < CREATE_ATTEMPTS) {
          await pause(attempt);
          continue;
        }
        throw translated;
      }
    }
  }
  const rest = members.slice(MEMBERS_IN_CREATE);
  if (rest.length > 0) {
    for (const chunk of membershipTransactions({ add: rest, remove: [] })) {
      const result = await writeMembershipTransaction(ctx, group.id, chunk, { bumpVersion: false });
      // Only a DELETE of the new group (by id, before we answered) can get here.
      if (result.outcome !== 'written') throw new VersionConflictError();
    }
  }
  return group;
}

export async function getGroup(
  ctx: GroupStoreContext,
  id: string,
  options: { consistent?: boolean } = {},
): Promise<StoredGroup | undefined> {
  if (!isGroupId(id)) return undefined;
  return groupFromItem(await readItem(ctx, groupKey(ctx.tenant, id), options.consistent ?? true));
}

/**
 * `displayName eq "x"`: the guard is read strongly consistently, so Okta's look-up right after
 * a create (or a retried create) finds the group; then the group it points to.
 */
export async function getGroupByDisplayName(
  ctx: GroupStoreContext,
  displayName: string,
): Promise<StoredGroup | undefined> {
  if (displayName === '' || byteLength(displayName.toLowerCase()) > MAX_DISPLAY_NAME_BYTES) return undefined;
  const guard = await readItem(ctx, groupNameKey(ctx.tenant, displayName));
  const groupId = guard?.groupId;
  if (typeof groupId !== 'string') return undefined;
  const group = await getGroup(ctx, groupId);
  return group && String(group.resource.displayName).toLowerCase() === displayName.toLowerCase()
    ? group
    : undefined;
}

/** `externalId eq "x"`: a Query of the sparse GSI2 partition. */
export async function findGroupsByExternalId(
  ctx: GroupStoreContext,
  externalId: string,
): Promise<StoredGroup[]> {
  if (externalId === '' || byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) return [];
  const items = await queryIndexPartition(ctx, LOOKUP_INDEX, groupExternalIdPk(ctx.tenant, externalId), {
    tooManyDetail: `More than ${MAX_EXAMINED_ITEMS} groups share this externalId`,
  });
  // The index is eventually consistent: re-check against the item itself.
  return items
    .map(groupFromItem)
    .filter((group): group is StoredGroup => group !== undefined && group.resource.externalId === externalId);
}

/** Groups by id (BatchGetItem, ≤100 keys per request), in the order of `ids`; missing ones skipped. */
export async function getGroupsByIds(ctx: GroupStoreContext, ids: readonly string[]): Promise<StoredGroup[]> {
  const unique = [...new Set(ids)].filter(isGroupId);
  if (unique.length === 0) return [];
  const items = await batches.batchGet(
    ctx,
    unique.map((id) => groupKey(ctx.tenant, id)),
  );
  const byId = new Map<string, StoredGroup>();
  for (const item of items) {
    const group = groupFromItem(item);
    if (group) byId.set(group.id, group);
  }
  return unique.flatMap((id) => byId.get(id) ?? []);
}

export function groupListing(ctx: GroupStoreContext): ListingSource {
  return { db: ctx.db, tableName: ctx.tableName, partition: groupListingPk(ctx.tenant) };
}

/** Groups of the tenant's listing that satisfy `keep` (bounded: tooMany past the limit). */
export async function collectGroups(
  ctx: GroupStoreContext,
  keep: (group: StoredGroup) => boolean,
  maxExamined?: number,
): Promise<StoredGroup[]> {
  const items = await collectMatching(
    groupListing(ctx),
    (item) => {
      const group = groupFromItem(item);
      return group !== undefined && keep(group);
    },
    maxExamined,
  );
  return items.map((item) => groupFromItem(item) as StoredGroup);
}

/**
 * Writes `input` (members ignored) as the group's attributes, conditional on
 * `current.resourceVersion` (a lost race is VersionConflictError: re-read and retry); a
 * displayName change other than case moves the guard in the same transaction (409 uniqueness
 * if the new name is taken).
 */
export async function replaceGroup(
  ctx: GroupStoreContext,
  current: StoredGroup,
  input: JsonObject,
  now: Date = new Date(),
): Promise<StoredGroup> {
  const resource = withoutMembers(input);
  const oldName = String(current.resource.displayName ?? '');
  const newName = displayNameOf(resource);
  const externalId = externalIdOf(resource);
  const update = {
    TableName: ctx.tableName,
    Key: groupKey(ctx.tenant, current.id),
    UpdateExpression: [
      'SET #r = :r, #lm = :lm, #n = :n',
      externalId !== undefined ? ', #xpk = :xpk, #xsk = :id' : '',
      ' ADD #v :one, #rv :one',
      externalId === undefined ? ' REMOVE #xpk, #xsk' : '',
    ].join(''),
    ConditionExpression: '#rv = :rv',
    ExpressionAttributeNames: {
      '#r': 'resource',
      '#lm': 'lastModified',
      '#n': NAME_INDEX.sortKey,
      '#xpk': LOOKUP_INDEX.partitionKey,
      '#xsk': LOOKUP_INDEX.sortKey,
      '#v': 'version',
      '#rv': 'resourceVersion',
    },
    ExpressionAttributeValues: {
      ':r': resource,
      ':lm': now.toISOString(),
      ':n': newName.toLowerCase(),
      ':one': 1,
      ':rv': current.resourceVersion,
      ...(externalId !== undefined
        ? { ':xpk': groupExternalIdPk(ctx.tenant, externalId), ':id': current.id }
        : {}),
    },
  };
  try {
    if (oldName.toLowerCase() === newName.toLowerCase()) {
      const result = await ctx.db.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
      const next = groupFromItem(result.Attributes);
      if (next) return next;
    } else {
      await ctx.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            {
              Put: {
                TableName: ctx.tableName,
                Item: guardItem(ctx.tenant, newName, current.id),
                // The guard may already be ours: when our read was stale and a concurrent
                // request renamed the group to this name, only the version condition must fail
                // (a retryable race), not this one (a false 409 uniqueness).
                ConditionExpression: 'attribute_not_exists(PK) OR groupId = :id',
                ExpressionAttributeValues: { ':id': current.id },
              },
            },
            {
              Delete: {
                TableName: ctx.tableName,
                Key: groupNameKey(ctx.tenant, oldName),
                ConditionExpression: 'attribute_not_exists(PK) OR groupId = :id',
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
  // A transaction returns no attributes: read the version it produced (concurrent membership
  // touches may have added to it too).
  const next = await getGroup(ctx, current.id);
  if (!next) throw new VersionConflictError();
  return next;
}

/**
 * If-Match for groups (RFC 7644 §3.14). A group's `version` also moves with membership writes,
 * which are separate items, so the precondition cannot ride on one conditional write of the
 * change itself. Instead the request first claims the version it names: one UpdateItem that
 * increments `version` only if it still equals `expected`. Of two requests naming the same
 * version exactly one claim succeeds; the other sees a changed version. Returns false when the
 * version (or the group) is not what the client named.
 */
export async function claimGroupVersion(
  ctx: GroupStoreContext,
  id: string,
  expected: number,
  now: Date = new Date(),
): Promise<boolean> {
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: groupKey(ctx.tenant, id),
        UpdateExpression: 'ADD #v :one SET #lm = :now',
        ConditionExpression: 'attribute_exists(PK) AND #v = :expected',
        ExpressionAttributeNames: { '#v': 'version', '#lm': 'lastModified' },
        ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString(), ':expected': expected },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    translateWriteError(error);
  }
}

/**
 * Deletes the group item and its name guard in one transaction, conditional on the
 * resourceVersion read (a concurrent rename must not leave a guard behind; the caller re-reads and retries on
 * VersionConflictError). Memberships are removed separately (before, and in a final sweep after);
 * a membership transaction racing with the delete either commits before this (and is swept) or
 * fails its group condition and writes nothing.
 */
export async function deleteGroupItem(ctx: GroupStoreContext, current: StoredGroup): Promise<void> {
  const displayName = String(current.resource.displayName ?? '');
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: ctx.tableName,
              Key: groupKey(ctx.tenant, current.id),
              // resourceVersion, not version: membership touches must not block a delete.
              ConditionExpression: 'resourceVersion = :rv',
              ExpressionAttributeValues: { ':rv': current.resourceVersion },
            },
          },
          {
            Delete: {
              TableName: ctx.tableName,
              Key: groupNameKey(ctx.tenant, displayName),
              ConditionExpression: 'attribute_not_exists(PK) OR groupId = :id',
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
