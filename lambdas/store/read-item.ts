/**
 * One strongly consistent (by default) GetItem with the store's error translation: the shape
 * every "by id" and "guard, then resource" read of Users and Groups shares.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { guardRead } from './errors';

export async function readItem(
  source: { readonly db: DynamoDBDocumentClient; readonly tableName: string },
  key: { readonly PK: string; readonly SK: string },
  consistent = true,
): Promise<Record<string, unknown> | undefined> {
  const result = await guardRead(() =>
    source.db.send(new GetCommand({ TableName: source.tableName, Key: key, ConsistentRead: consistent })),
  );
  return result.Item;
}
