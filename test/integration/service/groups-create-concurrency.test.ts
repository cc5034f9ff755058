/**
 * A POST /Groups of 200 members is written in 5 transactions (49 with the group, then 4 under
 * the group's lock). Clients that find the group by displayName meanwhile, as Okta and Entra
 * look groups up, and change or delete it must see the create as one step (docs/GROUPS.md).
 * The interleavings are forced: a middleware on the table client holds one transaction back
 * until the test lets it go.
 */
import { groupKey } from '../../../lambdas/store/keys';
import { storedGroupIds, storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';
import { holdTransaction } from '../../support/transaction-hook';
import { seedUsers } from './large-group-seed';

jest.setTimeout(120_000);

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let pool: string[];

beforeAll(async () => {
  client = await createScimTestClient();
  pool = await seedUsers(client, 210);
});
afterAll(() => client.close());

const sorted = (ids: readonly string[]) => [...ids].sort();

/**
 * The create's second transaction, the first of its members after the 49 written with the
 * group: the second one that writes user-side membership refs.
 */
function secondMemberTransaction(): (input: string) => boolean {
  let seen = 0;
  return (input) => input.includes('"GroupRef"') && ++seen === 2;
}

async function startCreate(displayName: string) {
  const creating = client.request('POST', '/Groups', {
    body: { schemas: [GROUP], displayName, members: pool.slice(0, 200).map((value) => ({ value })) },
  });
  return creating;
}

async function groupIdByName(displayName: string): Promise<string> {
  const filter = encodeURIComponent(`displayName eq "${displayName}"`);
  const found = await client.request('GET', `/Groups?filter=${filter}&excludedAttributes=members`);
  const id = found.body.Resources?.[0]?.id as string | undefined;
  if (id === undefined) throw new Error(`no group ${displayName}`);
  return id;
}

it('a replace that finds a 200-member create midway waits for it (503 while locked), never mixes with it', async () => {
  const held = holdTransaction(client.runtime.db, 'holdCreate', secondMemberTransaction());
  try {
    const creating = startCreate('Create then replace');
    await held.reached;
    // The group exists with its first 49 members; the other 151 are held back.
    const groupId = await groupIdByName('Create then replace');
    expect(await storedMemberIds(client.table, groupId)).toHaveLength(49);
    const kept = pool.slice(200, 210);
    const replaced = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'members', value: kept.map((value) => ({ value })) }],
      },
    });
    // The create holds the group's lock: the replace is retried, then told to come back.
    expect(replaced.status).toBe(503);
    expect(replaced.headers['retry-after']).toBeDefined();
    held.release();
    expect((await creating).status).toBe(201);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted(pool.slice(0, 200)));
    // Its retry after the create: the create, then the replace.
    const retried = await client.request('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'members', value: kept.map((value) => ({ value })) }],
      },
    });
    expect(retried.status).toBe(204);
    expect(await storedMemberIds(client.table, groupId)).toEqual(sorted(kept));
  } finally {
    held.release();
    held.remove();
  }
});

it('a DELETE that removed the members it saw before more of a create landed leaves no membership behind', async () => {
  const create = holdTransaction(client.runtime.db, 'holdCreate', secondMemberTransaction());
  let remove: ReturnType<typeof holdTransaction> | undefined;
  try {
    const creating = startCreate('Create then delete');
    await create.reached;
    const groupId = await groupIdByName('Create then delete');
    const groupItem = JSON.stringify({ S: groupKey('acme', groupId).PK });
    // The DELETE's last step, the group item and its name guard, is held back in turn.
    remove = holdTransaction(
      client.runtime.db,
      'holdDelete',
      (input) => input.includes('"Delete"') && input.includes(groupItem) && input.includes('"SK":{"S":"G"}'),
    );
    const deleting = client.request('DELETE', `/Groups/${groupId}`);
    await remove.reached;
    // The DELETE has removed the 49 members it read; now the rest of the create lands.
    create.release();
    expect((await creating).status).toBe(201);
    remove.release();
    // Those transactions moved the version the DELETE was conditional on: it re-read and removed them too.
    expect((await deleting).status).toBe(204);
    expect((await client.request('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
    const refs = await Promise.all(pool.slice(0, 200).map((id) => storedGroupIds(client.table, id)));
    expect(refs.filter((groups) => groups.includes(groupId))).toEqual([]);
  } finally {
    create.release();
    create.remove();
    remove?.release();
    remove?.remove();
  }
});

it('a DELETE that wins before the rest of a create: the POST answers 409, nothing is left, and the group count is even', async () => {
  const total = async () => (await client.request('GET', '/Groups?count=0')).body.totalResults as number;
  const before = await total();
  const held = holdTransaction(client.runtime.db, 'holdCreate', secondMemberTransaction());
  try {
    const creating = startCreate('Create lost to delete');
    await held.reached;
    const groupId = await groupIdByName('Create lost to delete');
    expect((await client.request('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    held.release();
    const created = await creating;
    expect(created.status).toBe(409);
    expect(created.body.detail).toContain('deleted by another request');
    expect(await storedMemberIds(client.table, groupId)).toEqual([]);
    const refs = await Promise.all(pool.slice(0, 200).map((id) => storedGroupIds(client.table, id)));
    expect(refs.filter((groups) => groups.includes(groupId))).toEqual([]);
    // Counted in by the create, out by the DELETE.
    expect(await total()).toBe(before);
  } finally {
    held.release();
    held.remove();
  }
});
