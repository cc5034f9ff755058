import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { staticTokenSource } from '../../../lambdas/auth/token-source';
import { attributeOfPath } from '../../../lambdas/http/activity';
import { createHttpHandler } from '../../../lambdas/http/handler';
import { emptyResponse, jsonResponse } from '../../../lambdas/http/response';
import { matchRoute } from '../../../lambdas/routes';
import { createRuntime, type Runtime } from '../../../lambdas/runtime';
import { badRequest } from '../../../lambdas/scim/errors';
import { listActivity, recordActivity } from '../../../lambdas/store/activity-store';
import { buildProxyEvent } from '../../../local/http-server';
import { createTestTable, type TestTable } from '../../support/dynamo';

const TOKEN = 'activity-test-token-0123456789abcdef0123';
let table: TestTable;
let runtime: Runtime;

beforeAll(async () => {
  table = await createTestTable('activity');
  runtime = createRuntime({
    authenticate: createAuthenticator(
      staticTokenSource({
        tokens: [
          {
            id: 'tok-1',
            tenant: 'acme',
            label: 'okta',
            sha256: sha256Hex(TOKEN),
            createdAt: new Date().toISOString(),
          },
        ],
      }),
    ),
    db: table.db,
    tableName: table.tableName,
  });
});
afterAll(async () => {
  await table.drop();
});

// A stand-in Users operation table: the activity hook does not depend on what the operations do.
const handler = createHttpHandler(
  'users',
  {
    create: async () => jsonResponse(201, { id: 'new-user-1', userName: 'ada' }),
    patch: async () => {
      throw badRequest('invalidValue', 'active must be a boolean');
    },
    delete: async () => emptyResponse(204),
    get: async () => jsonResponse(200, { id: 'x' }),
  },
  () => runtime,
);

const call = (method: string, path: string, body?: unknown, token = TOKEN) => {
  const url = new URL(`http://scim.test${path}`);
  const match = matchRoute(url.pathname);
  if (!match) throw new Error(`unrouted ${path}`);
  return handler(
    buildProxyEvent({
      method,
      url,
      rawHeaders: ['Authorization', `Bearer ${token}`, 'Content-Type', 'application/scim+json'],
      body: body === undefined ? '' : JSON.stringify(body),
      resource: match.route.path,
      pathParameters: match.pathParameters,
    }),
  );
};

describe('provisioning activity', () => {
  it('records every mutation with its outcome (4xx included) and attribute names, never values or tokens', async () => {
    const since = new Date(Date.now() - 1000);
    expect(
      (
        await call('POST', '/scim/v2/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'ada@example.com',
          password: 'Secret-123',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42' },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await call('PATCH', '/scim/v2/Users/u-7', {
          Operations: [
            { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@x' },
            { op: 'replace', value: { active: 'maybe', 'name.familyName': 'L' } },
          ],
        })
      ).statusCode,
    ).toBe(400);
    expect((await call('DELETE', '/scim/v2/Users/u-7')).statusCode).toBe(204);
    expect((await call('GET', '/scim/v2/Users/u-7')).statusCode).toBe(200);
    expect(
      (await call('DELETE', '/scim/v2/Users/u-7', undefined, 'wrong-token-wrong-token-wrong-token'))
        .statusCode,
    ).toBe(401);

    const records = await listActivity(table.db, table.tableName, { tenant: 'acme', since });
    expect(records.map((r) => `${r.method} ${r.status} ${r.resourceId}`)).toEqual([
      'DELETE 204 u-7',
      'PATCH 400 u-7',
      'POST 201 new-user-1',
    ]);
    expect(records[1]?.changedAttributes).toEqual(['active', 'emails', 'name']);
    expect(records[2]).toMatchObject({
      tokenId: 'tok-1',
      tokenLabel: 'okta',
      resourceType: 'User',
      changedAttributes: [
        'password',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
        'userName',
      ],
    });
    const stored = JSON.stringify(records);
    expect(stored).not.toContain('Secret-123');
    expect(stored).not.toContain('ada@example.com');
    expect(stored).not.toContain(TOKEN);
  });

  it('filters by resource and by status class, newest first', async () => {
    const since = new Date(Date.now() - 60_000);
    const forResource = await listActivity(table.db, table.tableName, {
      tenant: 'acme',
      since,
      resourceId: 'u-7',
    });
    expect(forResource.map((r) => r.status)).toEqual([204, 400]);
    const clientErrors = await listActivity(table.db, table.tableName, {
      tenant: 'acme',
      since,
      status: { class: 4 },
    });
    expect(clientErrors.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect(clientErrors.length).toBe(1);
    expect(await listActivity(table.db, table.tableName, { tenant: 'globex', since })).toEqual([]);
  });

  it('reads across day boundaries and honours since', async () => {
    const base = {
      tenant: 'initech',
      tokenId: 't',
      tokenLabel: 'l',
      method: 'PUT',
      path: '/scim/v2/Users/a',
      operation: 'replace',
      resourceType: 'User',
      status: 200,
      changedAttributes: [],
    };
    await recordActivity(table.db, table.tableName, {
      ...base,
      time: '2026-11-20T23:59:59.000Z',
      resourceId: 'a',
    });
    await recordActivity(table.db, table.tableName, {
      ...base,
      time: '2026-11-21T00:00:01.000Z',
      resourceId: 'b',
    });
    await recordActivity(table.db, table.tableName, {
      ...base,
      time: '2026-11-22T12:00:00.000Z',
      resourceId: 'c',
    });
    const until = new Date('2026-11-23T00:00:00Z');
    const all = await listActivity(table.db, table.tableName, {
      tenant: 'initech',
      since: new Date('2026-11-20T00:00:00Z'),
      until,
    });
    expect(all.map((r) => r.resourceId)).toEqual(['c', 'b', 'a']);
    const recent = await listActivity(table.db, table.tableName, {
      tenant: 'initech',
      since: new Date('2026-11-21T00:00:00Z'),
      until,
    });
    expect(recent.map((r) => r.resourceId)).toEqual(['c', 'b']);
  });

  it('names the attribute of any PATCH path shape', () => {
    expect(attributeOfPath('emails[type eq "work"].value')).toBe('emails');
    expect(attributeOfPath('name.familyName')).toBe('name');
    expect(attributeOfPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value')).toBe(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    );
    expect(attributeOfPath('members[value eq "a:b"]')).toBe('members');
  });
});
