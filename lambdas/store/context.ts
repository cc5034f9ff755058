/**
 * What every store call needs: the document client, the table, and the tenant whose items it
 * may touch (the tenant is the first component of every key, keys.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface StoreContext {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenant: string;
}
