/**
 * `SCIM_COST_HEADER=1 npx tsx bench/profile-latency.ts [requests]`: where the time of
 * GET /Users/{id} goes at concurrency 1 — client, server, handler, DynamoDB SDK and wire —
 * next to the raw GetItem floor and the raw Query the GET makes. Floor and GET requests
 * alternate, then run again in two blocks; DynamoDB Local is warmed first (PROFILE_WARMUP).
 * `node --cpu-prof --import tsx bench/profile-latency.ts` shows which functions the rest is
 * spent in.
 *
 * Why this method, and why its own copy of the bench environment: docs/DECISIONS.md.
 */
import '../local/log-defaults';
import type { Server } from 'node:http';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand as DocQueryCommand } from '@aws-sdk/lib-dynamodb';
import { createAuthenticator } from '../lambdas/auth/authenticator';
import { generateToken } from '../lambdas/auth/token-format';
import { sha256Hex } from '../lambdas/auth/token-hash';
import { staticTokenSource } from '../lambdas/auth/token-source';
import { createActivityHandler } from '../lambdas/handlers/activity';
import { createDiscoveryHandler } from '../lambdas/handlers/discovery';
import { createFeedHandler } from '../lambdas/handlers/feed';
import { createGroupsHandler } from '../lambdas/handlers/groups';
import { createUsersHandler } from '../lambdas/handlers/users';
import type { LambdaHandler } from '../lambdas/http/handler';
import type { Runtime } from '../lambdas/runtime';
import { createDocumentClient } from '../lambdas/store/client';
import { ensureTable } from '../lambdas/store/ensure-table';
import { userKey } from '../lambdas/store/keys';
import { localConsoleHandler } from '../local/console-files';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { createLocalServer, listen } from '../local/http-server';
import { ScimHttpClient } from './lib/http-client';
import { percentile, round, userBody } from './lib/util';

const TENANT = 'profile';
const POOL = 50;

interface Sample {
  client: number;
  server: number;
  handler: number;
  sdk: number;
  wire: number;
  calls: number;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2]) || 400;
  const dynamo = await startDynamoDbLocal();
  const tableName = 'scim-profile';
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(admin, tableName);
  const token = generateToken();
  const db = createDocumentClient({ endpoint: dynamo.endpoint });

  // Per-request accumulators; the driver runs one request at a time, so globals are enough.
  let sdk = 0;
  let wire = 0;
  let calls = 0;
  // The SDK's time runs from `send` (which first resolves the command's middleware stack) to
  // the settled promise; the handlers get `db` (or a metering view that calls this `send`).
  const send = db.send.bind(db) as (command: unknown) => Promise<unknown>;
  Object.defineProperty(db, 'send', {
    value: async (command: unknown) => {
      const t = process.hrtime.bigint();
      try {
        return await send(command);
      } finally {
        sdk += Number(process.hrtime.bigint() - t) / 1e6;
        calls += 1;
      }
    },
  });
  const stack = db.middlewareStack;
  stack.add(
    (next) => async (args) => {
      const t = process.hrtime.bigint();
      try {
        return await next(args);
      } finally {
        wire += Number(process.hrtime.bigint() - t) / 1e6;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'profileWire' },
  );

  const runtime: Runtime = {
    authenticate: createAuthenticator(
      staticTokenSource({
        tokens: [
          {
            id: 'profile',
            tenant: TENANT,
            label: 'profile',
            sha256: sha256Hex(token),
            createdAt: new Date().toISOString(),
          },
        ],
      }),
    ),
    db,
    tableName,
    activityRetentionDays: 0,
  };
  let handlerMs = 0;
  const timed =
    (handler: LambdaHandler): LambdaHandler =>
    async (event) => {
      const t = process.hrtime.bigint();
      try {
        return await handler(event);
      } finally {
        handlerMs = Number(process.hrtime.bigint() - t) / 1e6;
      }
    };
  const server: Server = createLocalServer({
    users: timed(createUsersHandler(() => runtime)),
    groups: timed(createGroupsHandler(() => runtime)),
    discovery: timed(createDiscoveryHandler(() => runtime)),
    console: localConsoleHandler,
    feed: timed(createFeedHandler(() => runtime)),
    activity: timed(createActivityHandler(() => runtime)),
  });
  let serverMs = 0;
  server.on('request', (_req, res) => {
    const t = process.hrtime.bigint();
    res.once('finish', () => {
      serverMs = Number(process.hrtime.bigint() - t) / 1e6;
    });
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, 0);
  const client = new ScimHttpClient(`http://127.0.0.1:${port}/scim/v2`, token);

  const ids: string[] = [];
  for (let i = 0; i < POOL; i += 1) {
    const r = await client.request('POST', '/Users', userBody(`profile.user${i}@example.com`));
    if (r.status !== 201) throw new Error(`seed: HTTP ${r.status}`);
    ids.push(String(r.body.id));
  }
  const raw = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // The floor's own split: the same wire probe on the raw client.
  let floorWire = 0;
  raw.middlewareStack.add(
    (next) => async (args) => {
      const t = process.hrtime.bigint();
      try {
        return await next(args);
      } finally {
        floorWire = Number(process.hrtime.bigint() - t) / 1e6;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'profileWire' },
  );
  const floorWires: number[] = [];
  const pick = (i: number): string => ids[(i * 7919) % ids.length] as string;

  // DynamoDB Local is a JVM: its first few thousand requests run interpreted or half-compiled
  // and take several times longer than later ones. PROFILE_WARMUP pairs (default 2,000) first.
  const warmup = Number(process.env.PROFILE_WARMUP ?? 2000);
  for (let i = 0; i < warmup; i += 1) {
    const key = userKey(TENANT, pick(i));
    await raw.send(
      new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
    );
    await client.request('GET', `/Users/${pick(i + 1)}`);
  }

  // Floor and GET alternate, so load from other processes on a shared machine hits both alike.
  const floor: number[] = [];
  const rawQuery: number[] = [];
  const rawQueryMetered: number[] = [];
  const docQuery: number[] = [];
  const samples: Sample[] = [];
  for (let i = 0; i < total + 30; i += 1) {
    const key = userKey(TENANT, pick(i));
    const t = process.hrtime.bigint();
    await raw.send(
      new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
    );
    if (i >= 30) floor.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (i >= 30) floorWires.push(floorWire);
    // The read GET /Users/{id} makes (user item + group refs: one consistent Query of the
    // user's partition), raw: what DynamoDB Local itself charges for it over the GetItem floor.
    const q = process.hrtime.bigint();
    await raw.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: key.PK } },
        ConsistentRead: true,
      }),
    );
    if (i >= 30) rawQuery.push(Number(process.hrtime.bigint() - q) / 1e6);
    // The same Query asking for ConsumedCapacity, as the cost meter makes it in Lambda and
    // whenever SCIM_COST_HEADER=1 (the bench): what the meter costs on the wire.
    const m = process.hrtime.bigint();
    await raw.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: key.PK } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    if (i >= 30) rawQueryMetered.push(Number(process.hrtime.bigint() - m) / 1e6);
    // The store's read through the service's document client, outside any request.
    const d = process.hrtime.bigint();
    await send(
      new DocQueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'PK' },
        ExpressionAttributeValues: { ':pk': key.PK },
        ConsistentRead: true,
      }),
    );
    if (i >= 30) docQuery.push(Number(process.hrtime.bigint() - d) / 1e6);
    sdk = 0;
    wire = 0;
    calls = 0;
    const r = await client.request('GET', `/Users/${pick(i + 1)}`);
    if (r.status !== 200) throw new Error(`get: HTTP ${r.status}`);
    if (i >= 30) samples.push({ client: r.ms, server: serverMs, handler: handlerMs, sdk, wire, calls });
  }

  const p50 = (values: number[]) => round(percentile(values, 50), 3);
  const col = (f: (s: Sample) => number) => p50(samples.map(f));
  const rows: [string, number][] = [
    ['floor: raw GetItem (client wall time)', p50(floor)],
    ['  its wire (send → deserialised)', p50(floorWires)],
    ['  its SDK outside the wire', p50(floor.map((f, k) => f - (floorWires[k] ?? 0)))],
    ['raw consistent Query of the user partition', p50(rawQuery)],
    ['  the same with ReturnConsumedCapacity', p50(rawQueryMetered)],
    ['  the same through the document client', p50(docQuery)],
    ['GET /Users/{id}: client wall time', col((s) => s.client)],
    ['  server: request event → response finished', col((s) => s.server)],
    ['  handler (Lambda handler function)', col((s) => s.handler)],
    ['  DynamoDB SDK: send() → settled', col((s) => s.sdk)],
    ['  DynamoDB wire (send → deserialised)', col((s) => s.wire)],
    ['  client ↔ server outside the server', col((s) => s.client - s.server)],
    ['  server outside the handler', col((s) => s.server - s.handler)],
    ['  handler outside the SDK', col((s) => s.handler - s.sdk)],
    ['  SDK outside the wire', col((s) => s.sdk - s.wire)],
    ['  our time (client − SDK)', col((s) => s.client - s.sdk)],
  ];
  process.stdout.write(
    `p50 over ${samples.length} requests, DynamoDB calls per GET: ${col((s) => s.calls)}\n`,
  );
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(48)} ${value.toFixed(3)} ms\n`);
  process.stdout.write(`ratio to floor: ${round(col((s) => s.client) / p50(floor), 2)}×\n`);

  // The latency section's shape: a block of floor requests, then a block of GETs. Between
  // blocks the machine's load moves, and DynamoDB Local sees different gaps between requests.
  const floorBlock: number[] = [];
  for (let i = 0; i < total; i += 1) {
    const key = userKey(TENANT, pick(i));
    const t = process.hrtime.bigint();
    await raw.send(
      new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
    );
    floorBlock.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const getBlock: number[] = [];
  for (let i = 0; i < total; i += 1) getBlock.push((await client.request('GET', `/Users/${pick(i)}`)).ms);
  process.stdout.write(
    `blocks, as the latency section runs them: floor ${p50(floorBlock).toFixed(3)} ms, GET ${p50(getBlock).toFixed(3)} ms, ratio ${round(p50(getBlock) / p50(floorBlock), 2)}×\n`,
  );

  client.close();
  raw.destroy();
  admin.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.destroy();
  await dynamo.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
