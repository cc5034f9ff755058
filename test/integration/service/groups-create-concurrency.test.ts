/**
 * A POST /Groups of 200 members is written in 5 transactions (49 with the group, then 4 under
 * the group's lock). Clients that find the group by displayName meanwhile, as Okta and Entra
 * look groups up, and change or delete it must see the create as one step (docs/GROUPS.md).
 */

import { storedGroupIds, storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';
import { seedUsers } from './large-group-seed';

jest.setTimeout(120_000);

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Rounds per race; the create is found midway in most, and each test requires at least one. */
const ROUNDS = 3;

let client: ScimTestClient;
let pool: string[];

beforeAll(async () => {
  client = await createScimTestClient();
  pool = await seedUsers(client, 210);
});
afterAll(() => client.close());

const replace = (ids: string[]) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'replace', path: 'members', value: ids.map((value) => ({ value })) }],
});
const sorted = (ids: string[]) => [...ids].sort();

/**
 * Creates a group of 200 members and, as soon as a displayName look-up finds it (usually while
 * its later transactions are still being written), runs `change` on it. Without the lock and
 * the version moves, a replace mixed with those transactions and a DELETE left memberships.
 */
async function midCreate(
  round: number,
  change: (groupId: string) => Promise<{ status: number }>,
): Promise<{ created: { status: number }; changed: { status: number } | undefined; groupId?: string }> {
  const displayName = `Big create ${round} ${Math.random()}`;
  const creating = client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName, members: pool.slice(0, 200).map((value) => ({ value })) },
  });
  let done = false;
  void creating.then(() => {
    done = true;
  });
  const filter = encodeURIComponent(`displayName eq "${displayName}"`);
  while (!done) {
    const found = await client.request('GET', `/Groups?filter=${filter}&excludedAttributes=members`);
    const groupId = found.body.Resources?.[0]?.id as string | undefined;
    if (groupId !== undefined) {
      const changed = await change(groupId);
      return { created: await creating, changed, groupId };
    }
  }
  return { created: await creating, changed: undefined };
}

it('a create of 200 members is one step for a replace that finds it midway: never a mix', async () => {
  let raced = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const kept = pool.slice(200, 210);
    const { created, changed, groupId } = await midCreate(round, (id) =>
      client.request('PATCH', `/Groups/${id}`, { body: replace(kept) }),
    );
    expect(created.status).toBe(201);
    if (changed === undefined || groupId === undefined) continue;
    raced++;
    // The replace waited for the create's lock (204: the create, then the replace) or gave up
    // with 503 (the create alone).
    expect([204, 503]).toContain(changed.status);
    expect(await storedMemberIds(client.table, groupId)).toEqual(
      changed.status === 204 ? sorted(kept) : sorted(pool.slice(0, 200)),
    );
  }
  expect(raced).toBeGreaterThan(0);
});

it('a create of 200 members racing a DELETE that finds it midway leaves no membership behind', async () => {
  let raced = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { created, changed, groupId } = await midCreate(round + 10, (id) =>
      client.request('DELETE', `/Groups/${id}`),
    );
    if (changed === undefined || groupId === undefined) {
      expect(created.status).toBe(201);
      continue;
    }
    raced++;
    expect(changed.status).toBe(204);
    // The create finished first (201) or lost its group to the DELETE (409): either way the
    // group is gone with every membership, on both sides.
    expect([201, 409]).toContain(created.status);
    expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
    const refs = await Promise.all(pool.slice(0, 200).map((id) => storedGroupIds(client.table, id)));
    expect(refs.filter((groups) => groups.includes(groupId))).toEqual([]);
  }
  expect(raced).toBeGreaterThan(0);
});
