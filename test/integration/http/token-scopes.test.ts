/**
 * Token scopes over every route and method of the route table (ROUTES, so a route added later
 * is covered without touching this file), through the real handlers on DynamoDB Local:
 *  - a read token on each write operation is a 403 SCIM error that does no DynamoDB work,
 *    leaves the table as it was (activity aside) and is recorded in the provisioning activity;
 *  - a read token succeeds on every read, exactly as a write token does;
 *  - a write token still does everything;
 *  - every authenticated response says which scope the token has (X-Token-Scope).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import {
  type HttpMethod,
  OPERATION_SCOPES,
  type Operation,
  ROUTES,
  type Route,
} from '../../../lambdas/routes';
import { listActivity } from '../../../lambdas/store/activity-store';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let userId: string;
let groupId: string;
const savedCostHeader = process.env.SCIM_COST_HEADER;

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient({ tenants: ['acme', 'globex'] });
  const user = await client.request('POST', '/Users', {
    body: { schemas: [USER_SCHEMA], userName: 'scope.user@example.com' },
  });
  const group = await client.request('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName: 'Scope group', members: [{ value: user.body.id }] },
  });
  expect([user.status, group.status]).toEqual([201, 201]);
  userId = user.body.id;
  groupId = group.body.id;
});

afterAll(async () => {
  if (savedCostHeader === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = savedCostHeader;
  await client.close();
});

interface Call {
  readonly route: Route;
  readonly method: HttpMethod;
  readonly operation: Operation;
}

/** Every authenticated route (the console's static files take no token: test/unit/http/console.test.ts). */
const CALLS: readonly Call[] = ROUTES.filter((route) => route.target !== 'console').flatMap((route) =>
  (Object.entries(route.methods) as [HttpMethod, Operation][]).map(([method, operation]) => ({
    route,
    method,
    operation,
  })),
);
const WRITES = CALLS.filter((c) => OPERATION_SCOPES[c.operation] === 'write');
const READS = CALLS.filter((c) => OPERATION_SCOPES[c.operation] === 'read');

/** A concrete path for a route template: the seeded user/group, a known schema, else "sample". */
function pathOf(route: Route): string {
  const suffix = route.path.replace(/^\/scim\/v2/, '');
  const id = suffix.startsWith('/Users/')
    ? userId
    : suffix.startsWith('/Groups/')
      ? groupId
      : suffix.startsWith('/ResourceTypes/')
        ? 'User'
        : suffix.startsWith('/Schemas/')
          ? USER_SCHEMA
          : 'sample';
  return suffix.replace(/\{[^}]+\}/g, encodeURIComponent(id));
}

/** A valid body for the operation, so a 403 is the scope's doing and not the body's. */
function bodyOf(call: Call): unknown {
  const groups = call.route.path.includes('/Groups');
  switch (call.operation) {
    case 'create':
    case 'replace':
      return groups
        ? { schemas: [GROUP_SCHEMA], displayName: `Made by ${call.method}` }
        : { schemas: [USER_SCHEMA], userName: `made.by.${call.method.toLowerCase()}@example.com` };
    case 'patch':
      return {
        schemas: [PATCH_SCHEMA],
        Operations: [
          groups
            ? { op: 'replace', path: 'displayName', value: 'Patched' }
            : { op: 'replace', path: 'active', value: false },
        ],
      };
    case 'search':
    case 'searchAll':
      return { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 5 };
    default:
      return undefined;
  }
}

/** Every item of the table except activity records, in a stable order. */
async function snapshot(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.table.db.send(
      new ScanCommand({
        TableName: client.table.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []).filter((item) => item.type !== 'Activity'));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return JSON.stringify(items.map((item) => JSON.stringify(item)).sort());
}

describe('token scopes over the route table', () => {
  it('the route table has both kinds, and every operation in it has a declared scope', () => {
    expect(WRITES.map((c) => `${c.method} ${c.route.path}`)).toEqual(
      expect.arrayContaining([
        'POST /scim/v2/Users',
        'PUT /scim/v2/Users/{id}',
        'PATCH /scim/v2/Groups/{id}',
        'DELETE /scim/v2/Groups/{id}',
      ]),
    );
    expect(READS.length).toBeGreaterThan(WRITES.length);
    for (const call of CALLS) expect(['read', 'write']).toContain(OPERATION_SCOPES[call.operation]);
  });

  it('a read token gets 403 on every write, with no DynamoDB work but its activity record, nothing written, and each refusal in the activity', async () => {
    const since = new Date(Date.now() - 1000);
    const before = await snapshot();
    for (const call of WRITES) {
      const res = await client.request(call.method, pathOf(call.route), {
        token: client.readTokenFor('acme'),
        body: bodyOf(call),
      });
      const what = `${call.method} ${call.route.path}`;
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expect(res.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '403',
        detail: 'This token has read scope; this operation needs a token with write scope',
      });
      expect(res.headers['x-token-scope']).toBe('read');
      // Refused before the operation ran: no DynamoDB request but the refusal's activity record.
      expect(res.headers[COST_HEADER]).toMatch(/^requests=1;rcu=0;wcu=\d+;.*ops=PutItem:1$/);
    }
    expect(await snapshot()).toBe(before);

    const refused = await listActivity(client.table.db, client.table.tableName, {
      tenant: 'acme',
      since,
      status: { exact: 403 },
    });
    expect(refused).toHaveLength(WRITES.length);
    for (const record of refused) {
      expect(record).toMatchObject({
        tokenId: 'tok-acme-read',
        tokenLabel: 'test acme read',
        status: 403,
        detail: 'This token has read scope; this operation needs a token with write scope',
        // The refused body is never read: none of its names reach the log (a reader cannot
        // write text of its choosing there).
        changedAttributes: [],
      });
    }
    expect(refused.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      WRITES.map((c) => `${c.method} /scim/v2${pathOf(c.route)}`).sort(),
    );
  });

  it('a read token succeeds on every read, with the same status a write token gets', async () => {
    for (const call of READS) {
      const path = pathOf(call.route);
      const asReader = await client.request(call.method, path, {
        token: client.readTokenFor('acme'),
        body: bodyOf(call),
      });
      const asWriter = await client.request(call.method, path, { body: bodyOf(call) });
      const what = `${call.method} ${call.route.path}`;
      expect({ what, status: asReader.status }).toEqual({ what, status: asWriter.status });
      // /Me and /Bulk answer 501 to every token (RFC 7644 §3.11); every other read succeeds.
      const expected = call.operation === 'notImplemented' ? 501 : 'ok';
      const got = asReader.status >= 200 && asReader.status < 300 ? 'ok' : asReader.status;
      expect({ what, got }).toEqual({ what, got: expected });
      expect(asReader.headers['x-token-scope']).toBe('read');
      expect(asWriter.headers['x-token-scope']).toBe('write');
    }
  });

  it('a write token still runs every write', async () => {
    const user = await client.request('POST', '/Users', {
      body: { schemas: [USER_SCHEMA], userName: 'scope.writer@example.com' },
    });
    expect(user.status).toBe(201);
    expect(user.headers['x-token-scope']).toBe('write');
    const statuses: Record<string, number> = {};
    // Deletes last, so the other writes still find their resources.
    const ordered = [...WRITES].sort(
      (a, b) => Number(a.operation === 'delete') - Number(b.operation === 'delete'),
    );
    for (const call of ordered) {
      const path = pathOf(call.route).replace(userId, user.body.id);
      const body =
        call.operation === 'create' && !call.route.path.includes('/Groups')
          ? { schemas: [USER_SCHEMA], userName: 'scope.created@example.com' }
          : bodyOf(call);
      statuses[`${call.method} ${call.route.path}`] = (
        await client.request(call.method, path, { body })
      ).status;
    }
    for (const [what, status] of Object.entries(statuses)) {
      expect({ what, ok: status >= 200 && status < 300 }).toEqual({ what, ok: true });
    }
  });

  it('a read token reaches only its own tenant, and a failed authentication carries no scope header', async () => {
    const own = await client.request('GET', `/Users/${userId}`, { token: client.readTokenFor('globex') });
    expect(own.status).toBe(404);
    expect(own.headers['x-token-scope']).toBe('read');
    const anonymous = await client.request('GET', '/Users', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['x-token-scope']).toBeUndefined();
  });
});
