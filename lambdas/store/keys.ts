/**
 * Every key string of the single table is built here and nowhere else. The tenant is the
 * first component of every partition key (`T#<t>#…`), so no query can reach another tenant's
 * items. Items: user, group, membership, group ref, uniqueness guards, counter shards, page
 * checkpoints, activity records, change-feed entries.
 *
 * The key layout table: docs/DECISIONS.md.
 */

import { nameKey } from '../scim/names';

const enc = (value: string): string => value.replace(/#/g, '%23');

export const tenantPrefix = (tenant: string): string => `T#${enc(tenant)}`;

/** Sort keys of a user item, a group item, and the prefix of a membership (group side). */
export const USER_ITEM_SK = 'U';
export const GROUP_ITEM_SK = 'G';
export const MEMBERSHIP_SK_PREFIX = 'M#';

export const userKey = (tenant: string, id: string) => ({
  PK: `${tenantPrefix(tenant)}#U#${id}`,
  SK: USER_ITEM_SK,
});
export const groupKey = (tenant: string, id: string) => ({
  PK: `${tenantPrefix(tenant)}#G#${id}`,
  SK: GROUP_ITEM_SK,
});
export const membershipKey = (tenant: string, groupId: string, userId: string) => ({
  PK: `${tenantPrefix(tenant)}#G#${groupId}`,
  SK: `${MEMBERSHIP_SK_PREFIX}${userId}`,
});

/**
 * The items the stream consumer acts on (users, groups, memberships), by sort key: no other item
 * has these. The change stream's event filter (lib/constructs/change-events.ts) and the local
 * follower pass only their records, so the consumer's own writes (feed, activity) and every
 * other item (guards, counters, indexes, TTL expiries) invoke nothing.
 */
export const CHANGE_ITEM_SORT_KEYS = {
  equal: [USER_ITEM_SK, GROUP_ITEM_SK],
  prefix: MEMBERSHIP_SK_PREFIX,
} as const;

export function isChangeItemSortKey(sk: unknown): boolean {
  return (
    typeof sk === 'string' &&
    ((CHANGE_ITEM_SORT_KEYS.equal as readonly string[]).includes(sk) ||
      sk.startsWith(CHANGE_ITEM_SORT_KEYS.prefix))
  );
}
export const USER_GROUP_REF_SK_PREFIX = 'G#';
/** The user-side half of a membership, in the user's own partition (sorts before the user item `U`). */
export const userGroupRefKey = (tenant: string, userId: string, groupId: string) => ({
  PK: userKey(tenant, userId).PK,
  SK: `${USER_GROUP_REF_SK_PREFIX}${groupId}`,
});

export const userNameKey = (tenant: string, userName: string) => ({
  PK: `${tenantPrefix(tenant)}#UNAME#${nameKey(userName)}`,
  SK: '#',
});
export const groupNameKey = (tenant: string, displayName: string) => ({
  PK: `${tenantPrefix(tenant)}#GNAME#${nameKey(displayName)}`,
  SK: '#',
});

/** An email index item: one per distinct folded email value of a user (`email` is already folded). */
export const userEmailKey = (tenant: string, email: string, userId: string) => ({
  PK: userEmailPk(tenant, email),
  SK: userId,
});
export const userEmailPk = (tenant: string, email: string): string =>
  `${tenantPrefix(tenant)}#UEMAIL#${enc(email)}`;

/** GSI1 (listing) partition of a tenant's users or groups. */
export const userListingPk = (tenant: string): string => `${tenantPrefix(tenant)}#USERS`;
export const groupListingPk = (tenant: string): string => `${tenantPrefix(tenant)}#GROUPS`;

/** GSI2 (lookup) partitions. */
export const userExternalIdPk = (tenant: string, externalId: string): string =>
  `${tenantPrefix(tenant)}#UEXT#${externalId}`;
export const groupExternalIdPk = (tenant: string, externalId: string): string =>
  `${tenantPrefix(tenant)}#GEXT#${externalId}`;

/** GSI3 (byName) partitions; the sort key is the name's nameKey (scim/names.ts). */
export const userNamesPk = (tenant: string): string => `${tenantPrefix(tenant)}#UNAMES`;
export const groupNamesPk = (tenant: string): string => `${tenantPrefix(tenant)}#GNAMES`;

export const counterPk = (tenant: string, resource: 'USERS' | 'GROUPS'): string =>
  `${tenantPrefix(tenant)}#COUNT#${resource}`;
export const checkpointPk = (tenant: string, queryHash: string): string =>
  `${tenantPrefix(tenant)}#PAGE#${queryHash}`;

/** Provisioning activity, one partition per tenant and UTC day, newest last in sort order. */
export const activityPk = (tenant: string, day: string): string => `${tenantPrefix(tenant)}#ACT#${day}`;
/** GSI2 partition of one resource's activity ("did Okta's deactivate of this user arrive?"). */
export const activityResourcePk = (tenant: string, resourceId: string): string =>
  `${tenantPrefix(tenant)}#ACTRES#${resourceId}`;

/**
 * A tenant's change feed: entries `E#<position>` (zero-padded, so sort order is position order)
 * and the counter `C` that holds the last position written (docs/CONSUMING.md).
 */
export const feedPk = (tenant: string): string => `${tenantPrefix(tenant)}#FEED`;
export const feedCounterKey = (tenant: string) => ({ PK: feedPk(tenant), SK: 'C' });
export const FEED_ENTRY_SK_PREFIX = 'E#';
const FEED_POSITION_DIGITS = 16;
export const feedEntryKey = (tenant: string, position: number) => ({
  PK: feedPk(tenant),
  SK: `${FEED_ENTRY_SK_PREFIX}${String(position).padStart(FEED_POSITION_DIGITS, '0')}`,
});
/** The position back out of an entry's sort key (NaN for any other key). */
export const feedPositionOf = (sk: unknown): number =>
  typeof sk === 'string' && sk.startsWith(FEED_ENTRY_SK_PREFIX)
    ? Number(sk.slice(FEED_ENTRY_SK_PREFIX.length))
    : Number.NaN;
/** Whether a key is a feed entry's (`T#<t>#FEED` / `E#…`): how the webhook reader finds them. */
export const isFeedEntryKey = (pk: unknown, sk: unknown): boolean =>
  typeof pk === 'string' &&
  typeof sk === 'string' &&
  pk.startsWith('T#') &&
  pk.endsWith('#FEED') &&
  sk.startsWith(FEED_ENTRY_SK_PREFIX);
