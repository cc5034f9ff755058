/**
 * The benchmark's own world: an in-memory DynamoDB Local, a fresh table, and the local HTTP
 * server in this process running the same handler factories Lambda runs. Tokens come from an
 * in-memory token document, as a warm Lambda holds its cached secret, so the measurements do
 * not include the local-only token-file check. Each section gets its own tenant, so one
 * section's users never show up in another's listing.
 */
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAuthenticator } from '../../lambdas/auth/authenticator';
import { generateToken } from '../../lambdas/auth/token-format';
import { sha256Hex } from '../../lambdas/auth/token-hash';
import { staticTokenSource } from '../../lambdas/auth/token-source';
import { sinks } from '../../lambdas/events/feed-events';
import { createActivityHandler } from '../../lambdas/handlers/activity';
import { createDiscoveryHandler } from '../../lambdas/handlers/discovery';
import { createFeedHandler } from '../../lambdas/handlers/feed';
import { createGroupsHandler } from '../../lambdas/handlers/groups';
import { createUsersHandler } from '../../lambdas/handlers/users';
import { measureCost, parseCost } from '../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../lambdas/observability/dynamo-cost-report';
import { matchRoute } from '../../lambdas/routes';
import { createRuntime, type Runtime, type RuntimeSettings } from '../../lambdas/runtime';
import { createDocumentClient } from '../../lambdas/store/client';
import { ensureTable } from '../../lambdas/store/ensure-table';
import { localConsoleHandler } from '../../local/console-files';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';
import { consumerTableWrites } from '../../local/feed-writer';
import { buildProxyEvent, createLocalServer, type HandlerTable, listen } from '../../local/http-server';
import { followTableStream } from '../../local/stream-events';
import { type BenchResponse, ScimHttpClient } from './http-client';
import type { ConsumerCost } from './results';

/** Tenants by purpose. `bulk` holds the imported users, reused as group members. */
const TENANTS = ['cost', 'bulk', 'latency', 'group'] as const;
export type BenchTenant = (typeof TENANTS)[number];

export interface ScimClient {
  request(method: string, path: string, body?: unknown): Promise<BenchResponse>;
}

export interface BenchEnv {
  readonly endpoint: string;
  readonly tableName: string;
  readonly baseUrl: string;
  readonly dynamo: DynamoDbLocal;
  client(tenant: BenchTenant): ScimHttpClient;
  /** A client of the same service where each activity record is a PutItem of its own. */
  separateActivityClient(tenant: BenchTenant): ScimHttpClient;
  /**
   * The same handlers called in-process, without sockets: for seeding data, where only the
   * result matters and the HTTP round trip would only make set-up slower.
   */
  direct(tenant: BenchTenant): ScimClient;
  /**
   * Runs `send` with the stream consumer's work on the records it wrote measured: the consumer
   * first moves past earlier records (set-up, other sections) unpublished, then handles `send`'s
   * records alone.
   */
  consumed<T>(send: () => Promise<T>): Promise<{ result: T; consumer: ConsumerCost }>;
  stop(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  // Must be set before the first request: the handler reads it per response.
  process.env.SCIM_COST_HEADER = '1';
  const dynamo = await startDynamoDbLocal();
  const tableName = 'scim-bench';
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(admin, tableName);
  } finally {
    admin.destroy();
  }
  const tokens = new Map<BenchTenant, string>(TENANTS.map((t) => [t, generateToken()]));
  const db = createDocumentClient({ endpoint: dynamo.endpoint });
  const settings: RuntimeSettings = {
    authenticate: createAuthenticator(
      staticTokenSource({
        tokens: [...tokens].map(([tenant, token]) => ({
          id: `bench-${tenant}`,
          tenant: `bench-${tenant}`,
          label: 'benchmark',
          sha256: sha256Hex(token),
          createdAt: new Date().toISOString(),
        })),
      }),
    ),
    db,
    tableName,
  };
  // Activity on, as deployed with change events: a single write stamps its record on its item and
  // the stream consumer writes it. Deployed, the consumer is a Lambda of its own; here it would
  // share the machine's CPUs with what is measured, so it reads the stream only in consumed().
  // It writes what the deployed one writes (activity, feed, orphan memberships) and counts the
  // events it would put on EventBridge.
  const CONSUMER_RUNS_WHEN_ASKED_MS = 24 * 3_600_000;
  const handlers = handlersOf(createRuntime({ ...settings, activityFromStream: true }));
  const streamAdmin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let eventsPublished = 0;
  const { feed, ...tableWrites } = consumerTableWrites(db, tableName);
  const follower = await followTableStream({
    admin: streamAdmin,
    endpoint: dynamo.endpoint,
    tableName,
    sink: sinks(feed, {
      publish: async (events) => {
        eventsPublished += events.length;
      },
    }),
    ...tableWrites,
    pollMs: CONSUMER_RUNS_WHEN_ASKED_MS,
  });
  const server = await serve(handlers);
  const baseUrl = `http://127.0.0.1:${portOf(server)}/scim/v2`;
  // The same service with each activity record a PutItem of its own after the operation.
  const separateServer = await serve(handlersOf(createRuntime({ ...settings, activityWithWrite: false })));
  const separateBaseUrl = `http://127.0.0.1:${portOf(separateServer)}/scim/v2`;
  const clients = new Map<string, ScimHttpClient>();
  return {
    endpoint: dynamo.endpoint,
    tableName,
    baseUrl,
    dynamo,
    client(tenant) {
      let client = clients.get(tenant);
      if (!client) {
        client = new ScimHttpClient(baseUrl, tokens.get(tenant) as string);
        clients.set(tenant, client);
      }
      return client;
    },
    separateActivityClient(tenant) {
      const key = `separate-${tenant}`;
      let client = clients.get(key);
      if (!client) {
        client = new ScimHttpClient(separateBaseUrl, tokens.get(tenant) as string);
        clients.set(key, client);
      }
      return client;
    },
    direct(tenant) {
      return inProcessClient(handlers, baseUrl, tokens.get(tenant) as string);
    },
    async consumed(send) {
      await follower.skip();
      const result = await send();
      const before = eventsPublished;
      const { result: invocations, cost } = await measureCost(() => follower.drain());
      return { result, consumer: { cost, events: eventsPublished - before, invocations } };
    },
    async stop() {
      for (const client of clients.values()) client.close();
      await follower.stop();
      streamAdmin.destroy();
      for (const running of [server, separateServer]) {
        running.closeAllConnections();
        await new Promise<void>((resolve) => running.close(() => resolve()));
      }
      db.destroy();
      await dynamo.stop();
    },
  };
}

function handlersOf(runtime: Runtime): HandlerTable {
  return {
    users: createUsersHandler(() => runtime),
    groups: createGroupsHandler(() => runtime),
    discovery: createDiscoveryHandler(() => runtime),
    console: localConsoleHandler,
    feed: createFeedHandler(() => runtime),
    activity: createActivityHandler(() => runtime),
  };
}

async function serve(handlers: HandlerTable): Promise<Server> {
  const server = createLocalServer(handlers);
  server.keepAliveTimeout = 60_000;
  await listen(server, 0);
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the bench server has no port');
  return address.port;
}

function inProcessClient(handlers: HandlerTable, baseUrl: string, token: string): ScimClient {
  const base = new URL(baseUrl);
  return {
    async request(method, path, body) {
      const url = new URL(`${base.pathname}${path}`, base);
      const match = matchRoute(url.pathname);
      if (!match) throw new Error(`no route for ${url.pathname}`);
      const rawBody = body === undefined ? '' : JSON.stringify(body);
      const event = buildProxyEvent({
        method,
        url,
        rawHeaders: [
          'Host',
          base.host,
          'Authorization',
          `Bearer ${token}`,
          ...(rawBody ? ['Content-Type', 'application/scim+json'] : []),
        ],
        body: rawBody,
        resource: match.route.path,
        pathParameters: match.pathParameters,
      });
      const started = process.hrtime.bigint();
      const result = await handlers[match.route.target](event);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {}))
        headers[name.toLowerCase()] = String(value);
      let parsed: unknown;
      try {
        parsed = result.body ? JSON.parse(result.body) : undefined;
      } catch {
        parsed = result.body;
      }
      return { status: result.statusCode, headers, body: parsed, cost: parseCost(headers[COST_HEADER]), ms };
    },
  };
}
