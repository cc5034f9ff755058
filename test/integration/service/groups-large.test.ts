/**
 * A group of 10,000 members on DynamoDB Local: filling it (the last 1,000 through PATCH), what
 * one more add or remove costs (the same requests as on an empty group), reading it with and
 * without members (the response cap), and what one of its members reads as its groups. Deleting
 * a group of thousands within the request budget is groups-large-delete.test.ts. Timings are
 * printed for docs/GROUPS.md; the 100,000-member case is in `npm run bench`.
 */
import { type DynamoCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { MAX_MEMBERS_PER_RESPONSE } from '../../../lambdas/service/groups-service';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';
import { membershipItemCount, seedMemberships, seedUsers, usePatientClient } from './large-group-seed';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MEMBERS = 10_000;
const CHUNK = 1_000;

jest.setTimeout(600_000);

let client: ScimTestClient;
let users: string[];
let largeId: string;
let emptyId: string;
const timings: Record<string, number> = {};
const costHeaderBefore = process.env.SCIM_COST_HEADER;

async function timed(
  label: string,
  run: () => Promise<ScimResponse>,
): Promise<ScimResponse & { cost: DynamoCost }> {
  const started = performance.now();
  const res = await run();
  timings[label] = Math.round(performance.now() - started);
  const cost = parseCost(res.headers[COST_HEADER]);
  if (!cost) throw new Error(`no ${COST_HEADER} header on ${label}`);
  return { ...res, cost };
}

const addPatch = (ids: readonly string[]) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
});
const removePatch = (id: string) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
});

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient();
  usePatientClient(client);
  const seedStart = performance.now();
  users = await seedUsers(client, MEMBERS + 4);
  timings['seed 10,004 users (direct BatchWrite)'] = Math.round(performance.now() - seedStart);
  const create = async (displayName: string) => {
    const res = await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  largeId = await create('Large');
  emptyId = await create('Empty');
});

afterAll(async () => {
  if (costHeaderBefore === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = costHeaderBefore;
  console.log(`groups-large timings (ms) on DynamoDB Local:\n${JSON.stringify(timings, null, 2)}`);
  await client?.close();
});

it('fills a group with 10,000 members (9,000 seeded, the last 1,000 through one PATCH add)', async () => {
  // Only the group side is read here (and the groups of users[0], checked last); the DELETE of a
  // group of thousands, which needs both sides, is groups-large-delete.test.ts.
  await seedMemberships(client, largeId, users.slice(0, MEMBERS - CHUNK), users.slice(0, 1));
  const started = performance.now();
  for (let i = MEMBERS - CHUNK; i < MEMBERS; i += CHUNK) {
    const res = await client.request('PATCH', `/Groups/${largeId}`, {
      body: addPatch(users.slice(i, i + CHUNK)),
    });
    expect(res.status).toBe(204);
  }
  timings['add 1,000 members (1 PATCH of 1,000 = 21 transactions)'] = Math.round(performance.now() - started);
  expect(await membershipItemCount(client, largeId)).toBe(MEMBERS);
});

it('adding or removing one member costs the same DynamoDB requests on 10,000 members as on an empty group', async () => {
  const extra = users[MEMBERS] as string;
  const addLarge = await timed('add 1 member to the 10,000-member group', () =>
    client.request('PATCH', `/Groups/${largeId}`, { body: addPatch([extra]) }),
  );
  const addEmpty = await timed('add 1 member to an empty group', () =>
    client.request('PATCH', `/Groups/${emptyId}`, { body: addPatch([extra]) }),
  );
  expect(addLarge.status).toBe(204);
  expect(addLarge.cost.byCommand).toEqual(addEmpty.cost.byCommand);
  // 1 BatchGetItem (the user exists) + 1 TransactWriteItems (both sides + version bump).
  expect(addLarge.cost.byCommand).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });

  const removeLarge = await timed('remove 1 member from the 10,001-member group', () =>
    client.request('PATCH', `/Groups/${largeId}`, { body: removePatch(extra) }),
  );
  const removeEmpty = await timed('remove 1 member from a 1-member group', () =>
    client.request('PATCH', `/Groups/${emptyId}`, { body: removePatch(extra) }),
  );
  expect(removeLarge.status).toBe(204);
  expect(removeLarge.cost.byCommand).toEqual(removeEmpty.cost.byCommand);
  expect(removeLarge.cost.byCommand).toEqual({ TransactWriteItems: 1 });
  expect(await membershipItemCount(client, largeId)).toBe(MEMBERS);
});

it('excludedAttributes=members is one GetItem on the large group', async () => {
  const res = await timed('get with excludedAttributes=members', () =>
    client.request('GET', `/Groups/${largeId}?excludedAttributes=members`),
  );
  expect(res.status).toBe(200);
  expect(res.body).not.toHaveProperty('members');
  expect(res.cost.byCommand).toEqual({ GetItem: 1 });
});

it('GET with members returns all 10,000 (the response cap) within the 6 MB response limit', async () => {
  expect(MAX_MEMBERS_PER_RESPONSE).toBe(MEMBERS);
  const res = await timed('get with 10,000 members', () => client.request('GET', `/Groups/${largeId}`));
  expect(res.status).toBe(200);
  expect(res.body.members).toHaveLength(MEMBERS);
  expect(new Set(res.body.members.map((m: { value: string }) => m.value)).size).toBe(MEMBERS);
  expect(Buffer.byteLength(res.text)).toBeLessThan(6 * 1024 * 1024);
  timings['response bytes with 10,000 members'] = Buffer.byteLength(res.text);
});

it('past the cap, GET with members is 400 tooMany naming the alternatives; without members it still works', async () => {
  const extra = users[MEMBERS + 1] as string;
  expect((await client.request('PATCH', `/Groups/${largeId}`, { body: addPatch([extra]) })).status).toBe(204);
  const res = await client.request('GET', `/Groups/${largeId}`);
  expect(res.status).toBe(400);
  expect(res.body.scimType).toBe('tooMany');
  expect(res.body.detail).toContain('excludedAttributes=members');
  const list = await client.request('GET', '/Groups?excludedAttributes=members');
  expect(list.status).toBe(200);
  const member = await client.request(
    'GET',
    `/Groups?filter=${encodeURIComponent(`members.value eq "${extra}"`)}&excludedAttributes=members`,
  );
  expect(member.body.Resources.map((g: { id: string }) => g.id)).toEqual([largeId]);
});

it('a member of the 10,001-member group reads it among its groups (one Query of its own partition)', async () => {
  const member = users[0] as string;
  expect((await client.request('PATCH', `/Groups/${emptyId}`, { body: addPatch([member]) })).status).toBe(
    204,
  );
  const res = await timed('get a user in the 10,001-member group and one other', () =>
    client.request('GET', `/Users/${member}`),
  );
  expect(res.status).toBe(200);
  const groups = (res.body.groups as { value: string; display: string }[])
    .map(({ value, display }) => ({ value, display }))
    .sort((x, y) => x.display.localeCompare(y.display));
  expect(groups).toEqual([
    { value: emptyId, display: 'Empty' },
    { value: largeId, display: 'Large' },
  ]);
  // The group's size does not reach the user's read: its refs, then the group names.
  expect(res.cost.byCommand).toEqual({ Query: 1, BatchGetItem: 1 });
});
