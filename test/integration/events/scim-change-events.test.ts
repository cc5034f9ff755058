/**
 * Issue 10 acceptance: SCIM operations through the real handlers, the table's stream on DynamoDB
 * Local, the same mapping the Lambda publisher uses: each operation yields exactly the expected
 * events, in order per resource, and a replayed batch yields no new event ids.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ChangeEvent, changeEventsOf, parseItemKey } from '../../../lambdas/events/change-events';
import type { SequencedChange } from '../../../lambdas/events/stream-batch';
import { carriedActivityItem } from '../../../lambdas/store/activity-store';
import { localDynamoCredentials } from '../../../lambdas/store/client';
import { feedEntryKey, isChangeItemSortKey } from '../../../lambdas/store/keys';
import { followTableStream, type StreamFollower } from '../../../local/stream-events';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;
let follower: StreamFollower;
const events: ChangeEvent[] = [];
/** Every record the stream carried, whether or not the event filter passed it to the consumer. */
const records: SequencedChange[] = [];

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
    // Only drain() polls (settle below): a timer poll between a write and drain() would take
    // the invocation the filter test counts.
    pollMs: 3_600_000,
    onChanges: (changes) => void records.push(...changes),
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

it("the stream's event filter passes every record the consumer acts on and nothing else", async () => {
  const image = (c: SequencedChange) => c.newImage ?? c.oldImage ?? {};
  const actsOn = (c: SequencedChange): boolean =>
    changeEventsOf(c).length > 0 ||
    carriedActivityItem(c.oldImage, c.newImage) !== undefined ||
    parseItemKey(image(c).PK, image(c).SK)?.kind === 'Membership';
  // The lifecycle above wrote users, groups, memberships, guards, refs, counters, activity.
  await follower.drain();
  const acted = records.filter(actsOn);
  expect(acted.length).toBeGreaterThanOrEqual(12);
  expect(acted.filter((c) => !isChangeItemSortKey(image(c).SK))).toEqual([]);
  // ...and it dropped the rest: uniqueness guards, user-side membership refs, counter shards,
  // activity records.
  const shapeOf = (sk: unknown): string =>
    (
      [
        [/^#$/, 'guard'],
        [/^G#[0-9a-f-]{36}$/, 'group ref'],
        [/^\d$/, 'counter shard'],
        [/^\d{4}-\d\d-\d\dT[\d:.]+Z#[0-9a-f]{8}$/, 'activity'],
      ] as const
    ).find(([pattern]) => pattern.test(String(sk)))?.[1] ?? String(sk);
  const dropped = new Set(
    records.filter((c) => !isChangeItemSortKey(image(c).SK)).map((c) => shapeOf(image(c).SK)),
  );
  expect(dropped).toEqual(new Set(['guard', 'group ref', 'counter shard', 'activity']));

  // One invocation for a user's write; none for an item the consumer does not act on (a feed
  // entry, as its own writes are), though the stream carries it (local webhooks see it).
  const user = await client.request('POST', '/Users', { body: { userName: 'filter@example.com' } });
  expect(await follower.drain()).toBe(1);
  const seen = records.length;
  await client.table.db.send(
    new PutCommand({ TableName: client.table.tableName, Item: { ...feedEntryKey('acme', 1), set: {} } }),
  );
  expect(await follower.drain()).toBe(0);
  expect(records.slice(seen).map((c) => image(c).SK)).toEqual([feedEntryKey('acme', 1).SK]);
  expect(events.some((e) => e.detail.resourceId === user.body.id)).toBe(true);
});

it('a failed publish still hands onChanges (local webhooks) every record before the failure, and each record once', async () => {
  const admin = new DynamoDBClient({
    endpoint: client.table.endpoint,
    region: 'us-east-1',
    credentials: localDynamoCredentials(),
  });
  let failNext = true;
  const handed: string[] = [];
  const second = await followTableStream({
    admin,
    endpoint: client.table.endpoint,
    tableName: client.table.tableName,
    sink: {
      publish: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected');
        }
      },
    },
    pollMs: 3_600_000,
    onChanges: (changes) => void handed.push(...changes.map((c) => String((c.newImage ?? c.oldImage)?.SK))),
  });
  try {
    // One stream page: a feed entry (the filter drops it), then a user (it passes, and fails).
    const entry = feedEntryKey('acme', 2);
    await client.table.db.send(
      new PutCommand({ TableName: client.table.tableName, Item: { ...entry, set: {} } }),
    );
    await client.request('POST', '/Users', { body: { userName: 'fails-once@example.com' } });
    await expect(second.drain()).rejects.toThrow('injected');
    expect(handed).toEqual([entry.SK]);
    expect(await second.drain()).toBe(1);
    expect(handed.filter((sk) => sk === entry.SK)).toHaveLength(1);
    expect(handed).toContain('U');
  } finally {
    await second.stop();
    admin.destroy();
  }
});
