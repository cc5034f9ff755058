/**
 * Memberships as the table holds them, read straight from DynamoDB (strongly consistent), so a
 * test can check what the API answers against what was written: the group side (one item per
 * member in the group's partition) and the user side (one ref per group in the user's partition).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { groupKey, MEMBERSHIP_SK_PREFIX, USER_GROUP_REF_SK_PREFIX, userKey } from '../../lambdas/store/keys';

interface Table {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
}

async function itemsUnder(table: Table, pk: string, skPrefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The user ids of a group's membership items, sorted. */
export async function storedMemberIds(table: Table, groupId: string, tenant = 'acme'): Promise<string[]> {
  const items = await itemsUnder(table, groupKey(tenant, groupId).PK, MEMBERSHIP_SK_PREFIX);
  return items.map((item) => String(item.userId)).sort();
}

/** The group ids of a user's group refs, sorted. */
export async function storedGroupIds(table: Table, userId: string, tenant = 'acme'): Promise<string[]> {
  const items = await itemsUnder(table, userKey(tenant, userId).PK, USER_GROUP_REF_SK_PREFIX);
  return items.map((item) => String(item.groupId)).sort();
}
