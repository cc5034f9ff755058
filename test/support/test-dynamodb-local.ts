/**
 * DynamoDB Local for tests: the same JVM as `npm start` uses, with C1 only and the serial
 * collector (a short run on a small machine gains nothing from C2 or parallel GC threads), and
 * without -sharedDb: each test file's access key (jest-env.ts) is a database of its own, so no
 * file pays for what earlier files stored. Why, with the probes: docs/ARCHITECTURE.md (Tests).
 */
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';

const TEST_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Starts `count` instances together (the JVM reads JAVA_TOOL_OPTIONS when it is spawned). */
export async function startTestDynamoDbLocals(count: number): Promise<DynamoDbLocal[]> {
  const inherited = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [inherited, TEST_JVM_OPTIONS].filter(Boolean).join(' ');
  try {
    return await Promise.all(Array.from({ length: count }, () => startDynamoDbLocal({ sharedDb: false })));
  } finally {
    if (inherited === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = inherited;
  }
}
