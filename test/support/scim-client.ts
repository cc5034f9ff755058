/**
 * Drives the real handlers the way API Gateway would: builds the proxy event with the local
 * server's event builder and calls the handler for the route, with tokens for any tenants.
 * Integration tests use it in-process; e2e tests use real HTTP through the local server.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createAuthenticator } from '../../lambdas/auth/authenticator';
import { sha256Hex } from '../../lambdas/auth/token-hash';
import { staticTokenSource } from '../../lambdas/auth/token-source';
import { createActivityHandler } from '../../lambdas/handlers/activity';
import { createDiscoveryHandler } from '../../lambdas/handlers/discovery';
import { createFeedHandler } from '../../lambdas/handlers/feed';
import { createGroupsHandler } from '../../lambdas/handlers/groups';
import { createUsersHandler } from '../../lambdas/handlers/users';
import { matchRoute } from '../../lambdas/routes';
import { createRuntime, type Runtime, type RuntimeSettings } from '../../lambdas/runtime';
import { localConsoleHandler } from '../../local/console-files';
import { buildProxyEvent, type HandlerTable } from '../../local/http-server';
import { createTestTable, type TestTable } from './dynamo';

export const TEST_BASE = 'http://scim.test/scim/v2';

export interface ScimResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Parsed JSON body, or undefined for an empty body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary SCIM JSON; assertions check shapes.
  readonly body: any;
  readonly text: string;
}

interface RequestOptions {
  readonly body?: unknown;
  /** Raw body text (for malformed JSON tests); wins over `body`. */
  readonly rawBody?: string;
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

export interface ScimTestClient {
  readonly table: TestTable;
  readonly runtime: Runtime;
  readonly handlers: HandlerTable;
  /** Write-scope token of a tenant (tenants are created on demand). */
  tokenFor(tenant: string): string;
  /** Read-scope token of a tenant (docs/TOKENS.md#scopes). */
  readTokenFor(tenant: string): string;
  request(method: string, path: string, options?: RequestOptions): Promise<ScimResponse>;
  close(): Promise<void>;
}

export async function createScimTestClient(
  options: {
    tenants?: string[];
    settings?: Pick<RuntimeSettings, 'activityWithWrite' | 'activityFromStream'>;
  } = {},
): Promise<ScimTestClient> {
  const table = await createTestTable();
  const tenants = options.tenants ?? ['acme', 'globex'];
  const tokens = new Map(tenants.map((t) => [t, `test-token-${t}-0123456789abcdef0123456789`]));
  const runtime: Runtime = createRuntime({
    authenticate: createAuthenticator(
      staticTokenSource({
        tokens: [
          ...[...tokens].map(([tenant, token]) => ({
            id: `tok-${tenant}`,
            tenant,
            label: `test ${tenant}`,
            sha256: sha256Hex(token),
            createdAt: new Date().toISOString(),
          })),
          ...tenants.map((tenant) => ({
            id: `tok-${tenant}-read`,
            tenant,
            label: `test ${tenant} read`,
            sha256: sha256Hex(readToken(tenant)),
            createdAt: new Date().toISOString(),
            scope: 'read' as const,
          })),
        ],
      }),
    ),
    db: table.db,
    tableName: table.tableName,
    ...options.settings,
  });
  const rt = () => runtime;
  const handlers: HandlerTable = {
    users: createUsersHandler(rt),
    groups: createGroupsHandler(rt),
    discovery: createDiscoveryHandler(rt),
    console: localConsoleHandler,
    feed: createFeedHandler(rt),
    activity: createActivityHandler(rt),
  };
  const defaultTenant = tenants[0] ?? 'acme';
  const tokenFor = (tenant: string): string => {
    const token = tokens.get(tenant);
    if (!token) throw new Error(`no test tenant ${tenant}`);
    return token;
  };

  return {
    table,
    runtime,
    handlers,
    tokenFor,
    readTokenFor: (tenant) => {
      tokenFor(tenant);
      return readToken(tenant);
    },
    async request(method, path, opts = {}) {
      const url = new URL(path.startsWith('http') ? path : `${TEST_BASE}${path}`);
      const match = matchRoute(url.pathname);
      if (!match) throw new Error(`test requested unrouted path ${url.pathname}`);
      const headers: Record<string, string> = { Host: url.host, ...opts.headers };
      const token = opts.token === undefined ? tokenFor(defaultTenant) : opts.token;
      if (token !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
        headers.Authorization = `Bearer ${token}`;
      }
      const body = opts.rawBody ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
      if (body !== '' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/scim+json';
      }
      const event = buildProxyEvent({
        method,
        url,
        rawHeaders: Object.entries(headers).flat(),
        body,
        resource: match.route.path,
        pathParameters: match.pathParameters,
      });
      const result: APIGatewayProxyResult = await handlers[match.route.target](event);
      return toResponse(result);
    },
    close: () => table.drop(),
  };
}

const readToken = (tenant: string): string => `test-read-token-${tenant}-0123456789abcdef0123456789`;

export function toResponse(result: APIGatewayProxyResult): ScimResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const text = result.body ?? '';
  return { status: result.statusCode, headers, body: text === '' ? undefined : JSON.parse(text), text };
}
