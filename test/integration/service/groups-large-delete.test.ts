/**
 * Deleting a group of thousands of members through the handler on DynamoDB Local: every DELETE
 * request stays well within API Gateway's 29 s (past its budget a DELETE answers 503 +
 * Retry-After and the retry continues), both sides of every membership end up removed, and its
 * members read their groups correctly before and after. The budget logic itself, with an
 * injected budget of 0, is in test/integration/store/memberships-store.test.ts.
 */
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';
import {
  groupRefCount,
  membershipItemCount,
  seedMemberships,
  seedUsers,
  usePatientClient,
} from './large-group-seed';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Thousands of memberships: 20 slices of the store's clean-up and 160 BatchWriteItem. */
const MEMBERS = 2_000;

jest.setTimeout(300_000);

let client: ScimTestClient;
let users: string[];
let largeId: string;
let smallId: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  client = await createScimTestClient();
  usePatientClient(client);
  const seedStart = performance.now();
  users = await seedUsers(client, MEMBERS);
  const create = async (displayName: string) => {
    const res = await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  largeId = await create('Thousands');
  smallId = await create('Small');
  await seedMemberships(client, largeId, users);
  timings[`seed ${MEMBERS} users and their memberships (direct BatchWrite)`] = Math.round(
    performance.now() - seedStart,
  );
  // Two of the members also belong to a small group, which the DELETE must leave alone.
  const add = await client.request('PATCH', `/Groups/${smallId}`, {
    body: {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: users.slice(0, 2).map((value) => ({ value })) }],
    },
  });
  expect(add.status).toBe(204);
});

afterAll(async () => {
  console.log(`groups-large-delete timings (ms) on DynamoDB Local:\n${JSON.stringify(timings, null, 2)}`);
  await client?.close();
});

async function groupsOf(userId: string): Promise<string[]> {
  const res = await client.request('GET', `/Users/${userId}`);
  expect(res.status).toBe(200);
  return ((res.body.groups ?? []) as { value: string; display: string }[])
    .map((g) => `${g.display} ${g.value}`)
    .sort();
}

it(`the group holds ${MEMBERS} members, both sides, and its members read it among their groups`, async () => {
  expect(await membershipItemCount(client, largeId)).toBe(MEMBERS);
  expect(await groupRefCount(client, largeId)).toBe(MEMBERS);
  expect(await groupsOf(users[0] as string)).toEqual([`Small ${smallId}`, `Thousands ${largeId}`]);
  expect(await groupsOf(users[MEMBERS - 1] as string)).toEqual([`Thousands ${largeId}`]);
});

it(`DELETE removes the group and all ${MEMBERS} memberships (both sides), each request well within 29 s`, async () => {
  // A DELETE that runs out of its 20 s budget answers 503 + Retry-After and the client retries
  // (on an idle machine one request is enough). How many retries depends on how busy DynamoDB
  // Local is, so the test asks what matters: every attempt stays under 29 s and makes progress,
  // and the last one is 204.
  const started = performance.now();
  let attempts = 0;
  let remaining = await membershipItemCount(client, largeId);
  let res: ScimResponse;
  for (;;) {
    attempts++;
    const attemptStart = performance.now();
    res = await client.request('DELETE', `/Groups/${largeId}`);
    const took = Math.round(performance.now() - attemptStart);
    timings[`delete the ${MEMBERS}-member group, attempt ${attempts}`] = took;
    expect(took).toBeLessThan(29_000);
    if (res.status !== 503) break;
    expect(res.headers['retry-after']).toBeDefined();
    const now = await membershipItemCount(client, largeId);
    expect(now).toBeLessThan(remaining); // each attempt removes something
    remaining = now;
  }
  timings[`delete the ${MEMBERS}-member group, total`] = Math.round(performance.now() - started);
  expect(res.status).toBe(204);
  expect(await membershipItemCount(client, largeId)).toBe(0);
  expect(await groupRefCount(client, largeId)).toBe(0);
  expect((await client.request('GET', `/Groups/${largeId}`)).status).toBe(404);
});

it('after the DELETE its former members read only the groups they still belong to', async () => {
  expect(await groupsOf(users[0] as string)).toEqual([`Small ${smallId}`]);
  expect(await groupsOf(users[1] as string)).toEqual([`Small ${smallId}`]);
  expect(await groupsOf(users[MEMBERS - 1] as string)).toEqual([]);
  const small = await client.request('GET', `/Groups/${smallId}`);
  expect(small.body.members.map((m: { value: string }) => m.value).sort()).toEqual(users.slice(0, 2).sort());
  expect(await groupRefCount(client, smallId)).toBe(2);
});
