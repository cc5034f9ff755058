/**
 * `npx tsx bench/profile-get-cpu.ts [iterations]`: the CPU our own code spends on one
 * GET /Users/{id}, without DynamoDB Local's variance. On a shared two-CPU machine the
 * latency section's percentiles move by ±50 % between runs (the JVM competes for the CPUs),
 * which hides any change smaller than that; here the DynamoDB client's HTTP handler is
 * replaced by one that answers from memory (items copied from DynamoDB Local once), so every
 * layer above the socket runs exactly as in production and the times are repeatable:
 *
 *   sdk floor    one raw GetItem through a plain DynamoDBClient (the floor's client-side share)
 *   doc client   the same read through the service's document client (store's client factory)
 *   handler      the users Lambda handler for one GET, called in-process
 *   http         the same GET through the local HTTP server over a keep-alive socket
 *
 * Run with `node --cpu-prof --import tsx bench/profile-get-cpu.ts` to see where the rest goes.
 */
import '../local/log-defaults';
import type { Server } from 'node:http';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createAuthenticator } from '../lambdas/auth/authenticator';
import { generateToken } from '../lambdas/auth/token-format';
import { sha256Hex } from '../lambdas/auth/token-hash';
import { staticTokenSource } from '../lambdas/auth/token-source';
import { createActivityHandler } from '../lambdas/handlers/activity';
import { createDiscoveryHandler } from '../lambdas/handlers/discovery';
import { createFeedHandler } from '../lambdas/handlers/feed';
import { createGroupsHandler } from '../lambdas/handlers/groups';
import { createUsersHandler } from '../lambdas/handlers/users';
import type { Runtime } from '../lambdas/runtime';
import { createDocumentClient } from '../lambdas/store/client';
import { ensureTable } from '../lambdas/store/ensure-table';
import { userKey } from '../lambdas/store/keys';
import { localConsoleHandler } from '../local/console-files';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { buildProxyEvent, createLocalServer, listen } from '../local/http-server';
import { ScimHttpClient } from './lib/http-client';
import { percentile, round, userBody } from './lib/util';

type AttributeMap = Record<string, unknown>;

/** Answers GetItem, Query (by PK; index queries find nothing) and writes from memory. */
function memoryHandler(items: Map<string, AttributeMap[]>) {
  const respond = (payload: unknown) => ({
    response: {
      statusCode: 200,
      reason: 'OK',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'memory' },
      body: Buffer.from(JSON.stringify(payload)),
    },
  });
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    destroy() {},
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    async handle(request: { headers: Record<string, string>; body?: string | Uint8Array }) {
      const target = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const text =
        typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? '{}').toString();
      const input = JSON.parse(text) as Record<string, unknown>;
      const capacity =
        input.ReturnConsumedCapacity !== undefined
          ? { ConsumedCapacity: { TableName: input.TableName, CapacityUnits: 1 } }
          : {};
      if (target === 'GetItem') {
        const key = input.Key as { PK: { S: string }; SK: { S: string } };
        const item = items.get(key.PK.S)?.find((i) => (i.SK as { S: string }).S === key.SK.S);
        return respond({ ...(item ? { Item: item } : {}), ...capacity });
      }
      if (target === 'Query') {
        const values = Object.values(
          (input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>,
        );
        const found =
          input.IndexName === undefined
            ? (values.map((v) => (v.S ? items.get(v.S) : undefined)).find((x) => x) ?? [])
            : [];
        return respond({ Items: found, Count: found.length, ScannedCount: found.length, ...capacity });
      }
      return respond({ ...capacity });
    },
  };
}

interface Timing {
  /** Wall time per call, median. Moves with the machine's load. */
  readonly p50: number;
  /** This process's CPU time (user + system) per call: steadier than wall time on a busy machine. */
  readonly cpu: number;
}

async function timeLoop(n: number, fn: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(500, n); i += 1) await fn(i);
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < n; i += 1) {
    const t = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { p50: round(percentile(times, 50), 1), cpu: round((cpu.user + cpu.system) / n, 1) };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2]) || 5000;
  const tenant = 'cpu';
  const tableName = 'scim-cpu';
  const token = generateToken();
  const dynamo = await startDynamoDbLocal();
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(admin, tableName);
  const realDb = createDocumentClient({ endpoint: dynamo.endpoint });
  const runtimeOf = (db: Runtime['db']): Runtime => ({
    authenticate: createAuthenticator(
      staticTokenSource({
        tokens: [
          { id: 'cpu', tenant, label: 'cpu', sha256: sha256Hex(token), createdAt: new Date().toISOString() },
        ],
      }),
    ),
    db,
    tableName,
    activityRetentionDays: 0,
  });
  // Seed through the real handlers, then copy every item into memory and leave DynamoDB Local.
  const seedRuntime = runtimeOf(realDb);
  const seed = createUsersHandler(() => seedRuntime);
  const ids: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    const body = JSON.stringify(userBody(`cpu.user${i}@example.com`));
    const result = await seed(
      buildProxyEvent({
        method: 'POST',
        url: new URL('http://127.0.0.1/scim/v2/Users'),
        rawHeaders: [
          'Host',
          '127.0.0.1',
          'Authorization',
          `Bearer ${token}`,
          'Content-Type',
          'application/scim+json',
        ],
        body,
        resource: '/scim/v2/Users',
        pathParameters: {},
      }),
    );
    ids.push(String((JSON.parse(result.body) as { id: string }).id));
  }
  const items = new Map<string, AttributeMap[]>();
  let startKey: Record<string, never> | undefined;
  do {
    const page = await admin.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const pk = (item.PK as { S: string }).S;
      items.set(pk, [...(items.get(pk) ?? []), item as AttributeMap]);
    }
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey);
  realDb.destroy();
  admin.destroy();
  await dynamo.stop();

  const fake = memoryHandler(items);
  const raw = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://memory',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: fake,
  });
  const db = createDocumentClient({ endpoint: 'http://memory' });
  // biome-ignore lint/suspicious/noExplicitAny: swapping the resolved handler of a built client (profiling only).
  (db.config as any).requestHandler = fake;
  const runtime = runtimeOf(db);
  const users = createUsersHandler(() => runtime);
  const pick = (i: number) => ids[i % ids.length] as string;

  const rows: [string, Timing][] = [];
  rows.push([
    'sdk floor: raw GetItem',
    await timeLoop(n, (i) => {
      const key = userKey(tenant, pick(i));
      return raw.send(
        new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
      );
    }),
  ]);
  rows.push([
    'doc client: GetCommand',
    await timeLoop(n, (i) =>
      db.send(new GetCommand({ TableName: tableName, Key: userKey(tenant, pick(i)), ConsistentRead: true })),
    ),
  ]);
  const events = ids.map((id) =>
    buildProxyEvent({
      method: 'GET',
      url: new URL(`http://127.0.0.1/scim/v2/Users/${id}`),
      rawHeaders: [
        'Host',
        '127.0.0.1',
        'Authorization',
        `Bearer ${token}`,
        'Accept',
        'application/scim+json',
      ],
      body: '',
      resource: '/scim/v2/Users/{id}',
      pathParameters: { id },
    }),
  );
  rows.push([
    'handler: GET /Users/{id} in-process',
    await timeLoop(n, async (i) => {
      const result = await users(events[i % events.length] as (typeof events)[number]);
      if (result.statusCode !== 200) throw new Error(`HTTP ${result.statusCode}`);
    }),
  ]);
  const server: Server = createLocalServer({
    users,
    groups: createGroupsHandler(() => runtime),
    discovery: createDiscoveryHandler(() => runtime),
    console: localConsoleHandler,
    feed: createFeedHandler(() => runtime),
    activity: createActivityHandler(() => runtime),
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, 0);
  const client = new ScimHttpClient(`http://127.0.0.1:${port}/scim/v2`, token);
  rows.push([
    'http: GET /Users/{id} via local server',
    await timeLoop(n, async (i) => {
      const result = await client.request('GET', `/Users/${pick(i)}`);
      if (result.status !== 200) throw new Error(`HTTP ${result.status}`);
    }),
  ]);
  process.stdout.write(`µs per call over ${n} calls (DynamoDB answered from memory)\n`);
  for (const [name, t] of rows) process.stdout.write(`${name.padEnd(42)} wall p50 ${t.p50}  cpu ${t.cpu}\n`);
  client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
