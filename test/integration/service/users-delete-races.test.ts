/**
 * A member add checks its users before its transaction; a DELETE of one of them can commit in
 * between (docs/GROUPS.md, "Races"). Whichever side wins, no membership of a deleted user may
 * stay: the DELETE reads the user's refs again after removing the user, and the stream consumer
 * removes a membership it sees written for a user that is gone. Both interleavings are forced
 * with a middleware that holds one transaction until the test lets it go.
 */

import { userKey } from '../../../lambdas/store/keys';
import { localFeedWriter, localOrphanMembershipRemover } from '../../../local/feed-writer';
import type { StreamFollower } from '../../../local/stream-events';
import { storedGroupIds, storedMemberIds } from '../../support/memberships';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';
import { followTestStream } from '../../support/stream-follower';
import { holdTransaction, onTransaction } from '../../support/transaction-hook';

jest.setTimeout(60_000);

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let follower: StreamFollower;

beforeAll(async () => {
  client = await createScimTestClient();
  const { endpoint, tableName } = client.table;
  // It runs only when drained: the test must see the orphan before the consumer removes it.
  follower = await followTestStream(client.table, {
    pollMs: 3_600_000,
    sink: localFeedWriter(endpoint, tableName),
    removeOrphanMemberships: localOrphanMembershipRemover(endpoint, tableName),
  });
});
afterAll(async () => {
  await follower.stop();
  await client.close();
});

async function create(resource: 'Users' | 'Groups', body: Record<string, unknown>): Promise<string> {
  const res = await client.request('POST', `/${resource}`, { body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const addMember = (groupId: string, userId: string) =>
  client.request('PATCH', `/Groups/${groupId}`, {
    body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] },
  });

async function groupVersion(groupId: string): Promise<string> {
  const res = await client.request('GET', `/Groups/${groupId}?attributes=members`);
  expect(res.status).toBe(200);
  expect(res.body.members ?? []).toEqual([]);
  return String(res.headers.etag);
}

it('an add committed between the DELETE reading the refs and removing the user: the DELETE removes it', async () => {
  const groupId = await create('Groups', { schemas: [GROUP], displayName: 'Race before delete' });
  const userId = await create('Users', { schemas: [USER], userName: 'race.before@example.com' });
  // The user's own delete transaction (the user item, not a ref): the add lands just before it.
  const hook = onTransaction(client.runtime.db, {
    name: 'addBeforeUserDelete',
    when: 'before',
    matches: (input) => input.includes(userKey('acme', userId).PK) && !input.includes('GroupRef'),
    action: async () => {
      expect((await addMember(groupId, userId)).status).toBe(204);
    },
  });
  try {
    expect((await client.request('DELETE', `/Users/${userId}`)).status).toBe(204);
    expect(hook.fired()).toBe(true);
  } finally {
    hook.remove();
  }
  // Without the stream: the DELETE itself left nothing behind.
  expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  expect(await storedGroupIds(client.table, userId)).toEqual([]);
});

it('an add committed after the DELETE: the stream consumer removes the membership and moves the group version', async () => {
  const groupId = await create('Groups', { schemas: [GROUP], displayName: 'Race after delete' });
  const userId = await create('Users', { schemas: [USER], userName: 'race.after@example.com' });
  const held = holdTransaction(client.runtime.db, 'holdAdd', (input) => input.includes('GroupRef'));
  try {
    const adding = addMember(groupId, userId);
    await held.reached; // the add found the user; its transaction waits
    expect((await client.request('DELETE', `/Users/${userId}`)).status).toBe(204);
    held.release();
    expect((await adding).status).toBe(204);
  } finally {
    held.remove();
  }
  // The race happened: the membership of a deleted user was written.
  expect(await storedMemberIds(client.table, groupId)).toEqual([userId]);
  const before = await client.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
  await follower.drain();
  await follower.drain(); // the removal's own records
  expect(await storedMemberIds(client.table, groupId)).toEqual([]);
  expect(await storedGroupIds(client.table, userId)).toEqual([]);
  expect(await groupVersion(groupId)).not.toBe(before.headers.etag);
  // The feed tells a consumer the membership came and went.
  const feed = await client.request('GET', '/Events?count=1000', { token: client.readTokenFor('acme') });
  const memberEvents = (feed.body.events as { sub_id: { uri: string }; events: Record<string, unknown> }[])
    .filter((set) => set.sub_id.uri === `/Groups/${groupId}` && JSON.stringify(set.events).includes(userId))
    .map((set) => (JSON.stringify(set.events).includes('"remove"') ? 'removed' : 'added'));
  expect(memberEvents).toEqual(['added', 'removed']);
});
