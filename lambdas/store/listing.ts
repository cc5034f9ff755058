/**
 * Paging over a tenant's listing partition of the GSI1 index (users or groups), shared by the
 * Users and Groups stores.
 *
 * GSI1SK is the resource's UUIDv7 id, so the index returns resources in creation order: a
 * stable order for `startIndex`/`count` paging (RFC 7644 §3.4.2.4) without sorting. DynamoDB has
 * no offsets, so reaching `startIndex` means reading the items before it. A CheckpointCache
 * (page-checkpoints.ts) can be passed in to resume from where the previous page ended, which
 * turns a sequential import from O(n²) into O(n) reads; without one the skip is read.
 *
 * Filtered listings that no key look-up can answer are evaluated in memory over a BOUNDED walk
 * of the partition: past MAX_EXAMINED_ITEMS the request is refused (tooMany)
 * instead of reading without end.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../domain/errors';
import type { Checkpoint } from './page-checkpoints';
import { LISTING_INDEX, TABLE_KEYS } from './table-definition';

export type StoredItem = Record<string, unknown>;

/** Items a filtered listing may examine before it answers tooMany. */
export const MAX_EXAMINED_ITEMS = 10_000;

/** Largest page asked of DynamoDB at once (it also stops at 1 MB per response). */
const QUERY_PAGE = 1000;

export interface ListingSource {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The GSI1PK value, e.g. userListingPk(tenant). */
  readonly partition: string;
}

/** Where offset pages begin; see page-checkpoints.ts for the DynamoDB-backed one. */
export interface CheckpointCache {
  nearest(startIndex: number): Promise<Checkpoint>;
  save(checkpoint: Required<Checkpoint>): Promise<void>;
}

type StartKey = Record<string, unknown>;

function query(
  source: ListingSource,
  limit: number | undefined,
  startKey: StartKey | undefined,
  countOnly = false,
): Promise<QueryCommandOutput> {
  return source.db.send(
    new QueryCommand({
      TableName: source.tableName,
      IndexName: LISTING_INDEX.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': LISTING_INDEX.partitionKey },
      ExpressionAttributeValues: { ':pk': source.partition },
      ScanIndexForward: true,
      ...(limit !== undefined ? { Limit: limit } : {}),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      ...(countOnly ? { Select: 'COUNT' as const } : {}),
    }),
  );
}

/**
 * Number of items in the partition: a COUNT query, which still reads (and bills) every item,
 * 1 MB per request. Sharded counters (counters.ts) are the O(1) replacement.
 */
export async function countListing(source: ListingSource): Promise<number> {
  let total = 0;
  let startKey: StartKey | undefined;
  do {
    const page = await query(source, undefined, startKey, true);
    total += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return total;
}

/** The DynamoDB key that resumes a GSI1 query right after `item`. */
function resumeKeyOf(item: StoredItem): StartKey {
  return {
    [TABLE_KEYS.partitionKey]: item[TABLE_KEYS.partitionKey],
    [TABLE_KEYS.sortKey]: item[TABLE_KEYS.sortKey],
    [LISTING_INDEX.partitionKey]: item[LISTING_INDEX.partitionKey],
    [LISTING_INDEX.sortKey]: item[LISTING_INDEX.sortKey],
  };
}

/**
 * Items `startIndex` … `startIndex + count - 1` (1-based) of the partition, in id order. The
 * items skipped to reach `startIndex` (from the nearest checkpoint) are bounded like a filter's
 * walk: past `maxSkipped` the request is refused (tooMany) before any item is read.
 */
export async function readListingPage(
  source: ListingSource,
  page: { readonly startIndex: number; readonly count: number },
  checkpoints?: CheckpointCache,
  maxSkipped: number = MAX_EXAMINED_ITEMS,
): Promise<StoredItem[]> {
  if (page.count <= 0) return [];
  const start = checkpoints ? await checkpoints.nearest(page.startIndex) : { offset: 1 };
  if (page.startIndex - start.offset > maxSkipped) {
    throw new DomainError(
      'tooMany',
      `startIndex ${page.startIndex} would skip more than ${maxSkipped} resources; page sequentially from a page already read, or use cursor paging (cursor=, RFC 9865)`,
    );
  }
  const end = page.startIndex + page.count; // exclusive
  let position = start.offset; // 1-based offset of the next item the query returns
  let startKey: StartKey | undefined = start.startKey;
  const items: StoredItem[] = [];
  do {
    const result = await query(source, Math.min(QUERY_PAGE, end - position), startKey);
    for (const item of result.Items ?? []) {
      if (position >= page.startIndex) items.push(item);
      position++;
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey && position < end);
  const last = items[items.length - 1];
  if (checkpoints && last && items.length === page.count) {
    await checkpoints.save({ offset: end, startKey: resumeKeyOf(last) });
  }
  return items;
}

/**
 * Every item of the partition that satisfies `keep`, examining at most `maxExamined` items;
 * beyond that the filter is too broad to evaluate in memory (tooMany). `size`, when the caller
 * keeps a count of the partition (the resource counters), is read beside the first page and
 * refuses a partition larger than that after it: not the nine pages more a walk to tooMany
 * would read, and no extra round trip in series for a tenant within the bound.
 */
export async function collectMatching(
  source: ListingSource,
  keep: (item: StoredItem) => boolean,
  maxExamined: number = MAX_EXAMINED_ITEMS,
  size?: () => Promise<number>,
): Promise<StoredItem[]> {
  const tooMany = () =>
    new DomainError(
      'tooMany',
      `The filter would examine more than ${maxExamined} resources; use an equality filter on id, userName, externalId or displayName`,
    );
  const oversized = size?.().then((count) => count > maxExamined);
  // Observed now, awaited after the first page: a first page that fails leaves no stray rejection.
  oversized?.catch(() => undefined);
  const matches: StoredItem[] = [];
  let examined = 0;
  let startKey: StartKey | undefined;
  do {
    // Ask for one item more than the budget allows, so "exactly at the limit" is not refused.
    const result = await query(source, Math.min(QUERY_PAGE, maxExamined - examined + 1), startKey);
    if (examined === 0 && oversized && (await oversized)) throw tooMany();
    for (const item of result.Items ?? []) {
      examined++;
      if (examined > maxExamined) throw tooMany();
      if (keep(item)) matches.push(item);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return matches;
}

/**
 * Up to `limit` items that follow `startKey` (or the partition's beginning) in id order: RFC 9865
 * cursor pages resume right after the last item a client saw, with no offset to walk.
 */
export async function readListingFrom(
  source: ListingSource,
  startKey: StartKey | undefined,
  limit: number,
): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let next = startKey;
  while (items.length < limit) {
    const result = await query(source, Math.min(QUERY_PAGE, limit - items.length), next);
    items.push(...(result.Items ?? []));
    next = result.LastEvaluatedKey;
    if (!next) break;
  }
  return items;
}

/** The GSI1 key that resumes a listing right after the resource whose table key is given. */
export function listingResumeKey(
  source: ListingSource,
  tableKey: { readonly PK: string; readonly SK: string },
  id: string,
): StartKey {
  return {
    [TABLE_KEYS.partitionKey]: tableKey.PK,
    [TABLE_KEYS.sortKey]: tableKey.SK,
    [LISTING_INDEX.partitionKey]: source.partition,
    [LISTING_INDEX.sortKey]: id,
  };
}

/**
 * Every item of one partition of a secondary index (optionally a sort-key prefix), read page by
 * page; past `maxExamined` items the request is refused (tooMany) and `tooManyDetail`.
 * Shared by the look-ups that are exact but not unique (externalId, userName prefixes).
 */
export async function queryIndexPartition(
  source: Omit<ListingSource, 'partition'>,
  index: { readonly indexName: string; readonly partitionKey: string; readonly sortKey: string },
  partition: string,
  options: { readonly sortKeyPrefix?: string; readonly maxExamined?: number; readonly tooManyDetail: string },
): Promise<StoredItem[]> {
  const maxExamined = options.maxExamined ?? MAX_EXAMINED_ITEMS;
  const items: StoredItem[] = [];
  let startKey: StartKey | undefined;
  do {
    const result = await source.db.send(
      new QueryCommand({
        TableName: source.tableName,
        IndexName: index.indexName,
        KeyConditionExpression:
          options.sortKeyPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: {
          '#pk': index.partitionKey,
          ...(options.sortKeyPrefix === undefined ? {} : { '#sk': index.sortKey }),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(options.sortKeyPrefix === undefined ? {} : { ':prefix': options.sortKeyPrefix }),
        },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    if (items.length > maxExamined) throw new DomainError('tooMany', options.tooManyDetail);
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}
