/**
 * The DynamoDB document client. DYNAMODB_ENDPOINT points it at DynamoDB Local; in Lambda the
 * default endpoint and the function's role are used. Empty values are kept (SCIM allows empty
 * strings) and undefined values dropped (SCIM treats absent and null alike). Its failures reach
 * callers as DomainErrors (errors.ts), except failed conditions, which the writes decode.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attachCostMeter } from '../observability/dynamo-cost';
import { attachErrorTranslation } from './errors';

export interface DynamoConfig {
  readonly endpoint?: string;
  readonly region?: string;
  /** Overrides of the time budget below (tests use short ones to stay fast). */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
}

/**
 * Time budget of one DynamoDB call. API Gateway gives a request 29 s; without timeouts a hung
 * socket would hold the Lambda until then and the client would see a gateway 504 instead of
 * our 'unavailable' with Retry-After. Worst case: 4 attempts × (1 s connect + 3 s response) + the SDK's
 * capped backoff stays well inside it, and DynamoDB answers in milliseconds when healthy.
 */
export const DYNAMO_CONNECTION_TIMEOUT_MS = 1_000;
export const DYNAMO_REQUEST_TIMEOUT_MS = 3_000;
export const DYNAMO_MAX_ATTEMPTS = 4;
/**
 * DynamoDB Local (a JVM sharing the developer's or CI's CPUs) can take seconds under parallel
 * test suites; 3 s there timed out healthy calls and retried writes (a store test flaked). No
 * gateway budget applies locally, so a local endpoint gets patient timeouts, the connection one
 * too: it also runs while a call waits for one of the agent's 50 sockets, which the local server
 * (one process for every request) exceeded under 200 parallel requests and answered 503.
 */
const DYNAMO_LOCAL_TIMEOUT_MS = 20_000;

/**
 * Credentials for DynamoDB Local, which accepts any: fixed ones keep a developer's real keys out
 * of it. Run without -sharedDb, DynamoDB Local keeps one database per access key, so
 * DYNAMODB_LOCAL_ACCESS_KEY_ID gives each test file a database of its own (docs/ARCHITECTURE.md, Tests).
 */
export function localDynamoCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: process.env.DYNAMODB_LOCAL_ACCESS_KEY_ID || 'local', secretAccessKey: 'local' };
}

export function createDocumentClient(config: DynamoConfig = {}): DynamoDBDocumentClient {
  const local = config.endpoint !== undefined;
  const client = new DynamoDBClient({
    region: config.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(local
      ? {
          endpoint: config.endpoint,
          credentials: localDynamoCredentials(),
        }
      : {}),
    maxAttempts: config.maxAttempts ?? DYNAMO_MAX_ATTEMPTS,
    // Plain options: the SDK builds its default Node handler with them (no extra dependency).
    // That handler's agents keep connections alive (keepAlive: true, 50 sockets), so calls
    // after the first reuse a connection: no TCP (or TLS) handshake per request. A test in
    // test/integration/store/client.test.ts holds it to that.
    requestHandler: {
      connectionTimeout:
        config.connectionTimeoutMs ?? (local ? DYNAMO_LOCAL_TIMEOUT_MS : DYNAMO_CONNECTION_TIMEOUT_MS),
      requestTimeout:
        config.requestTimeoutMs ?? (local ? DYNAMO_LOCAL_TIMEOUT_MS : DYNAMO_REQUEST_TIMEOUT_MS),
      // Without it the handler only logs a warning and keeps waiting (found by the hung-socket
      // test in test/hardening/faults.test.ts): the timeout must end the attempt.
      throwOnRequestTimeout: true,
    },
  });
  // Every failure becomes a DomainError here, once, for every store module (errors.ts). Attached
  // first: among initialize-step middleware the first added is the outermost, so the cost
  // meter below still sees DynamoDB's own error (and its attempts).
  attachErrorTranslation(client);
  // Counts requests and capacity per SCIM request (inactive outside a cost scope).
  attachCostMeter(client);
  // The SDK's logger middleware builds a redacted copy of every input and output for a logger
  // we never configure (its default discards them): about a tenth of the SDK's own CPU per call
  // (measured with bench/profile-get-cpu.ts), for nothing. Errors still reach the store as thrown.
  client.middlewareStack.remove('loggerMiddleware');
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
