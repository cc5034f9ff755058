import type { DynamoDbLocal } from '../../local/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const instances = (globalThis as { __dynamoDbLocals?: DynamoDbLocal[] }).__dynamoDbLocals ?? [];
  await Promise.all(instances.map((d) => d.stop()));
}
