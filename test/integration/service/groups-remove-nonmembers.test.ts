/**
 * Removing a non-member writes nothing and bumps nothing (issue #19 finding 10): the group-side
 * Delete of each removal is conditional on the membership, a transaction cancelled only by
 * those conditions is re-sent without them, and once non-members are met the rest of a large
 * removal is checked with BatchGetItem instead of one cancelled transaction per 49 ids.
 * Request counts from the handler's cost header.
 */
import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { uuidv7 } from '../../../lambdas/store/ids';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The activity record's PutItem: the item and its resource-history index entry (GSI2). */
const ACTIVITY_WCU = 2;

let client: ScimTestClient;
const previous = process.env.SCIM_COST_HEADER;
beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
});
afterAll(async () => {
  if (previous === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = previous;
  await client.close();
});

const costOf = (res: ScimResponse): DynamoCost => {
  const cost = parseCost(res.headers[COST_HEADER]);
  if (!cost) throw new Error('no cost header');
  return cost;
};

async function user(userName: string): Promise<string> {
  const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function group(displayName: string, members: string[]): Promise<string> {
  const res = await client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const remove = (groupId: string, ids: string[], ifMatch?: string) =>
  client.request('PATCH', `/Groups/${groupId}`, {
    body: {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members', value: ids.map((value) => ({ value })) }],
    },
    ...(ifMatch ? { headers: { 'If-Match': ifMatch } } : {}),
  });

async function state(groupId: string): Promise<{ version: string; members: string[] }> {
  const res = await client.request('GET', `/Groups/${groupId}`);
  expect(res.status).toBe(200);
  return {
    version: res.body.meta.version as string,
    members: ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort(),
  };
}

it('remove 1 member: one TransactWriteItems, as before', async () => {
  const u = await user('rm.member@example.com');
  const g = await group('rm-member', [u]);
  const res = await remove(g, [u]);
  expect(res.status).toBe(204);
  expect(costOf(res).byCommand).toEqual({ TransactWriteItems: 1 });
  expect((await state(g)).members).toEqual([]);
});

it('remove 1 non-member: one cancelled transaction, nothing written, no version bump', async () => {
  const member = await user('keep.member@example.com');
  const stranger = await user('stranger@example.com');
  const g = await group('rm-stranger', [member]);
  const before = await state(g);
  const res = await remove(g, [stranger]);
  expect(res.status).toBe(204);
  const cost = costOf(res);
  // The cancelled transaction wrote nothing, so the activity record is a PutItem of its own.
  expect(cost.byCommand).toEqual({ TransactWriteItems: 1, PutItem: 1 });
  expect(cost.writeCapacityUnits).toBe(ACTIVITY_WCU);
  expect(await state(g)).toEqual(before);
});

it('remove a member and a non-member: the member goes, one version bump', async () => {
  const a = await user('mixed.a@example.com');
  const b = await user('mixed.b@example.com');
  const stranger = await user('mixed.stranger@example.com');
  const g = await group('rm-mixed', [a, b]);
  const before = await state(g);
  const res = await remove(g, [a, stranger]);
  expect(res.status).toBe(204);
  expect(costOf(res).byCommand).toEqual({ TransactWriteItems: 2 });
  const after = await state(g);
  expect(after.members).toEqual([b]);
  expect(after.version).not.toBe(before.version);
  // Exactly one bump: an If-Match of the next version is accepted after it.
  const v = Number(JSON.parse(before.version.replace(/^W\//, '')));
  expect(after.version).toBe(`W/"${v + 1}"`);
});

it('remove 10,000 non-members: ≪ 205 transactions, nothing written, no version bump', async () => {
  const member = await user('big.keep@example.com');
  const g = await group('rm-10000', [member]);
  const before = await state(g);
  const ids = Array.from({ length: 10_000 }, () => uuidv7());
  const res = await remove(g, ids);
  expect(res.status).toBe(204);
  const cost = costOf(res);
  expect(cost.byCommand.TransactWriteItems).toBe(1);
  expect(cost.byCommand.BatchGetItem ?? 0).toBeLessThanOrEqual(100);
  expect(cost.byCommand.PutItem).toBe(1); // the activity record
  expect(cost.requests).toBeLessThanOrEqual(102);
  expect(cost.writeCapacityUnits).toBe(ACTIVITY_WCU);
  expect(await state(g)).toEqual(before);
}, 60_000);

it('If-Match is still checked when nothing is removed: the current version is 204 with that ETag, a stale one 412', async () => {
  const member = await user('ifm.keep@example.com');
  const stranger = await user('ifm.stranger@example.com');
  const g = await group('rm-ifmatch', [member]);
  const before = await state(g);
  const ok = await remove(g, [stranger], before.version);
  expect(ok.status).toBe(204);
  expect(ok.headers.etag).toBe(before.version);
  const stale = await remove(g, [stranger], 'W/"999"');
  expect(stale.status).toBe(412);
  expect(await state(g)).toEqual(before);
});

it('remove from a missing group is still 404', async () => {
  const stranger = await user('missing.stranger@example.com');
  expect((await remove(uuidv7(), [stranger])).status).toBe(404);
});
