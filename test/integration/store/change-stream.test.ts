import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '../../../lambdas/events/change-events';
import type { EventSink } from '../../../lambdas/events/event-sink';
import { groupKey, membershipKey, userKey } from '../../../lambdas/store/keys';
import type { StreamFollower } from '../../../local/stream-events';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { followTestStream } from '../../support/stream-follower';

let table: TestTable;
let follower: StreamFollower;
const received: ChangeEvent[] = [];
let failNext = 0;
const sink: EventSink = {
  async publish(events) {
    if (failNext > 0) {
      failNext--;
      throw new Error('sink unavailable');
    }
    received.push(...events);
  },
};

beforeAll(async () => {
  table = await createTestTable('stream');
  follower = await followTestStream(table, { sink });
});
afterAll(async () => {
  await follower.stop();
  await table.drop();
});

async function eventually(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !predicate(); i++) {
    await follower.drain().catch(() => undefined);
    if (!predicate()) await new Promise((r) => setTimeout(r, 50));
  }
}

it('DynamoDB Local stream → ordered change events for a user and a group lifecycle', async () => {
  const put = (item: Record<string, unknown>) =>
    table.db.send(new PutCommand({ TableName: table.tableName, Item: item }));
  const t = '2026-11-23T10:00:00.000Z';
  await put({
    ...userKey('acme', 'u1'),
    type: 'User',
    id: 'u1',
    version: 1,
    lastModified: t,
    resource: { userName: 'ada', active: true },
  });
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: userKey('acme', 'u1'),
      UpdateExpression: 'SET #r.#a = :f, version = :v',
      ExpressionAttributeNames: { '#r': 'resource', '#a': 'active' },
      ExpressionAttributeValues: { ':f': false, ':v': 2 },
    }),
  );
  await put({
    ...groupKey('acme', 'g1'),
    type: 'Group',
    id: 'g1',
    version: 1,
    lastModified: t,
    resource: { displayName: 'Eng' },
  });
  await put({ ...membershipKey('acme', 'g1', 'u1'), type: 'Membership' });
  await table.db.send(
    new DeleteCommand({ TableName: table.tableName, Key: membershipKey('acme', 'g1', 'u1') }),
  );
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: userKey('acme', 'u1') }));

  await eventually(() => received.length >= 6);
  expect(received.map((e) => `${e.type} ${e.detail.resourceId}`)).toEqual([
    'User Created u1',
    'User Deactivated u1',
    'Group Created g1',
    'Group Member Added g1',
    'Group Member Removed g1',
    'User Deleted u1',
  ]);
  expect(new Set(received.map((e) => e.detail.eventId)).size).toBe(6);
});

it('a failed publish is retried from the same records, so no event is lost', async () => {
  received.length = 0;
  failNext = 1;
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...groupKey('acme', 'g2'),
        type: 'Group',
        id: 'g2',
        version: 1,
        resource: { displayName: 'Ops' },
      },
    }),
  );
  await eventually(() => received.length >= 1);
  expect(received.map((e) => e.type)).toEqual(['Group Created']);
});

it('drain() publishes every record written so far, past the 1,000 records one GetRecords page holds', async () => {
  const paged = await createTestTable('stream-pages');
  const events: ChangeEvent[] = [];
  // No timer polls during the test: only drain() reads the stream.
  const quiet = await followTestStream(paged, {
    sink: { publish: async (batch) => void events.push(...batch) },
    pollMs: 3_600_000,
  });
  try {
    const users = Array.from({ length: 1_100 }, (_, i) => ({
      ...userKey('acme', `u${i}`),
      type: 'User',
      id: `u${i}`,
      version: 1,
      lastModified: '2026-12-05T10:00:00.000Z',
      resource: { userName: `user${i}` },
    }));
    for (let i = 0; i < users.length; i += 25) {
      await paged.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [paged.tableName]: users.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
    }
    await quiet.drain();
    expect(events.filter((e) => e.type === 'User Created').length).toBe(users.length);
  } finally {
    await quiet.stop();
    await paged.drop();
  }
});
