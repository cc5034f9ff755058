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
import { createDiscoveryHandler } from '../../lambdas/handlers/discovery';
import { createGroupsHandler } from '../../lambdas/handlers/groups';
import { createUsersHandler } from '../../lambdas/handlers/users';
import type { Runtime } from '../../lambdas/runtime';
import { createDocumentClient } from '../../lambdas/store/client';
import { ensureTable } from '../../lambdas/store/ensure-table';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';
import { createLocalServer, listen } from '../../local/http-server';
import { ScimHttpClient } from './http-client';

/** Tenants by purpose. `bulk` holds the imported users, reused as group members. */
export const TENANTS = ['cost', 'bulk', 'latency', 'group'] as const;
export type BenchTenant = (typeof TENANTS)[number];

export interface BenchEnv {
  readonly endpoint: string;
  readonly tableName: string;
  readonly baseUrl: string;
  readonly dynamo: DynamoDbLocal;
  client(tenant: BenchTenant): ScimHttpClient;
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
  const runtime: Runtime = {
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
  const server: Server = createLocalServer({
    users: createUsersHandler(() => runtime),
    groups: createGroupsHandler(() => runtime),
    discovery: createDiscoveryHandler(() => runtime),
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, 0);
  const baseUrl = `http://127.0.0.1:${port}/scim/v2`;
  const clients = new Map<BenchTenant, ScimHttpClient>();
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
    async stop() {
      for (const client of clients.values()) client.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.destroy();
      await dynamo.stop();
    },
  };
}
