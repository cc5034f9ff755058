/**
 * The change feed's items (docs/CONSUMING.md): per tenant a dense sequence of positions 1, 2, 3…
 * An append reads the counter, then writes counter and entries in ONE transaction conditional
 * on the counter still holding what was read, so an entry becomes visible together with its
 * position and never behind a position a follower has already passed; a lost race re-reads and
 * retries. A page is one strongly consistent Query after the cursor's position.
 */
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../domain/errors';
import { retry } from '../retry';
import { DAY_MS } from '../scim/date-time';
import type { JsonObject } from '../scim/schema/json';
import type { StoreContext } from './context';
import { cancellationReasons, isConditionalCheckFailed } from './errors';
import { feedCounterKey, feedEntryKey, feedPk, feedPositionOf } from './keys';
import { FEED_APPEND_RETRY } from './retry-policies';
import { TTL_ATTRIBUTE } from './table-definition';

const DEFAULT_FEED_RETENTION_DAYS = 30;
/** TransactWriteItems takes 100 items: the counter and 99 entries. */
const ENTRIES_PER_TRANSACTION = 99;

export interface FeedEntry {
  readonly position: number;
  readonly set: JsonObject;
  /** Epoch ms the entry was written (the writer's clock). */
  readonly written: number;
  /** Epoch seconds after which the entry no longer counts (TTL deletes it some time later). */
  readonly expires: number;
}

/** Last position written per tenant, as this process last saw it: saves the counter read. */
const lastSeen = new Map<string, number>();

async function readCounter(ctx: StoreContext): Promise<number> {
  const result = await ctx.db.send(
    new GetCommand({
      TableName: ctx.tableName,
      Key: feedCounterKey(ctx.tenant),
      ConsistentRead: true,
      ProjectionExpression: '#p',
      ExpressionAttributeNames: { '#p': 'position' },
    }),
  );
  const position = result.Item?.position;
  return typeof position === 'number' ? position : 0;
}

function lostCounter(error: unknown): boolean {
  if (isConditionalCheckFailed(error)) return true;
  if (cancellationReasons(error)?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict'))
    return true;
  return error instanceof DomainError && error.code === 'versionConflict';
}

/** Appends `sets` to the tenant's feed in order, in transactions of up to 99 entries. */
export async function appendToFeed(
  ctx: StoreContext,
  sets: readonly JsonObject[],
  retentionDays: number = DEFAULT_FEED_RETENTION_DAYS,
): Promise<void> {
  for (let start = 0; start < sets.length; start += ENTRIES_PER_TRANSACTION) {
    const chunk = sets.slice(start, start + ENTRIES_PER_TRANSACTION);
    await retry(
      FEED_APPEND_RETRY,
      async (attempt) => {
        const cached = lastSeen.get(ctx.tenant);
        const previous = attempt === 1 && cached !== undefined ? cached : await readCounter(ctx);
        const next = previous + chunk.length;
        const written = Date.now();
        const expires = Math.floor((written + retentionDays * DAY_MS) / 1000);
        try {
          await ctx.db.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: ctx.tableName,
                    Key: feedCounterKey(ctx.tenant),
                    UpdateExpression: 'SET #p = :next',
                    ConditionExpression:
                      previous === 0 ? 'attribute_not_exists(#p) OR #p = :prev' : '#p = :prev',
                    ExpressionAttributeNames: { '#p': 'position' },
                    ExpressionAttributeValues: { ':next': next, ':prev': previous },
                  },
                },
                ...chunk.map((set, i) => ({
                  Put: {
                    TableName: ctx.tableName,
                    Item: {
                      ...feedEntryKey(ctx.tenant, previous + 1 + i),
                      set,
                      tenant: ctx.tenant,
                      written,
                      [TTL_ATTRIBUTE]: expires,
                    },
                  },
                })),
              ],
            }),
          );
        } catch (error) {
          lastSeen.delete(ctx.tenant);
          throw error;
        }
        lastSeen.set(ctx.tenant, next);
      },
      { retryIf: lostCounter },
    );
  }
}

/** The last position written (0 for an empty feed): where a `start=now` cursor points. */
export const readFeedHead = (ctx: StoreContext): Promise<number> => readCounter(ctx);

export interface FeedRead {
  readonly entries: FeedEntry[];
  /** The Query stopped at its limit: more entries may follow. */
  readonly more: boolean;
}

/** Up to `limit` entries after `after` (from the oldest when undefined), one consistent Query. */
export async function readFeed(
  ctx: StoreContext,
  after: number | undefined,
  limit: number,
): Promise<FeedRead> {
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': feedPk(ctx.tenant),
        ':from': feedEntryKey(ctx.tenant, (after ?? 0) + 1).SK,
        ':to': feedEntryKey(ctx.tenant, Number.MAX_SAFE_INTEGER).SK,
      },
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  const entries: FeedEntry[] = (result.Items ?? []).map((item) => ({
    position: feedPositionOf(item.SK),
    set: item.set as JsonObject,
    written: typeof item.written === 'number' ? item.written : 0,
    expires: typeof item[TTL_ATTRIBUTE] === 'number' ? (item[TTL_ATTRIBUTE] as number) : 0,
  }));
  return { entries, more: result.LastEvaluatedKey !== undefined };
}

/** FEED_RETENTION_DAYS as configured (a whole number ≥ 1), the default when unset. */
export function feedRetentionDays(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_FEED_RETENTION_DAYS;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1)
    throw new Error('FEED_RETENTION_DAYS must be a whole number of days ≥ 1');
  return days;
}
