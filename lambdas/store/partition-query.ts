/**
 * Strongly consistent Queries of one table partition, page by page: a user with its group refs,
 * the members of a group, the groups of a user. Items are yielded as pages arrive, so a caller
 * that stops early sends no further request.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './context';
import type { StoredItem } from './listing';
import { TABLE_KEYS } from './table-definition';

/** DynamoDB's per-request Limit we ask for at most (it also stops at 1 MB). */
const MAX_PAGE = 10_000;

export interface PartitionQuery {
  /** The table partition key (PK). */
  readonly partition: string;
  /** Only items whose sort key begins with this. */
  readonly sortKeyPrefix?: string;
  /** Read only the sort key of each item. */
  readonly sortKeyOnly?: boolean;
  /** Ask DynamoDB for at most this many items in all. */
  readonly limit?: number;
  /** Resume after the item with this sort key (a cursor's position), not at the first. */
  readonly startAfterSortKey?: string;
}

export async function* queryPartition(
  ctx: Omit<StoreContext, 'tenant'>,
  query: PartitionQuery,
): AsyncGenerator<StoredItem> {
  const { partition, sortKeyPrefix: prefix, sortKeyOnly, limit, startAfterSortKey } = query;
  let read = 0;
  let startKey: StoredItem | undefined =
    startAfterSortKey === undefined
      ? undefined
      : { [TABLE_KEYS.partitionKey]: partition, [TABLE_KEYS.sortKey]: startAfterSortKey };
  do {
    const result = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression:
          prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: {
          '#pk': TABLE_KEYS.partitionKey,
          ...(prefix !== undefined || sortKeyOnly ? { '#sk': TABLE_KEYS.sortKey } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(prefix !== undefined ? { ':prefix': prefix } : {}),
        },
        ...(sortKeyOnly ? { ProjectionExpression: '#sk' } : {}),
        ConsistentRead: true,
        ...(limit !== undefined ? { Limit: Math.min(limit - read, MAX_PAGE) } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of result.Items ?? []) {
      read++;
      yield item;
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey && (limit === undefined || read < limit));
}

/** The sort keys that begin with `prefix` in a partition, without the prefix (ids of refs). */
export async function* sortKeySuffixes(
  ctx: Omit<StoreContext, 'tenant'>,
  partition: string,
  prefix: string,
  limit?: number,
  afterSuffix?: string,
): AsyncGenerator<string> {
  const query = {
    partition,
    sortKeyPrefix: prefix,
    sortKeyOnly: true,
    ...(limit !== undefined ? { limit } : {}),
    ...(afterSuffix !== undefined ? { startAfterSortKey: `${prefix}${afterSuffix}` } : {}),
  };
  for await (const item of queryPartition(ctx, query)) {
    yield String(item[TABLE_KEYS.sortKey]).slice(prefix.length);
  }
}

/**
 * How many items of a partition have sort keys beginning with `prefix`, counting at most
 * `limit` (so at most `limit` is returned): strongly consistent Queries with Select COUNT, one
 * per 1 MB of items read (DynamoDB bills what it reads, not what it returns).
 */
export async function countSortKeyPrefix(
  ctx: Omit<StoreContext, 'tenant'>,
  partition: string,
  prefix: string,
  limit: number,
): Promise<number> {
  let total = 0;
  let startKey: StoredItem | undefined;
  do {
    const result = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
        Select: 'COUNT',
        ConsistentRead: true,
        Limit: Math.min(limit - total, MAX_PAGE),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    total += result.Count ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey && total < limit);
  return total;
}
