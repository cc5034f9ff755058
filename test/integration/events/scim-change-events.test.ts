/**
 * Issue 10 acceptance: SCIM operations through the real handlers, the table's stream on DynamoDB
 * Local, the same mapping the Lambda publisher uses: each operation yields exactly the expected
 * events, in order per resource, and a replayed batch yields no new event ids.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChangeEvent } from '../../../lambdas/events/change-events';
import { localDynamoCredentials } from '../../../lambdas/store/client';
import { followTableStream, type StreamFollower } from '../../../local/stream-events';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;
let follower: StreamFollower;
const events: ChangeEvent[] = [];

beforeAll(async () => {
  client = await createScimTestClient({ tenants: ['acme'] });
  const admin = new DynamoDBClient({
    endpoint: client.table.endpoint,
    region: 'us-east-1',
    credentials: localDynamoCredentials(),
  });
  follower = await followTableStream({
    admin,
    endpoint: client.table.endpoint,
    tableName: client.table.tableName,
    sink: { publish: async (batch) => void events.push(...batch) },
    pollMs: 100,
  });
});
afterAll(async () => {
  await follower.stop();
  await client.close();
});

async function settle(expectedCount: number): Promise<void> {
  for (let i = 0; i < 100 && events.length < expectedCount; i++) {
    await follower.drain().catch(() => undefined);
    if (events.length < expectedCount) await new Promise((r) => setTimeout(r, 50));
  }
  await follower.drain().catch(() => undefined);
}

it('an Okta-style lifecycle produces exactly the expected events, in order per resource', async () => {
  const patch = (path: string, body: unknown) => client.request('PATCH', path, { body });
  const user = (
    await client.request('POST', '/Users', { body: { userName: 'ada@example.com', active: true } })
  ).body;
  await patch(`/Users/${user.id}`, { Operations: [{ op: 'replace', value: { title: 'Engineer' } }] });
  await patch(`/Users/${user.id}`, { Operations: [{ op: 'replace', value: { active: false } }] });
  await patch(`/Users/${user.id}`, { Operations: [{ op: 'replace', value: { active: true } }] });
  const group = (
    await client.request('POST', '/Groups', { body: { displayName: 'Eng', members: [{ value: user.id }] } })
  ).body;
  await patch(`/Groups/${group.id}`, {
    Operations: [{ op: 'replace', value: { id: group.id, displayName: 'Engineering' } }],
  });
  await patch(`/Groups/${group.id}`, {
    Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }],
  });
  await patch(`/Groups/${group.id}`, {
    Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
  });
  expect((await client.request('DELETE', `/Users/${user.id}`)).status).toBe(204);
  expect((await client.request('DELETE', `/Groups/${group.id}`)).status).toBe(204);

  // Wait for the 12 expected events; settle's final drain then reads whatever else those
  // writes produced, so an extra event would still be caught (waiting for a 13th only spent the
  // whole polling budget, and ran past the test timeout on a loaded machine).
  await settle(12);
  const of = (id: string) => events.filter((e) => e.detail.resourceId === id).map((e) => e.type);
  expect(of(user.id)).toEqual([
    'User Created',
    'User Updated',
    'User Deactivated',
    'User Reactivated',
    'User Deleted',
  ]);
  expect(events.find((e) => e.type === 'User Updated')?.detail.changedAttributes).toEqual(['title']);
  // Group and membership events are about the group; membership changes also bump its version,
  // which changes no attribute and so emits nothing of its own.
  expect(of(group.id)).toEqual([
    'Group Created',
    'Group Member Added',
    'Group Renamed',
    'Group Member Removed',
    'Group Member Added',
    'Group Member Removed', // the user's deletion removes its membership
    'Group Deleted',
  ]);
  expect(events.find((e) => e.type === 'Group Renamed')?.detail).toMatchObject({
    displayName: 'Engineering',
    previousDisplayName: 'Eng',
  });
  expect(events).toHaveLength(12);
  expect(new Set(events.map((e) => e.detail.eventId)).size).toBe(events.length);
  // No personal data beyond the identifying name unless the deployment opts in.
  expect(events.every((e) => e.detail.resource === undefined)).toBe(true);
});

it('a failed request emits nothing', async () => {
  const before = events.length;
  expect((await client.request('POST', '/Users', { body: { displayName: 'no userName' } })).status).toBe(400);
  expect(
    (
      await client.request('PATCH', '/Users/01a20000-0000-7000-8000-000000000000', {
        body: { Operations: [] },
      })
    ).status,
  ).toBe(404);
  await settle(before);
  expect(events.length).toBe(before);
});
