/**
 * Starts one in-memory DynamoDB Local for the whole jest run and hands its endpoint to the test
 * workers through the environment (workers are forked after this runs).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { startDynamoDbLocal } from '../../local/dynamodb-local';

export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamoDbLocal?: typeof dynamo }).__dynamoDbLocal = dynamo;
}
