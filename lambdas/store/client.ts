/**
 * The DynamoDB document client. DYNAMODB_ENDPOINT points it at DynamoDB Local; in Lambda the
 * default endpoint and the function's role are used. Empty values are kept (SCIM allows empty
 * strings) and undefined values dropped (SCIM treats absent and null alike).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attachCostMeter } from '../observability/dynamo-cost';

export interface DynamoConfig {
  readonly endpoint?: string;
  readonly region?: string;
}

export function createDocumentClient(config: DynamoConfig = {}): DynamoDBDocumentClient {
  const local = config.endpoint !== undefined;
  const client = new DynamoDBClient({
    region: config.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(local
      ? {
          endpoint: config.endpoint,
          // DynamoDB Local accepts any credentials; fixed ones keep a developer's real keys out of it.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: 4,
  });
  // Counts requests and capacity per SCIM request (inactive outside a cost scope).
  attachCostMeter(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
