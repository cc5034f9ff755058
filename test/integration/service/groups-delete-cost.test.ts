/**
 * Group DELETE at its floor: one GetItem of the group, one Query of its memberships, the batch
 * deletes, one transaction and the counter; no second read of the group, no final sweep. A
 * membership committed between the read and the delete fails the delete's version condition,
 * so the DELETE re-reads, removes it too and leaves nothing behind.
 */
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { defaultSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { deleteGroupResource } from '../../../lambdas/service/groups-service';
import type { StoreContext } from '../../../lambdas/store/context';
import { groupKey } from '../../../lambdas/store/keys';
import { writeMembershipTransaction } from '../../../lambdas/store/memberships-store';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let client: ScimTestClient;
const users: string[] = [];
const costHeaderBefore = process.env.SCIM_COST_HEADER;

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
  for (let i = 0; i < 101; i++) {
    const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName: `del${i}` } });
    users.push(res.body.id);
  }
});
afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  await client.close();
});

async function createGroup(name: string, members: readonly string[]): Promise<string> {
  const res = await client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName: name, members: members.map((value) => ({ value })) },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function partitionSize(groupId: string): Promise<number> {
  const { db, tableName } = client.table;
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': groupKey('acme', groupId).PK },
      ConsistentRead: true,
    }),
  );
  return result.Count ?? 0;
}

it('a 100-member group: 12 requests (GetItem, Query, 8 BatchWriteItem, TransactWriteItems, counter)', async () => {
  const groupId = await createGroup('Hundred', users.slice(0, 100));
  const res = await client.request('DELETE', `/Groups/${groupId}`);
  expect(res.status).toBe(204);
  const cost = parseCost(res.headers[COST_HEADER]) as DynamoCost;
  expect(cost.requests).toBe(12);
  expect(cost.byCommand).toEqual({
    GetItem: 1,
    Query: 1,
    BatchWriteItem: 8,
    TransactWriteItems: 1,
    UpdateItem: 1,
  });
  expect(await partitionSize(groupId)).toBe(0);
  expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
});

it('an empty group: 4 requests; with If-Match the claim adds 1 and the delete still succeeds', async () => {
  const plain = await createGroup('Empty', []);
  const res = await client.request('DELETE', `/Groups/${plain}`);
  expect(parseCost(res.headers[COST_HEADER])?.byCommand).toEqual({
    GetItem: 1,
    Query: 1,
    TransactWriteItems: 1,
    UpdateItem: 1,
  });
  const guarded = await createGroup('Guarded', [users[0] as string]);
  const etag = (await client.request('GET', `/Groups/${guarded}`)).headers.etag as string;
  const withIfMatch = await client.request('DELETE', `/Groups/${guarded}`, { headers: { 'If-Match': etag } });
  expect(withIfMatch.status).toBe(204);
  expect(await partitionSize(guarded)).toBe(0);
});

it('a membership committed between the read and the delete is removed too (re-read, no orphan)', async () => {
  const groupId = await createGroup('Raced', [users[1] as string]);
  const real: StoreContext = { db: client.table.db, tableName: client.table.tableName, tenant: 'acme' };
  let injected = false;
  const racing = {
    send: async (command: unknown) => {
      if (command instanceof TransactWriteCommand && !injected) {
        injected = true;
        expect(
          await writeMembershipTransaction(real, groupId, { add: [users[100] as string], remove: [] }),
        ).toEqual({ outcome: 'written' });
      }
      return client.table.db.send(command as TransactWriteCommand);
    },
  } as unknown as StoreContext['db'];
  await deleteGroupResource(
    {
      store: { ...real, db: racing },
      registry: defaultSchemaRegistry(),
      baseUrl: 'http://scim.test/scim/v2',
    },
    groupId,
  );
  expect(injected).toBe(true);
  expect(await partitionSize(groupId)).toBe(0);
  const user = await client.request('GET', `/Users/${users[100]}`);
  expect(user.body.groups ?? []).toEqual([]);
});
