/**
 * Group items: what Groups do not share with Users (resource-store.ts has the rest: item
 * layout and indexes, displayName guard, look-ups, listing, create and delete transactions).
 * displayName is unique per tenant, case-insensitively (Okta and Entra look groups up by it).
 * The item NEVER holds a member list: members are items of their own (memberships-store.ts).
 *
 * Two counters: `version` counts every change, membership transactions included, so ETags
 * change whenever the group a client sees changes; `resourceVersion` counts attribute writes
 * only and is what they are conditional on, so a burst of member PATCHes never makes a
 * concurrent rename lose its race over and over. Attribute writes ADD to `version`, never Put a
 * stale number, so the ETag only grows.
 *
 * Requests: create = 1 TransactWriteItems (+ ⌈(n−49)/49⌉ past 49 members); update = 1 UpdateItem, a rename
 * 1 TransactWriteItems + 1 GetItem; If-Match claim = 1 UpdateItem.
 */
import { randomUUID } from 'node:crypto';
import { nameKey } from '../scim/names';
import type { JsonObject } from '../scim/schema/json';
import type { StoreContext } from './context';
import { lostRace, translateConditionFailure } from './errors';
import { isResourceId, uuidv7 } from './ids';
import { groupExternalIdPk, groupKey, groupListingPk, groupNameKey, groupNamesPk } from './keys';
import type { StoredItem } from './listing';
import {
  batches,
  GROUP_WRITER_ATTRIBUTE,
  groupRefItem,
  lockAttributes,
  MEMBERS_PER_TRANSACTION,
  membershipItem,
} from './memberships-store';
import {
  createWithNameGuard,
  deleteWithNameGuard,
  externalIdOf,
  getResource,
  getResourceItem,
  isSameName,
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
import { LOOKUP_INDEX, NAME_INDEX } from './table-definition';
import { sendWrite, updateIf } from './transactions';

const GROUP_ITEM_TYPE = 'Group';
const GROUP_NAME_GUARD_TYPE = 'GroupName';

/** Key attribute limits: 2048 bytes for a partition key, 1024 for a sort key (GSI3SK). */
const MAX_DISPLAY_NAME_BYTES = 1000;

export interface StoredGroup extends StoredResource {
  /** Attribute writes so far (1 at creation); the condition of the next attribute write. */
  readonly resourceVersion: number;
}

/** A group as an attribute write left it. */
export interface ReplacedGroup extends StoredGroup {
  /**
   * Whether `version` is the one this write produced. A rename is a transaction, which returns
   * nothing: the group is read back, and its version is this write's only if no other write of
   * the group item came in between (a concurrent rename, member change or If-Match claim).
   */
  readonly versionIsOwn: boolean;
}

export const isGroupId = isResourceId;

function groupFromItem(item: StoredItem | undefined): StoredGroup | undefined {
  const stored = storedResourceOf(GROUPS, item);
  const resourceVersion = item?.resourceVersion;
  if (!stored || typeof resourceVersion !== 'number') return undefined;
  return { ...stored, resourceVersion };
}

const GROUPS: ResourceKind<StoredGroup> = {
  noun: 'group',
  counted: 'GROUPS',
  itemType: GROUP_ITEM_TYPE,
  guardType: GROUP_NAME_GUARD_TYPE,
  nameAttribute: 'displayName',
  maxNameBytes: MAX_DISPLAY_NAME_BYTES,
  isMissingName: (name) => name.trim() === '',
  guardOwner: 'groupId',
  key: groupKey,
  nameKey: groupNameKey,
  listingPk: groupListingPk,
  externalIdPk: groupExternalIdPk,
  namesPk: groupNamesPk,
  fromItem: groupFromItem,
};

/** The stored resource never carries members, whatever the caller passed. */
function withoutMembers(resource: JsonObject): JsonObject {
  const { members: _members, ...rest } = resource;
  return rest;
}

/** Members that fit in the create transaction beside the group and its guard (100 actions). */
export const MEMBERS_IN_CREATE = MEMBERS_PER_TRANSACTION;

/**
 * Creates the group, its displayName guard and its memberships (both sides, at most
 * MEMBERS_IN_CREATE; the caller has verified the ids) in one transaction. With `lockHolder`
 * the group is created locked by it, for a caller that adds more members than fit here.
 */
export async function createGroup(
  ctx: StoreContext,
  input: JsonObject,
  now: Date = new Date(),
  memberIds: readonly string[] = [],
  lockHolder?: string,
): Promise<StoredGroup> {
  const members = [...new Set(memberIds)];
  if (members.length > MEMBERS_IN_CREATE) {
    throw new RangeError(`a group is created with at most ${MEMBERS_IN_CREATE} members`);
  }
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
  const item = {
    ...resourceItem(GROUPS, ctx.tenant, group, { resourceVersion: group.resourceVersion }),
    ...(lockHolder !== undefined ? lockAttributes(lockHolder, now) : {}),
  };
  await createWithNameGuard(
    ctx,
    GROUPS,
    item,
    nameOf(GROUPS, resource),
    group.id,
    members.flatMap((userId) => [
      { Put: { TableName: ctx.tableName, Item: membershipItem(ctx.tenant, group.id, userId, now) } },
      { Put: { TableName: ctx.tableName, Item: groupRefItem(ctx.tenant, userId, group.id) } },
    ]),
  );
  return group;
}

export const getGroup = (
  ctx: StoreContext,
  id: string,
  options: { consistent?: boolean } = {},
): Promise<StoredGroup | undefined> => getResource(ctx, GROUPS, id, options.consistent ?? true);

/** Look-ups by displayName, externalId and displayName prefix; the listing. */
export const GROUP_READS: ResourceReads<StoredGroup> = resourceReads(GROUPS);

/** Groups by id (BatchGetItem, ≤100 keys per request), in the order of `ids`; missing ones skipped. */
export async function getGroupsByIds(ctx: StoreContext, ids: readonly string[]): Promise<StoredGroup[]> {
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

/**
 * Writes `input` (members ignored) as the group's attributes, conditional on
 * `current.resourceVersion` (a lost race is a versionConflict: re-read and retry); a
 * displayName change other than case moves the guard in the same transaction (uniqueness if
 * the new name is taken).
 */
export async function replaceGroup(
  ctx: StoreContext,
  current: StoredGroup,
  input: JsonObject,
  now: Date = new Date(),
): Promise<ReplacedGroup> {
  const writer = randomUUID();
  const resource = withoutMembers(input);
  const oldName = storedNameOf(GROUPS, current);
  const newName = nameOf(GROUPS, resource);
  const externalId = externalIdOf(resource);
  const update = {
    TableName: ctx.tableName,
    Key: groupKey(ctx.tenant, current.id),
    UpdateExpression: [
      'SET #r = :r, #lm = :lm, #n = :n, #w = :w',
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
      '#w': GROUP_WRITER_ATTRIBUTE,
    },
    ExpressionAttributeValues: {
      ':r': resource,
      ':w': writer,
      ':lm': now.toISOString(),
      ':n': nameKey(newName),
      ':one': 1,
      ':rv': current.resourceVersion,
      ...(externalId !== undefined
        ? { ':xpk': groupExternalIdPk(ctx.tenant, externalId), ':id': current.id }
        : {}),
    },
  };
  if (isSameName(oldName, newName)) {
    try {
      const attributes = await sendWrite(ctx, { Update: { ...update, ReturnValues: 'ALL_NEW' } }, current.id);
      const next = groupFromItem(attributes);
      if (next) return { ...next, versionIsOwn: true };
    } catch (error) {
      translateConditionFailure(error);
    }
  } else {
    await writeWithRename(ctx, GROUPS, { Update: update }, current.id, { oldName, newName });
  }
  // A transaction returns no attributes: read the group back (see ReplacedGroup).
  const item = await getResourceItem(ctx, GROUPS, current.id);
  const next = groupFromItem(item);
  if (!next) throw lostRace();
  return { ...next, versionIsOwn: item?.[GROUP_WRITER_ATTRIBUTE] === writer };
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
  ctx: StoreContext,
  id: string,
  expected: number,
  now: Date = new Date(),
): Promise<boolean> {
  return updateIf(ctx, {
    TableName: ctx.tableName,
    Key: groupKey(ctx.tenant, id),
    UpdateExpression: 'ADD #v :one SET #lm = :now REMOVE #w',
    ConditionExpression: 'attribute_exists(PK) AND #v = :expected',
    ExpressionAttributeNames: { '#v': 'version', '#lm': 'lastModified', '#w': GROUP_WRITER_ATTRIBUTE },
    ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString(), ':expected': expected },
  });
}

/**
 * Deletes the group item and its name guard in one transaction, conditional on the `version`
 * read BEFORE the memberships were removed. Every membership transaction bumps `version`, so
 * success proves none committed since that read: the removal saw every membership and no final
 * sweep is needed. One that commits after this fails its group condition and writes nothing;
 * one that committed in between fails this condition (versionConflict: the caller re-reads,
 * removes again and retries).
 */
export const deleteGroupItem = (ctx: StoreContext, current: StoredGroup): Promise<void> =>
  deleteWithNameGuard(ctx, GROUPS, current, { attribute: 'version', value: current.version });
