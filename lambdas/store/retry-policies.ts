/**
 * The store's retry policies, one per kind of retry, for the one loop in lambdas/retry.ts.
 * Attempts count every request, the first included; none of these adds a request per
 * operation beyond what it had before the loop was shared.
 */
import type { RetryPolicy } from '../retry';

/**
 * A create transaction that lost a race with a parallel create of the same name
 * (TransactionConflict): once the winner has committed, the retry meets its guard and reports
 * uniqueness. Pauses of up to 40, 80, 160 ms.
 */
export const CREATE_RACE_RETRY: RetryPolicy = { attempts: 4, baseMs: 20, capMs: 160 };

/**
 * A BatchGetItem or BatchWriteItem that DynamoDB answered with part of its keys or items
 * unprocessed (the partition is busy): the remainder is sent again, up to 10 requests per
 * batch, with pauses of up to 50 ms … 1 s.
 */
export const UNPROCESSED_BATCH_RETRY: RetryPolicy = { attempts: 10, baseMs: 25, capMs: 1000 };

/**
 * A feed append that lost the tenant's position counter to a parallel writer (another shard's
 * batch): the counter is read again and the batch placed after the winner's. Pauses of up to
 * 20 ms … 1 s over 12 attempts, enough for a dozen shards writing one tenant at once.
 */
export const FEED_APPEND_RETRY: RetryPolicy = { attempts: 12, baseMs: 10, capMs: 1000 };

/**
 * A clean-up transaction of a deleted user's memberships that met a concurrent transaction on
 * one of the groups (TransactionConflict): sent again, with pauses of up to 40 ms … 1 s.
 */
export const CLEANUP_CONFLICT_RETRY: RetryPolicy = { attempts: 8, baseMs: 20, capMs: 1000 };
