/**
 * The local stream follower (what `npm start` runs) on a test's DynamoDB Local table, with its
 * own admin client, closed on stop. Tests give the sink they need: `localFeedWriter` writes the
 * change feed as `npm start` does.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoCredentials } from '../../lambdas/store/client';
import { type FollowOptions, followTableStream, type StreamFollower } from '../../local/stream-events';

export async function followTestStream(
  table: { readonly endpoint: string; readonly tableName: string },
  options: Omit<FollowOptions, 'admin' | 'endpoint' | 'tableName'>,
): Promise<StreamFollower> {
  const admin = new DynamoDBClient({
    endpoint: table.endpoint,
    region: 'us-east-1',
    credentials: localDynamoCredentials(),
  });
  const { endpoint, tableName } = table;
  const follower = await followTableStream({ pollMs: 50, ...options, admin, endpoint, tableName });
  return {
    drain: () => follower.drain(),
    skip: () => follower.skip(),
    async stop() {
      await follower.stop();
      admin.destroy();
    },
  };
}
