/**
 * Resource counts per tenant, so an unfiltered list can answer `totalResults` without counting
 * the listing partition (a COUNT query reads every item: O(n) capacity on every page).
 *
 * The count is split over a few shard items and each change adds to one shard picked at
 * random: a bulk import writes at most a few hundred items per second, and spreading them keeps
 * any one counter item far below DynamoDB's per-item write rate. Reading sums the shards with
 * one Query of a single small partition.
 *
 * Changes are written after the resource's own transaction, not inside it: inside, every create
 * of a tenant would contend on the same few items and fail with TransactionConflict under
 * parallel provisioning. The price is that a process dying between the two writes leaves the
 * count off by one until `recountResources` repairs it; reads clamp at zero.
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../observability/logger';
import { counterPk } from './keys';

export type CountedResource = 'USERS' | 'GROUPS';

export const COUNTER_SHARDS = 8;

export async function adjustResourceCount(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  resource: CountedResource,
  delta: number,
  shard: number = Math.floor(Math.random() * COUNTER_SHARDS),
): Promise<void> {
  if (delta === 0) return;
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { PK: counterPk(tenant, resource), SK: String(shard % COUNTER_SHARDS) },
      UpdateExpression: 'ADD #count :delta',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':delta': delta },
    }),
  );
}

export async function readResourceCount(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  resource: CountedResource,
): Promise<number> {
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': counterPk(tenant, resource) },
      ProjectionExpression: '#count',
      ExpressionAttributeNames: { '#count': 'count' },
    }),
  );
  let total = 0;
  for (const item of result.Items ?? []) {
    const value = item.count;
    if (typeof value === 'number') total += value;
  }
  return Math.max(0, total);
}

/**
 * Sets the count to an exact value (an operator's repair after a crash, or a test): the first
 * shard takes the whole value and the others are zeroed.
 */
export async function setResourceCount(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  resource: CountedResource,
  value: number,
): Promise<void> {
  for (let shard = 0; shard < COUNTER_SHARDS; shard++) {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: counterPk(tenant, resource), SK: String(shard) },
        UpdateExpression: 'SET #count = :value',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':value': shard === 0 ? value : 0 },
      }),
    );
  }
}

/**
 * The count change that follows a committed create or delete. A failure must not turn that
 * committed write into an error the client would retry, so it is logged for the operator
 * (who can repair the count with setResourceCount) instead of thrown.
 */
export async function adjustResourceCountAfterWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  resource: CountedResource,
  delta: number,
): Promise<void> {
  try {
    await adjustResourceCount(db, tableName, tenant, resource, delta);
  } catch (error) {
    logger.warn('Resource count not updated; totalResults is off until repaired', {
      tenant,
      resource,
      delta,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
