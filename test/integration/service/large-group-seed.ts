/**
 * Set-up for the large-group tests: users and both sides of memberships written straight into
 * the table with the store's own item builders (as bench/sections/large-group.ts does), because
 * DynamoDB Local runs each membership transaction under a process-wide lock and a fill through
 * PATCH alone would take minutes. Also the counts the tests check the table with.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '../../../lambdas/store/batch';
import { createDocumentClient } from '../../../lambdas/store/client';
import { uuidv7 } from '../../../lambdas/store/ids';
import { groupKey, USER_GROUP_REF_SK_PREFIX, userKey, userListingPk } from '../../../lambdas/store/keys';
import { groupRefItem, membershipItem } from '../../../lambdas/store/memberships-store';
import type { ScimTestClient } from '../../support/scim-client';

/**
 * The production client gives up on a DynamoDB call after 3 s (lambdas/store/client.ts), right
 * for DynamoDB, but a DynamoDB Local busy with the other jest worker's file can take longer to
 * write a 25-item batch. These suites measure our request pattern, not that timeout, so they run
 * the same handlers over a client with a generous one.
 */
export function usePatientClient(client: ScimTestClient): void {
  const patient = createDocumentClient({ endpoint: client.table.endpoint, requestTimeoutMs: 120_000 });
  client.table.db.destroy(); // drop() destroys the replacement instead
  (client.runtime as { db: unknown }).db = patient;
  (client.table as { db: unknown }).db = patient;
}

/** The store's own batched, parallel BatchWriteItem (lambdas/store/batch.ts). */
async function putAll(client: ScimTestClient, items: readonly Record<string, unknown>[]): Promise<void> {
  await batchWrite(
    client.table,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
}

/** `count` users of tenant acme (the Users API is not under test here); returns their ids. */
export async function seedUsers(client: ScimTestClient, count: number): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => uuidv7());
  await putAll(
    client,
    ids.map((id) => ({
      ...userKey('acme', id),
      type: 'User',
      tenant: 'acme',
      id,
      version: 1,
      created: now,
      lastModified: now,
      resource: { userName: `large-${id}@example.com` },
      GSI1PK: userListingPk('acme'),
      GSI1SK: id,
    })),
  );
  return ids;
}

/**
 * Both sides of each membership, as the membership transaction writes them. `userSide` limits
 * the user-side refs to those users: a suite that never reads the others' groups nor deletes
 * the group skips thousands of writes (the group side alone serves every read of the group).
 */
export async function seedMemberships(
  client: ScimTestClient,
  groupId: string,
  userIds: readonly string[],
  userSide: readonly string[] = userIds,
): Promise<void> {
  await putAll(client, [
    ...userIds.map((id) => membershipItem('acme', groupId, id)),
    ...userSide.map((id) => groupRefItem('acme', id, groupId)),
  ]);
}

/** Group-side membership items of `groupId` (strongly consistent). */
export async function membershipItemCount(client: ScimTestClient, groupId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await client.table.db.send(
      new QueryCommand({
        TableName: client.table.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :m)',
        ExpressionAttributeValues: { ':pk': groupKey('acme', groupId).PK, ':m': 'M#' },
        Select: 'COUNT',
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    count += result.Count ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** User-side refs to `groupId`, wherever they are: one Scan of the whole table. */
export async function groupRefCount(client: ScimTestClient, groupId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await client.table.db.send(
      new ScanCommand({
        TableName: client.table.tableName,
        FilterExpression: 'SK = :sk',
        ExpressionAttributeValues: { ':sk': `${USER_GROUP_REF_SK_PREFIX}${groupId}` },
        Select: 'COUNT',
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    count += result.Count ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return count;
}
