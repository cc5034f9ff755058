/**
 * Tokens and the Authorization header never reach the logs: requests (accepted, rejected in
 * every way, and with the token store down) go through the real handlers with the logger at
 * DEBUG and every output channel captured, and no token substring may appear.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { generateToken } from '../../../lambdas/auth/token-format';
import { TokenStoreUnavailableError } from '../../../lambdas/auth/token-source';
import { createDiscoveryHandler } from '../../../lambdas/handlers/discovery';
import { logger } from '../../../lambdas/observability/logger';
import { matchRoute } from '../../../lambdas/routes';
import type { Runtime } from '../../../lambdas/runtime';
import { buildProxyEvent } from '../../../local/http-server';
import { createScimTestClient, type ScimTestClient, toResponse } from '../../support/scim-client';

let client: ScimTestClient;
const captured: string[] = [];
let restore: Array<() => void> = [];

beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

beforeEach(() => {
  captured.length = 0;
  const sink = (chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(sink),
    jest.spyOn(process.stderr, 'write').mockImplementation(sink),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      }),
    ),
  ];
  restore = spies.map((spy) => () => spy.mockRestore());
  logger.setLogLevel('DEBUG');
});

afterEach(() => {
  logger.setLogLevel('SILENT');
  for (const undo of restore) undo();
});

/** Distinctive middle slices: a log line that quotes any part of the token is caught. */
function assertNoTrace(token: string): void {
  const output = captured.join('\n');
  // The logger really was listening (a request line per call), so silence is not mistaken for safety.
  expect(output).toContain('"status"');
  for (let start = 0; start + 16 <= token.length; start += 8) {
    expect(output).not.toContain(token.slice(start, start + 16));
  }
  expect(output).not.toMatch(/Bearer\s+\S/i);
  expect(output.toLowerCase()).not.toContain('"authorization"');
}

describe('no token in logs', () => {
  it('logs an accepted request without its token', async () => {
    const token = client.tokenFor('acme');
    const res = await client.request('GET', '/ServiceProviderConfig');
    expect(res.status).toBe(200);
    assertNoTrace(token);
  });

  it.each([
    ['unknown scim_ token', generateToken()],
    ['malformed scim_ token', `${generateToken().slice(0, -3)}zzz`],
    ['unknown dev-style token', 'this-is-a-very-long-unknown-dev-token-value'],
  ])('logs a rejected request (%s) without its token', async (_name, token) => {
    const res = await client.request('GET', '/Users?filter=userName%20eq%20%22a%22', { token });
    expect(res.status).toBe(401);
    assertNoTrace(token);
  });

  it('logs a request whose token arrives under a wrong scheme without it', async () => {
    const token = generateToken();
    const res = await client.request('GET', '/ServiceProviderConfig', {
      token: null,
      headers: { Authorization: `Token ${token}` },
    });
    expect(res.status).toBe(401);
    assertNoTrace(token);
  });

  it('logs a 503 (token store down) without the token', async () => {
    const token = generateToken();
    const runtime: Runtime = {
      authenticate: createAuthenticator({
        current: () => Promise.reject(new TokenStoreUnavailableError('AccessDeniedException', 5)),
        refresh: () => Promise.reject(new TokenStoreUnavailableError('AccessDeniedException', 5)),
      }),
      // Discovery never touches the table.
      db: {} as DynamoDBDocumentClient,
      tableName: 'unused',
    };
    const handler = createDiscoveryHandler(() => runtime);
    const url = new URL('http://scim.test/scim/v2/ServiceProviderConfig');
    const match = matchRoute(url.pathname)!;
    const res = toResponse(
      await handler(
        buildProxyEvent({
          method: 'GET',
          url,
          rawHeaders: ['Host', url.host, 'Authorization', `Bearer ${token}`],
          body: '',
          resource: match.route.path,
          pathParameters: match.pathParameters,
        }),
      ),
    );
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    assertNoTrace(token);
  });
});
