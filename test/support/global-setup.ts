/**
 * Starts in-memory DynamoDB Local for the jest run, ONE PER WORKER, and hands the endpoints to
 * the workers through the environment (workers are forked after this runs); each worker uses
 * its own (test/support/dynamo.ts picks it by JEST_WORKER_ID).
 *
 * Why not one shared instance: DynamoDB Local runs each TransactWriteItems under a lock that
 * stalls every other request of the process, whatever the table. Group membership changes are
 * transactions, so one test file's concurrent PATCHes froze the other worker's file for tens of
 * seconds and pushed unrelated tests past their timeouts. Real DynamoDB has no such lock; one
 * instance per worker keeps a file's transactions from timing another file.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import type { GlobalConfig } from 'jest';
import { startTestDynamoDbLocals } from './test-dynamodb-local';

export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  const workers = Math.max(1, globalConfig.maxWorkers ?? 1);
  const instances = await startTestDynamoDbLocals(workers);
  process.env.TEST_DYNAMODB_ENDPOINTS = instances.map((d) => d.endpoint).join(',');
  process.env.TEST_DYNAMODB_ENDPOINT = instances[0]?.endpoint;
  (globalThis as { __dynamoDbLocals?: typeof instances }).__dynamoDbLocals = instances;
}
