/**
 * The single table's key schema and indexes. The CDK table construct and the table creation
 * for the local server and the tests both read this, so DynamoDB Local always has the indexes
 * production has.
 *
 *  - PK/SK: every item (users, groups, memberships, uniqueness guards, counters, checkpoints).
 *  - GSI1 "listing": GSI1PK = tenant + resource type, GSI1SK = time-ordered id (UUIDv7), so a
 *    tenant's users or groups come back in a stable creation order for paging.
 *  - GSI2 "lookup": sparse exact-match look-ups that are not unique: externalId of users and
 *    groups, and the activity of one resource. (The groups of a user are not here: they are
 *    refs in the user's own partition, memberships-store.ts.)
 *  - GSI3 "byName": GSI3PK = tenant + resource type, GSI3SK = folded (nameKey) userName or
 *    displayName, for `sw` filters (begins_with) and sorting by name.
 */

export const TTL_ATTRIBUTE = 'ttl';

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export const TABLE_KEYS = { partitionKey: 'PK', sortKey: 'SK' } as const;

export const LISTING_INDEX: IndexDefinition = {
  indexName: 'GSI1',
  partitionKey: 'GSI1PK',
  sortKey: 'GSI1SK',
};
export const LOOKUP_INDEX: IndexDefinition = { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' };
export const NAME_INDEX: IndexDefinition = { indexName: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' };

/** All GSIs project every attribute: a listed page is served from the index alone. */
export const GLOBAL_INDEXES: readonly IndexDefinition[] = [LISTING_INDEX, LOOKUP_INDEX, NAME_INDEX];
