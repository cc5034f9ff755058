/**
 * Page checkpoints make sequential `startIndex` paging O(n) in total.
 *
 * DynamoDB has no offsets: reaching item 9,901 of a listing means reading the 9,900 before it,
 * so an import by `startIndex`/`count` would cost O(n²) reads. Each page therefore records where
 * the NEXT page begins (the ExclusiveStartKey to resume from) under the query's hash and that
 * next offset; the following request resumes from the nearest checkpoint at or below its
 * startIndex and reads only its own page.
 *
 * Checkpoints expire (TTL) after a few minutes. Creates append to the end of the listing
 * (time-ordered ids), so they do not move earlier offsets; a delete during an import can shift
 * later offsets by one, which RFC 7644 §3.4.2.4 allows ("not session based") and the expiry
 * bounds. A checkpoint is never trusted for another query or tenant: both are in its key.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { checkpointPk } from './keys';
import { TTL_ATTRIBUTE } from './table-definition';

export const CHECKPOINT_TTL_SECONDS = 15 * 60;

/** A DynamoDB ExclusiveStartKey, as returned in LastEvaluatedKey. */
type StartKey = Record<string, unknown>;

export interface Checkpoint {
  /** 1-based offset of the first matching item that a read resuming at `startKey` returns. */
  readonly offset: number;
  /** Undefined at offset 1: the listing's beginning. */
  readonly startKey?: StartKey;
}

const OFFSET_DIGITS = 12;
const sortKeyOf = (offset: number): string => String(offset).padStart(OFFSET_DIGITS, '0');

/** The nearest checkpoint at or below `startIndex`, or the beginning of the listing. */
export async function nearestCheckpoint(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  queryHash: string,
  startIndex: number,
  now: Date = new Date(),
): Promise<Checkpoint> {
  if (startIndex <= 1) return { offset: 1 };
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK <= :sk',
      ExpressionAttributeValues: { ':pk': checkpointPk(tenant, queryHash), ':sk': sortKeyOf(startIndex) },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const item = result.Items?.[0];
  // Expired items linger until DynamoDB's TTL sweep deletes them; ignore them here.
  if (!item || typeof item[TTL_ATTRIBUTE] !== 'number' || item[TTL_ATTRIBUTE] * 1000 <= now.getTime()) {
    return { offset: 1 };
  }
  const offset = Number(item.SK);
  const startKey = item.startKey as StartKey | undefined;
  if (!Number.isSafeInteger(offset) || offset < 1 || !startKey) return { offset: 1 };
  return { offset, startKey };
}

export async function saveCheckpoint(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  queryHash: string,
  checkpoint: Required<Checkpoint>,
  now: Date = new Date(),
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        PK: checkpointPk(tenant, queryHash),
        SK: sortKeyOf(checkpoint.offset),
        startKey: checkpoint.startKey,
        [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + CHECKPOINT_TTL_SECONDS,
      },
    }),
  );
}

/**
 * The checkpoint cache the listing reads through (listing.ts CheckpointCache), for one tenant
 * and one query. A failed checkpoint write only costs the next page its shortcut, so it never
 * fails the page that is being answered.
 */
export function dynamoCheckpointCache(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  queryHash: string,
): {
  nearest(startIndex: number): Promise<Checkpoint>;
  save(checkpoint: Required<Checkpoint>): Promise<void>;
} {
  return {
    nearest: (startIndex) => nearestCheckpoint(db, tableName, tenant, queryHash, startIndex),
    save: (checkpoint) => saveCheckpoint(db, tableName, tenant, queryHash, checkpoint).catch(() => undefined),
  };
}
