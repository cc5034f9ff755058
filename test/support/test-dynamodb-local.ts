/**
 * DynamoDB Local for tests: the same JVM as `npm start` uses, with C1 only and the serial
 * collector. A test run is short and the machine small, so C2 compilation and parallel GC
 * threads cost more CPU than they win; in a probe on 2 loaded cores, writing 5,000 items took
 * 3.5 s instead of 7.5 s.
 */
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';

const TEST_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Starts `count` instances together (the JVM reads JAVA_TOOL_OPTIONS when it is spawned). */
export async function startTestDynamoDbLocals(count: number): Promise<DynamoDbLocal[]> {
  const inherited = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [inherited, TEST_JVM_OPTIONS].filter(Boolean).join(' ');
  try {
    return await Promise.all(Array.from({ length: count }, () => startDynamoDbLocal()));
  } finally {
    if (inherited === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = inherited;
  }
}
