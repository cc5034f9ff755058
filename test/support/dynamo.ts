/**
 * A fresh table on the run's DynamoDB Local for one test file. Refuses any endpoint that is not
 * on this machine, so a stray AWS environment can never point tests at a real account.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, localDynamoCredentials } from '../../lambdas/store/client';
import { ensureTable } from '../../lambdas/store/ensure-table';

export interface TestTable {
  readonly endpoint: string;
  readonly tableName: string;
  readonly db: DynamoDBDocumentClient;
  drop(): Promise<void>;
}

function testEndpoint(): string {
  const endpoint = workerEndpoint() ?? process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run tests through jest (global setup)');
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(endpoint)) {
    throw new Error(`Refusing to run tests against non-local DynamoDB endpoint ${endpoint}`);
  }
  return endpoint;
}

/** This worker's own DynamoDB Local (global-setup.ts starts one per worker and says why). */
function workerEndpoint(): string | undefined {
  const endpoints = (process.env.TEST_DYNAMODB_ENDPOINTS ?? '').split(',').filter(Boolean);
  if (endpoints.length === 0) return undefined;
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? '1'));
  return endpoints[(worker - 1) % endpoints.length];
}

export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = testEndpoint();
  const tableName = `${prefix}-${randomUUID()}`;
  const admin = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: localDynamoCredentials(),
  });
  await ensureTable(admin, tableName);
  const db = createDocumentClient({ endpoint });
  return {
    endpoint,
    tableName,
    db,
    async drop() {
      await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      admin.destroy();
      db.destroy();
    },
  };
}
