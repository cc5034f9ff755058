/**
 * Security properties over EVERY route of lambdas/routes.ts (so a route added later is covered
 * without touching this file): responses carry Cache-Control: no-store and
 * X-Content-Type-Options: nosniff whatever the status; another tenant's resources are
 * invisible on every endpoint that takes an id or lists; and when DynamoDB fails (injected),
 * neither the error body nor any log line carries the bearer token or internal messages.
 */
import { logger } from '../../lambdas/observability/logger';
import { ROUTES } from '../../lambdas/routes';
import { type FaultInjector, injectFaults } from '../support/fault-injection';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PREFIX = '/scim/v2';

let client: ScimTestClient;
let faults: FaultInjector;
let acmeUser: string;
let acmeGroup: string;
const globex = () => ({ token: client.tokenFor('globex') });

beforeAll(async () => {
  client = await createScimTestClient();
  faults = injectFaults(client.runtime.db, { seed: 3 });
  acmeUser = (
    await client.request('POST', '/Users', { body: { schemas: [USER], userName: 'secret.acme@example.com' } })
  ).body.id;
  acmeGroup = (
    await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Acme Secret', members: [{ value: acmeUser }] },
    })
  ).body.id;
});
afterEach(() => faults.reset());
afterAll(async () => {
  faults.detach();
  await client.close();
});

function expectSafeHeaders(res: ScimResponse, what: string): void {
  expect({ what, cache: res.headers['cache-control'], sniff: res.headers['x-content-type-options'] }).toEqual(
    {
      what,
      cache: 'no-store',
      sniff: 'nosniff',
    },
  );
}

/**
 * Every declared SCIM route with each of its methods, and one undeclared method. The console's
 * static files (outside PREFIX) are cacheable by design; test/unit/http/console.test.ts checks theirs.
 */
const routeCalls = ROUTES.filter((route) => route.path.startsWith(PREFIX)).flatMap((route) => {
  const path = route.path.slice(PREFIX.length).replace('{id}', 'x-unknown-id');
  return [...new Set([...Object.keys(route.methods), 'PATCH', 'DELETE'])].map(
    (method) => [method, path] as const,
  );
});

describe('security headers on every route and status', () => {
  it.each(routeCalls)(
    '%s %s: no-store and nosniff (authenticated, unauthenticated)',
    async (method, path) => {
      const body =
        method === 'GET' || method === 'DELETE' ? undefined : { schemas: [USER], userName: 'h@example.com' };
      for (const token of [undefined, null]) {
        const res = await client.request(method, path, { ...(body ? { body } : {}), token });
        expectSafeHeaders(res, `${method} ${path} ${token === null ? 'no token' : 'token'}`);
      }
    },
  );

  it('503 and 500 answers carry them too', async () => {
    faults.setRules([{ operation: 'GetItem', fault: 'timeout' }]);
    expectSafeHeaders(await client.request('GET', `/Users/${acmeUser}`), '503');
    faults.setRules([{ operation: 'GetItem', fault: 'unknown' }]);
    expectSafeHeaders(await client.request('GET', `/Users/${acmeUser}`), '500');
  });
});

describe('cross-tenant: globex never sees or touches acme data, on every endpoint', () => {
  it.each([
    ['GET', () => `/Users/${acmeUser}`, undefined],
    ['PUT', () => `/Users/${acmeUser}`, { schemas: [USER], userName: 'stolen@example.com' }],
    [
      'PATCH',
      () => `/Users/${acmeUser}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
    ],
    ['DELETE', () => `/Users/${acmeUser}`, undefined],
    ['GET', () => `/Groups/${acmeGroup}`, undefined],
    ['PUT', () => `/Groups/${acmeGroup}`, { schemas: [GROUP], displayName: 'Stolen' }],
    [
      'PATCH',
      () => `/Groups/${acmeGroup}`,
      { schemas: [PATCH], Operations: [{ op: 'remove', path: 'members' }] },
    ],
    ['DELETE', () => `/Groups/${acmeGroup}`, undefined],
  ] as const)('%s %p of an acme resource with a globex token is 404', async (method, path, body) => {
    const res = await client.request(method, path(), { ...globex(), ...(body ? { body } : {}) });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('secret.acme');
  });

  it('lists, filters and searches of globex return none of acme', async () => {
    const calls: [string, string, unknown][] = [
      ['GET', '/Users', undefined],
      ['GET', `/Users?filter=${encodeURIComponent('userName eq "secret.acme@example.com"')}`, undefined],
      ['GET', `/Users?filter=${encodeURIComponent(`id eq "${acmeUser}"`)}`, undefined],
      ['POST', '/Users/.search', { filter: 'userName sw "secret"' }],
      ['GET', '/Groups', undefined],
      ['GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${acmeUser}"`)}`, undefined],
      ['POST', '/Groups/.search', { filter: 'displayName eq "Acme Secret"' }],
    ];
    for (const [method, path, body] of calls) {
      const res = await client.request(method, path, { ...globex(), ...(body ? { body } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(0);
      expect(res.text).not.toMatch(/secret\.acme|Acme Secret/);
    }
  });

  it('globex cannot add an acme user to its own group (400, unknown member)', async () => {
    const res = await client.request('POST', '/Groups', {
      ...globex(),
      body: { schemas: [GROUP], displayName: 'Globex', members: [{ value: acmeUser }] },
    });
    expect(res.status).toBe(400);
  });

  it('acme data is intact after all of the above', async () => {
    const user = await client.request('GET', `/Users/${acmeUser}`);
    expect(user.body.userName).toBe('secret.acme@example.com');
    expect(user.body.active ?? true).toBe(true);
    const group = await client.request('GET', `/Groups/${acmeGroup}`);
    expect(group.body.displayName).toBe('Acme Secret');
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([acmeUser]);
  });
});

describe('failures leak nothing', () => {
  it('with DynamoDB failing, neither bodies nor logs contain the token, the Authorization header or internals', async () => {
    const captured: string[] = [];
    const sink = (chunk: string | Uint8Array) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(sink),
      jest.spyOn(process.stderr, 'write').mockImplementation(sink),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
          captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        }),
      ),
    ];
    logger.setLogLevel('DEBUG');
    const bodies: string[] = [];
    try {
      for (const fault of ['unknown', 'timeout', 'throttle', 'internal'] as const) {
        faults.setRules([{ fault }]);
        // Both at once: each waits out the SDK's real retry back-off under this fault.
        const answers = await Promise.all([
          client.request('GET', `/Users/${acmeUser}`),
          client.request('POST', '/Users', { body: { schemas: [USER], userName: 'leak@example.com' } }),
        ]);
        bodies.push(...answers.map((answer) => answer.text));
      }
    } finally {
      logger.setLogLevel('SILENT');
      for (const spy of spies) spy.mockRestore();
    }
    const token = client.tokenFor('acme');
    expect(captured.length).toBeGreaterThan(0);
    for (const text of [...captured, ...bodies]) {
      expect(text).not.toContain(token);
      expect(text.toLowerCase()).not.toContain('bearer ');
    }
    for (const body of bodies) expect(body).not.toMatch(/Injected|arn:aws|\n\s+at |\.ts:\d+/);
  });
});
