/**
 * Failing dependencies: DynamoDB throttles, times out, conflicts, errors, or loses the response
 * of a write that happened. Through the real handlers on DynamoDB Local with the fault-injection
 * middleware on the runtime's client: the client must see a retry-able 503 with Retry-After
 * (or success, when the SDK or the service retried), never a 500 for a dependency failure, and
 * the table must keep its invariants (uniqueness guards ↔ resources; memberships hidden once
 * their user or group is gone).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createUsersHandler } from '../../lambdas/handlers/users';
import { createRuntime } from '../../lambdas/runtime';
import {
  createDocumentClient,
  DYNAMO_CONNECTION_TIMEOUT_MS,
  DYNAMO_MAX_ATTEMPTS,
  DYNAMO_REQUEST_TIMEOUT_MS,
} from '../../lambdas/store/client';
import { buildProxyEvent } from '../../local/http-server';
import { type FaultInjector, injectFaults } from '../support/fault-injection';
import {
  createScimTestClient,
  type ScimResponse,
  type ScimTestClient,
  toResponse,
} from '../support/scim-client';
import { checkInvariants, scanTable } from './support/table';

/** Every call of an operation but its first (the request's own write), SDK retries included. */
const AFTER_FIRST_CALL = Array.from({ length: 100 }, (_, i) => i + 2);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** API Gateway's integration timeout: every answer must come before it. */
const GATEWAY_BUDGET_MS = 29_000;

let n = 0;

interface Fixture {
  readonly client: ScimTestClient;
  readonly faults: FaultInjector;
}

/**
 * Each test gets its own table, client and fault injector, so the tests can run concurrently:
 * most of their time is the SDK's real retry back-off, spent waiting.
 */
async function withFixture(run: (fixture: Fixture) => Promise<void>): Promise<void> {
  const client = await createScimTestClient();
  const faults = injectFaults(client.runtime.db, { seed: 9 });
  try {
    await run({ client, faults });
  } finally {
    faults.detach();
    await client.close();
  }
}

const userBody = (userName = `fault.user.${++n}@example.com`) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Fault', familyName: `User${n}` },
  emails: [{ value: userName, primary: true, type: 'work' }],
  active: true,
});

async function createUser(
  client: ScimTestClient,
  userName?: string,
): Promise<{ id: string; userName: string }> {
  const res = await client.request('POST', '/Users', { body: userBody(userName) });
  expect(res.status).toBe(201);
  return { id: res.body.id, userName: res.body.userName };
}

async function createGroup(client: ScimTestClient, members: string[]): Promise<string> {
  const res = await client.request('POST', '/Groups', {
    body: {
      schemas: [GROUP],
      displayName: `fault group ${++n}`,
      members: members.map((value) => ({ value })),
    },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

function expectRetryable503(res: ScimResponse): void {
  expect(res.status).toBe(503);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body.schemas).toEqual([ERROR]);
  expect(res.body.status).toBe('503');
  expect(res.text).not.toMatch(/Injected|Exception|stack|at .*\.ts/);
}

/** Exactly one user answers to `userName`, and the table keeps its invariants. */
async function expectOneUserNamed(client: ScimTestClient, userName: string): Promise<void> {
  const found = await client.request(
    'GET',
    `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
  );
  expect(found.body.totalResults).toBe(1);
  await expectInvariants(client);
}

async function expectInvariants(client: ScimTestClient): Promise<ReturnType<typeof checkInvariants>> {
  const report = checkInvariants(await scanTable(client.table));
  expect(report.broken).toEqual([]);
  return report;
}

describe('throttling and timeouts: the SDK retries within its budget, then 503 + Retry-After', () => {
  it.concurrent('Okta GET /Users/{id} while every Query (its one read: user + group ids) is throttled: 4 attempts, then 503 within the gateway budget', () =>
    withFixture(async ({ client, faults }) => {
      const { id } = await createUser(client);
      faults.setRules([{ operation: 'Query', fault: 'throttle' }]);
      const started = Date.now();
      const res = await client.request('GET', `/Users/${id}`);
      expectRetryable503(res);
      expect(faults.attempts('Query')).toBe(DYNAMO_MAX_ATTEMPTS);
      expect(Date.now() - started).toBeLessThan(GATEWAY_BUDGET_MS);
    }));

  it.concurrent('Okta POST /Users while the first two TransactWriteItems are throttled: retried, 201, one user', () =>
    withFixture(async ({ client, faults }) => {
      const userName = `throttled.create.${++n}@example.com`;
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'throttle', calls: [1, 2] }]);
      const res = await client.request('POST', '/Users', { body: userBody(userName) });
      expect(res.status).toBe(201);
      expect(faults.attempts('TransactWriteItems')).toBe(3);
      faults.reset();
      await expectOneUserNamed(client, userName);
    }));

  it.concurrent.each([
    ['timeout', 'timeout'],
    ['connection reset', 'network'],
    ['DynamoDB 500', 'internal'],
  ] as const)('Entra filter on externalId while every Query fails (%s): 503, never 500', (_n, fault) =>
    withFixture(async ({ client, faults }) => {
      faults.setRules([{ operation: 'Query', fault }]);
      const res = await client.request('GET', `/Users?filter=${encodeURIComponent('externalId eq "abc"')}`);
      expectRetryable503(res);
      expect(faults.attempts('Query')).toBe(DYNAMO_MAX_ATTEMPTS);
    }),
  );

  it.concurrent.each([
    ['timeout', 'timeout'],
    ['throttle', 'throttle'],
  ] as const)(
    'Okta PUT deactivate while every write times out or throttles (%s): 503 and the user unchanged',
    (_n, fault) =>
      withFixture(async ({ client, faults }) => {
        const { id, userName } = await createUser(client);
        faults.setRules([{ operation: ['PutItem', 'TransactWriteItems', 'UpdateItem'], fault }]);
        const res = await client.request('PUT', `/Users/${id}`, {
          body: { ...userBody(userName), active: false },
        });
        expectRetryable503(res);
        faults.reset();
        const after = await client.request('GET', `/Users/${id}`);
        expect(after.body.active).toBe(true);
        expect(after.body.meta.version).toBe('W/"1"');
      }),
  );

  it.concurrent('Okta Group Push PATCH add member while TransactWriteItems is throttled throughout: 503, group version unchanged', () =>
    withFixture(async ({ client, faults }) => {
      const user = await createUser(client);
      const groupId = await createGroup(client, []);
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'throttle' }]);
      const res = await client.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] },
      });
      expectRetryable503(res);
      faults.reset();
      const group = await client.request('GET', `/Groups/${groupId}`);
      expect(group.status).toBe(200);
      // The add may be retried by the client: nothing was recorded, so the retry is the first write.
      expect(group.body.members ?? []).toEqual([]);
      await expectInvariants(client);
    }));
});

describe('transaction conflicts are retried by the service', () => {
  it.concurrent('Okta POST /Users whose first two transactions are cancelled by a TransactionConflict: 201', () =>
    withFixture(async ({ client, faults }) => {
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'transactionConflict', calls: [1, 2] }]);
      const res = await client.request('POST', '/Users', { body: userBody() });
      expect(res.status).toBe(201);
      expect(faults.attempts('TransactWriteItems')).toBe(3);
      faults.reset();
      await expectInvariants(client);
    }));

  it.concurrent('Entra PATCH rename (a guard swap transaction) after one TransactionConflict: 200 with the new userName', () =>
    withFixture(async ({ client, faults }) => {
      const { id } = await createUser(client);
      const newName = `renamed.${++n}@example.com`;
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'transactionConflict', calls: [1] }]);
      const res = await client.request('PATCH', `/Users/${id}`, {
        body: { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'userName', value: newName }] },
      });
      expect(res.status).toBe(200);
      expect(res.body.userName).toBe(newName);
      faults.reset();
      await expectInvariants(client);
    }));
});

describe('a write that succeeded but whose response was lost', () => {
  it.concurrent('Okta POST /Users whose TransactWriteItems response is lost once: one user with that userName, never two guards', () =>
    withFixture(async ({ client, faults }) => {
      const userName = `lost.create.${++n}@example.com`;
      faults.setRules([
        { operation: 'TransactWriteItems', fault: 'timeout', calls: [1], afterSuccess: true },
      ]);
      const res = await client.request('POST', '/Users', { body: userBody(userName) });
      // The SDK retries with the same ClientRequestToken (an idempotency token of
      // TransactWriteItems), so DynamoDB (and DynamoDB Local) answers the retry as the first
      // commit: 201, not a false 409 for a user this very request created.
      expect(res.status).toBe(201);
      expect(faults.attempts('TransactWriteItems')).toBe(2);
      faults.reset();
      await expectOneUserNamed(client, userName);
    }));

  it.concurrent('Okta PUT whose PutItem response is lost once: 200, the change is stored once', () =>
    withFixture(async ({ client, faults }) => {
      const { id, userName } = await createUser(client);
      faults.setRules([{ operation: 'PutItem', fault: 'timeout', calls: [1], afterSuccess: true }]);
      const res = await client.request('PUT', `/Users/${id}`, {
        body: { ...userBody(userName), active: false },
      });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
      faults.reset();
      const after = await client.request('GET', `/Users/${id}`);
      expect(after.body.active).toBe(false);
      await expectInvariants(client);
    }));

  it.concurrent('DELETE /Users/{id} whose membership clean-up fails: 503; the orphan membership is hidden from every read', () =>
    withFixture(async ({ client, faults }) => {
      const user = await createUser(client);
      const other = await createUser(client);
      const groupId = await createGroup(client, [user.id, other.id]);
      // The user item and its guard go in one transaction; the clean-up of memberships comes
      // after, in transactions of its own (each SDK attempt is a call): every one of them fails.
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'throttle', calls: AFTER_FIRST_CALL }]);
      const res = await client.request('DELETE', `/Users/${user.id}`);
      expectRetryable503(res);
      faults.reset();

      const report = await expectInvariants(client);
      // Documented transient orphan: memberships-store keeps it until the group changes.
      expect(report.orphanMembershipsOfUsers).toEqual([`${groupId}→${user.id}`]);
      expect((await client.request('GET', `/Users/${user.id}`)).status).toBe(404);
      const group = await client.request('GET', `/Groups/${groupId}`);
      expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([other.id]);
      const byMember = await client.request(
        'GET',
        `/Groups?filter=${encodeURIComponent(`members.value eq "${user.id}"`)}&excludedAttributes=members`,
      );
      expect(byMember.status).toBe(200);
      // A deleted user's id can never be added again (ids are never reused; adds check the user).
      const readd = await client.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] },
      });
      expect(readd.status).toBe(400);
      // Okta's Group Push PUT with the full member list repairs it.
      const put = await client.request('PUT', `/Groups/${groupId}`, {
        body: { schemas: [GROUP], displayName: group.body.displayName, members: [{ value: other.id }] },
      });
      expect(put.status).toBe(200);
      expect((await expectInvariants(client)).orphanMembershipsOfUsers).toEqual([]);
    }));

  it.concurrent("the client's retried DELETE /Users/{id} finishes a failed membership clean-up before its 404", () =>
    withFixture(async ({ client, faults }) => {
      const user = await createUser(client);
      const groupId = await createGroup(client, [user.id]);
      faults.setRules([{ operation: 'TransactWriteItems', fault: 'throttle', calls: AFTER_FIRST_CALL }]);
      expectRetryable503(await client.request('DELETE', `/Users/${user.id}`));
      faults.reset();
      expect((await expectInvariants(client)).orphanMembershipsOfUsers).toEqual([`${groupId}→${user.id}`]);
      // Okta and Entra retry a 503; the user is gone, so the retry answers 404 — after cleaning up.
      expect((await client.request('DELETE', `/Users/${user.id}`)).status).toBe(404);
      expect((await expectInvariants(client)).orphanMembershipsOfUsers).toEqual([]);
    }));

  it.concurrent('Okta DELETE /Groups/{id} whose membership clean-up fails: 503, the group still whole; the retried DELETE completes', () =>
    withFixture(async ({ client, faults }) => {
      const user = await createUser(client);
      const groupId = await createGroup(client, [user.id]);
      // Memberships are removed before the group item (groups-service deleteGroupResource), so a
      // failed clean-up leaves a group that still exists, never members without their group.
      faults.setRules([{ operation: ['Query', 'BatchWriteItem'], fault: 'throttle' }]);
      const res = await client.request('DELETE', `/Groups/${groupId}`);
      expectRetryable503(res);
      faults.reset();

      const report = await expectInvariants(client);
      expect(report.orphanMembershipsOfGroups).toEqual([]);
      const group = await client.request('GET', `/Groups/${groupId}`);
      expect(group.status).toBe(200);
      // Whatever part of the clean-up happened, the user and the group agree on it.
      const listed = (await client.request('GET', `/Users/${user.id}`)).body.groups ?? [];
      expect(listed.map((g: { value: string }) => g.value)).toEqual(
        (group.body.members ?? []).length > 0 ? [groupId] : [],
      );
      // Okta retries the DELETE after Retry-After.
      expect((await client.request('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
      expect((await client.request('GET', `/Users/${user.id}`)).body.groups ?? []).toEqual([]);
      const after = await expectInvariants(client);
      expect(after.orphanMembershipsOfGroups).toEqual([]);
    }));
});

describe('unknown failures', () => {
  it.concurrent('an error the store does not recognise is a generic 500 that leaks nothing', () =>
    withFixture(async ({ client, faults }) => {
      const { id } = await createUser(client);
      faults.setRules([{ operation: 'Query', fault: 'unknown' }]);
      const res = await client.request('GET', `/Users/${id}`);
      expect(res.status).toBe(500);
      expect(res.body.schemas).toEqual([ERROR]);
      expect(res.body.status).toBe('500');
      expect(res.text).not.toMatch(/Injected|arn:aws|secret|InjectedUnknownFault|at .*\.ts/);
    }));

  it.concurrent('seeded random faults on every operation (10% of calls): every answer is 2xx/4xx/503, invariants hold', () =>
    withFixture(async ({ client, faults }) => {
      faults.setRules([{ fault: 'throttle', probability: 0.1 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await client.request('POST', '/Users', { body: userBody() });
        statuses.push(res.status);
        if (res.status === 201) {
          const del = await client.request(i % 2 === 0 ? 'DELETE' : 'GET', `/Users/${res.body.id}`);
          statuses.push(del.status);
        }
      }
      faults.reset();
      expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
      expect((await expectInvariants(client)).broken).toEqual([]);
    }));
});

describe('a DynamoDB that never answers (real sockets, no injection)', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never writes a byte: the request timeout must end the wait.
    blackHole = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it('the default time budget fits API Gateway: attempts × (connect + request) timeouts < 29 s', () => {
    expect(DYNAMO_MAX_ATTEMPTS * (DYNAMO_CONNECTION_TIMEOUT_MS + DYNAMO_REQUEST_TIMEOUT_MS)).toBeLessThan(
      20_000,
    );
  });

  // Not concurrent: it needs the black hole this block's beforeAll opens.
  it('a hung GetItem ends in a 503 after the request timeout (short timeouts for the test)', () =>
    withFixture(async ({ client }) => {
      const address = blackHole.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const db = createDocumentClient({
        endpoint: `http://127.0.0.1:${address.port}`,
        requestTimeoutMs: 300,
        connectionTimeoutMs: 300,
        maxAttempts: 2,
      });
      const runtime = createRuntime({ ...client.runtime, db, activityRetentionDays: 0 });
      const handler = createUsersHandler(() => runtime);
      const url = new URL('http://scim.test/scim/v2/Users/0190f5e2-0000-7000-8000-000000000000');
      const started = Date.now();
      const result = await handler(
        buildProxyEvent({
          method: 'GET',
          url,
          rawHeaders: ['Authorization', `Bearer ${client.tokenFor('acme')}`, 'Host', url.host],
          body: '',
          resource: '/Users/{id}',
          pathParameters: { id: '0190f5e2-0000-7000-8000-000000000000' },
        }),
      );
      db.destroy();
      const res = toResponse(result);
      expectRetryable503(res);
      expect(Date.now() - started).toBeLessThan(5_000);
    }));
});
