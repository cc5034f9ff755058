/**
 * A successful write's activity record rides along with the write itself: in its transaction,
 * or stamped on the single item it writes for the stream consumer (activityFromStream) — no
 * DynamoDB request of its own, and still exactly one record per request, saying what the client
 * was answered. Requests that write nothing else (rejected, no-op, a transaction with no room)
 * pay one PutItem; `activityWithWrite: false` is the old separate write.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { PATCH_OP_SCHEMA } from '../../../lambdas/scim/patch';
import { GROUP_SCHEMA } from '../../../lambdas/scim/schema/group-schema';
import { USER_SCHEMA } from '../../../lambdas/scim/schema/user-schema';
import {
  ACTIVITY_STAMP,
  type ActivityRecord,
  carriedActivityItem,
  listActivity,
  requestActivity,
  writeCarriedActivity,
} from '../../../lambdas/store/activity-store';
import { userKey } from '../../../lambdas/store/keys';
import type { StreamFollower } from '../../../local/stream-events';
import { patchRecord } from '../../support/activity-records';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';
import { followTestStream } from '../../support/stream-follower';

let client: ScimTestClient;
let separate: ScimTestClient;
const savedCostHeader = process.env.SCIM_COST_HEADER;

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  [client, separate] = await Promise.all([
    createScimTestClient(),
    createScimTestClient({ settings: { activityWithWrite: false } }),
  ]);
});
afterAll(async () => {
  if (savedCostHeader === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = savedCostHeader;
  await Promise.all([client.close(), separate.close()]);
});

const commandsOf = (res: ScimResponse) => parseCost(res.headers[COST_HEADER])?.byCommand;

async function createUser(on: ScimTestClient, userName: string): Promise<string> {
  const res = await on.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function createGroup(on: ScimTestClient, displayName: string, members: string[] = []): Promise<string> {
  const res = await on.request('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** The records of one resource since `since`, oldest first. */
/** PATCH replace of one attribute (title): the write every mode of the record is compared on. */
async function patchTitle(on: ScimTestClient, id: string, title: string): Promise<ScimResponse> {
  const res = await on.request('PATCH', `/Users/${id}`, {
    body: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: title }] },
  });
  expect(res.status).toBe(200);
  return res;
}

async function recordsOf(on: ScimTestClient, resourceId: string, since: Date): Promise<ActivityRecord[]> {
  const records = await listActivity(on.table.db, on.table.tableName, { tenant: 'acme', since, resourceId });
  return records.reverse();
}

/** A hand-made record of resource `resourceId`, for the store-level checks. */
const recordOf = (resourceId: string, status: number): ActivityRecord =>
  patchRecord('acme', resourceId, status);

const addMembers = (ids: string[]) => ({
  schemas: [PATCH_OP_SCHEMA],
  Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
});

describe('without a stream consumer: the record rides in transactions', () => {
  it('PATCH one attribute keeps its PutItem and the record is a PutItem of its own, saying 200 and the attribute', async () => {
    const id = await createUser(client, 'ride.patch@example.com');
    const since = new Date();
    const res = await patchTitle(client, id, 'CTO');
    // A transaction of the user and its record would be slower and cost twice the write units.
    expect(commandsOf(res)).toEqual({ Query: 1, PutItem: 2 });
    const records = await recordsOf(client, id, since);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      method: 'PATCH',
      operation: 'patch',
      status: 200,
      resourceType: 'User',
      changedAttributes: ['title'],
      tokenId: 'tok-acme',
    });
  });

  it('add 1 member: 1 BatchGetItem + 1 transaction, the record says 204', async () => {
    const user = await createUser(client, 'ride.member@example.com');
    const group = await createGroup(client, 'Ride members');
    const since = new Date();
    const res = await client.request('PATCH', `/Groups/${group}`, { body: addMembers([user]) });
    expect(res.status).toBe(204);
    expect(commandsOf(res)).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    expect((await recordsOf(client, group, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'PATCH 204',
    ]);
  });

  it('a group PATCH that asks for attributes is answered 200, and so says its record, still without a PutItem', async () => {
    const user = await createUser(client, 'ride.attrs@example.com');
    const group = await createGroup(client, 'Ride attributes');
    const since = new Date();
    const res = await client.request('PATCH', `/Groups/${group}?attributes=displayName`, {
      body: addMembers([user]),
    });
    expect(res.status).toBe(200);
    expect(commandsOf(res)?.PutItem).toBeUndefined();
    expect((await recordsOf(client, group, since)).map((r) => r.status)).toEqual([200]);
  });

  it('create and delete: their transactions carry the record; a group attribute PATCH writes it on its own', async () => {
    const since = new Date();
    const created = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Ride lifecycle' },
    });
    expect(created.status).toBe(201);
    expect(commandsOf(created)).toEqual({ TransactWriteItems: 1, UpdateItem: 1 });
    const id = created.body.id;
    const patched = await client.request('PATCH', `/Groups/${id}`, {
      body: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'externalId', value: 'x-1' }] },
    });
    expect(patched.status).toBe(204);
    expect(commandsOf(patched)).toEqual({ GetItem: 1, UpdateItem: 1, PutItem: 1 });
    expect(patched.headers.etag).toBe((await client.request('GET', `/Groups/${id}`)).headers.etag);
    const deleted = await client.request('DELETE', `/Groups/${id}`);
    expect(deleted.status).toBe(204);
    expect(commandsOf(deleted)?.PutItem).toBeUndefined();
    expect((await recordsOf(client, id, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'PATCH 204',
      'DELETE 204',
    ]);
  });

  it('100 members in 3 transactions are one record; a create whose transaction is full pays one PutItem', async () => {
    const users: string[] = [];
    for (let i = 0; i < 100; i++) users.push(await createUser(client, `ride.many${i}@example.com`));
    const since = new Date();
    const group = await createGroup(client, 'Ride many');
    const add = await client.request('PATCH', `/Groups/${group}`, { body: addMembers(users) });
    expect(add.status).toBe(204);
    expect(commandsOf(add)).toEqual({ BatchGetItem: 1, TransactWriteItems: 3 });
    // 49 members fill the create's transaction (100 actions): the record is written on its own.
    const full = await client.request('POST', '/Groups', {
      body: {
        schemas: [GROUP_SCHEMA],
        displayName: 'Ride full',
        members: users.slice(0, 49).map((value) => ({ value })),
      },
    });
    expect(full.status).toBe(201);
    expect(commandsOf(full)?.PutItem).toBe(1);
    expect((await recordsOf(client, group, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'PATCH 204',
    ]);
    expect((await recordsOf(client, full.body.id, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
    ]);
  });

  it('a write that fails writes its record on its own, with the error', async () => {
    const id = await createUser(client, 'ride.taken@example.com');
    await createUser(client, 'ride.other@example.com');
    const since = new Date();
    const res = await client.request('PATCH', `/Users/${id}`, {
      body: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'replace', path: 'userName', value: 'ride.other@example.com' }],
      },
    });
    expect(res.status).toBe(409);
    expect(commandsOf(res)).toEqual({ Query: 1, TransactWriteItems: 1, PutItem: 1 });
    expect(await recordsOf(client, id, since)).toEqual([
      expect.objectContaining({ status: 409, scimType: 'uniqueness', changedAttributes: ['userName'] }),
    ]);
  });

  it('activityWithWrite: false keeps the separate PutItem, with the same records', async () => {
    const id = await createUser(separate, 'ride.separate@example.com');
    const since = new Date();
    const res = await patchTitle(separate, id, 'CFO');
    expect(commandsOf(res)).toEqual({ Query: 1, PutItem: 2 });
    expect(await recordsOf(separate, id, since)).toEqual([
      expect.objectContaining({ status: 200, changedAttributes: ['title'] }),
    ]);
  });
});

describe('the companion write in the store', () => {
  it('an answer other than the one carried replaces the record (same key), never adds one', async () => {
    const since = new Date(Date.now() - 1000);
    const activity = requestActivity(client.table.db, client.table.tableName, 1, () =>
      recordOf('companion-test', 204),
    );
    const item = activity.pending('companion-test');
    expect(item).toBeDefined();
    await client.table.db.send(new PutCommand({ TableName: client.table.tableName, Item: item }));
    activity.committed();
    expect(activity.pending('companion-test')).toBeUndefined();
    await activity.finish(recordOf('companion-test', 503));
    expect((await recordsOf(client, 'companion-test', since)).map((r) => r.status)).toEqual([503]);
  });
});

describe('a single write stamps its record for the stream consumer (changeEvents on)', () => {
  let streamed: ScimTestClient;
  let follower: StreamFollower;
  beforeAll(async () => {
    streamed = await createScimTestClient({ settings: { activityFromStream: true } });
    const { db, tableName } = streamed.table;
    follower = await followTestStream(streamed.table, {
      sink: { publish: async () => undefined },
      writeActivity: (items) => writeCarriedActivity(db, tableName, items),
    });
  });
  afterAll(async () => {
    await follower.stop();
    await streamed.close();
  });

  it('PATCH one attribute: 1 Query + 1 PutItem; the consumer writes its one record', async () => {
    const id = await createUser(streamed, 'stamp.patch@example.com');
    const since = new Date();
    const res = await patchTitle(streamed, id, 'COO');
    expect(commandsOf(res)).toEqual({ Query: 1, PutItem: 1 });
    // Nothing in the log until the stream is read; the stamp is on the user item, not in its body.
    expect(await recordsOf(streamed, id, since)).toEqual([]);
    expect(JSON.stringify((await streamed.request('GET', `/Users/${id}`)).body)).not.toContain(
      'activityStamp',
    );
    await follower.drain();
    expect(await recordsOf(streamed, id, since)).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        status: 200,
        changedAttributes: ['title'],
        tokenId: 'tok-acme',
      }),
    ]);
  });

  it('a group attribute PATCH is 1 GetItem + 1 UpdateItem; a later member change adds its own record, not a copy', async () => {
    const user = await createUser(streamed, 'stamp.member@example.com');
    const group = await createGroup(streamed, 'Stamp group');
    const since = new Date();
    const patched = await streamed.request('PATCH', `/Groups/${group}`, {
      body: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'replace', path: 'externalId', value: 'ext-9' }],
      },
    });
    expect(patched.status).toBe(204);
    expect(commandsOf(patched)).toEqual({ GetItem: 1, UpdateItem: 1 });
    const added = await streamed.request('PATCH', `/Groups/${group}`, { body: addMembers([user]) });
    expect(added.status).toBe(204);
    expect(commandsOf(added)).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    await follower.drain();
    await follower.drain();
    expect(
      (await recordsOf(streamed, group, since)).map((r) => `${r.method} ${r.status} ${r.changedAttributes}`),
    ).toEqual(['PATCH 204 externalId', 'PATCH 204 members']);
  });

  it('transactions stamp the item they put or update (no item of their own); a delete carries its record as a Put', async () => {
    const since = new Date();
    const created = await streamed.request('POST', '/Users', {
      body: { schemas: [USER_SCHEMA], userName: 'stamp.life@example.com' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // The create's transaction stamped the user item rather than adding an item of its own.
    const stored = await streamed.table.db.send(
      new GetCommand({ TableName: streamed.table.tableName, Key: userKey('acme', id) }),
    );
    expect(stored.Item?.[ACTIVITY_STAMP]).toMatchObject({ method: 'POST', status: 201 });
    const group = await createGroup(streamed, 'Stamp life');
    const added = await streamed.request('PATCH', `/Groups/${group}`, { body: addMembers([id]) });
    expect(added.status).toBe(204);
    const deleted = await streamed.request('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    // The delete's record is in its own transaction: there as soon as the DELETE is answered.
    expect((await recordsOf(streamed, id, since)).map((r) => `${r.method} ${r.status}`)).toContain(
      'DELETE 204',
    );
    await follower.drain();
    await follower.drain();
    expect((await recordsOf(streamed, id, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'DELETE 204',
    ]);
    expect((await recordsOf(streamed, group, since)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'PATCH 204',
    ]);
  });

  it('a redelivered stamp, or one whose request was answered otherwise, leaves the record as it is', async () => {
    const { db, tableName } = streamed.table;
    const since = new Date(Date.now() - 1000);
    const activity = requestActivity(db, tableName, 1, () => recordOf('stamp-x', 200), true);
    const stamp = activity.stamp('stamp-x');
    // What the consumer builds from the stamp and the stamped item is the record the request drafted.
    const item = carriedActivityItem(undefined, {
      tenant: 'acme',
      id: 'stamp-x',
      type: 'User',
      activityStamp: stamp,
    });
    expect(item).toEqual(activity.pending('stamp-x'));
    if (!item) throw new Error('no carried item');
    activity.committed();
    expect(
      carriedActivityItem(
        { activityStamp: stamp },
        { tenant: 'acme', id: 'stamp-x', type: 'User', activityStamp: stamp },
      ),
    ).toBeUndefined();
    // The request ended otherwise after its write (say, 503): finish replaces the stamped record…
    await activity.finish(recordOf('stamp-x', 503));
    // …and the consumer's later, conditional write of the stamp (twice: a redelivery) keeps it.
    await writeCarriedActivity(db, tableName, [item]);
    await writeCarriedActivity(db, tableName, [item]);
    expect((await recordsOf(streamed, 'stamp-x', since)).map((r) => r.status)).toEqual([503]);
  });
});
