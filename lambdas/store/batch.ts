/**
 * BatchGetItem and BatchWriteItem over any number of keys or requests: split into DynamoDB's
 * per-request limits, a few batches in flight at once, and the keys or items DynamoDB leaves
 * unprocessed (a busy partition) sent again under UNPROCESSED_BATCH_RETRY; a batch still
 * unfinished after that is 'unavailable'.
 */
import { BatchGetCommand, BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { retry } from '../retry';
import type { StoreContext } from './context';
import { unavailable } from './errors';
import type { StoredItem } from './listing';
import { UNPROCESSED_BATCH_RETRY } from './retry-policies';

/** DynamoDB's per-request limits (API reference of BatchGetItem, BatchWriteItem). */
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/** Retry-After of a batch left unfinished: its partition was busy for seconds already. */
const UNFINISHED_BATCH_RETRY_AFTER_SECONDS = 5;

/** Parallel batch requests in flight; enough to hide latency, few enough not to self-throttle. */
const BATCH_CONCURRENCY = 8;

type Key = Record<string, unknown>;
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** A ProjectionExpression with its names (every name aliased: `resource`, `type` are reserved words). */
export interface Projection {
  readonly expression: string;
  readonly names: Record<string, string>;
}

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

/**
 * Sends `batch`, then what `send` reports unprocessed, until nothing is left. Only the
 * unprocessed remainder is retried here: a failed request was already retried by the SDK.
 */
async function untilProcessed<T>(batch: T[], send: (pending: T[]) => Promise<T[]>): Promise<void> {
  // Made only when DynamoDB leaves something unprocessed, not for every batch.
  let unfinished: Error | undefined;
  let pending = batch;
  await retry(
    UNPROCESSED_BATCH_RETRY,
    async () => {
      pending = await send(pending);
      if (pending.length > 0) {
        unfinished ??= unavailable(
          'DynamoDB left part of a batch unprocessed after repeated retries; retry the request',
          undefined,
          UNFINISHED_BATCH_RETRY_AFTER_SECONDS,
        );
        throw unfinished;
      }
    },
    { retryIf: (error) => error === unfinished },
  );
}

/** BatchWriteItem in ≤25-request batches, retrying UnprocessedItems until none are left. */
export async function batchWrite(
  ctx: Omit<StoreContext, 'tenant'>,
  requests: readonly WriteRequest[],
): Promise<void> {
  await inParallel(chunks(requests, BATCH_WRITE_LIMIT), BATCH_CONCURRENCY, (batch) =>
    untilProcessed(batch, async (pending) => {
      const result = await ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } }));
      return result.UnprocessedItems?.[ctx.tableName] ?? [];
    }),
  );
}

/** BatchGetItem in ≤100-key batches (retrying UnprocessedKeys); returns every item found. */
export async function batchGet(
  ctx: Omit<StoreContext, 'tenant'>,
  keys: readonly Key[],
  projection?: Projection,
  consistent = false,
): Promise<StoredItem[]> {
  const found: StoredItem[] = [];
  await inParallel(chunks(keys, BATCH_GET_LIMIT), BATCH_CONCURRENCY, (batch) =>
    untilProcessed(batch, async (pending) => {
      const result = await ctx.db.send(
        new BatchGetCommand({
          RequestItems: {
            [ctx.tableName]: {
              Keys: pending,
              ...(consistent ? { ConsistentRead: true } : {}),
              ...(projection
                ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
                : {}),
            },
          },
        }),
      );
      found.push(...(result.Responses?.[ctx.tableName] ?? []));
      return (result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? []) as Key[];
    }),
  );
  return found;
}
