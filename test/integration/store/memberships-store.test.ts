/**
 * The groups and memberships stores against DynamoDB Local: two items per membership (group
 * side and user side, written in one transaction), the displayName guard, and the request
 * counts the design promises.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { measureCost } from '../../../lambdas/observability/dynamo-cost';
import { createSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { deleteGroupResource, type GroupsContext } from '../../../lambdas/service/groups-service';
import { createDocumentClient } from '../../../lambdas/store/client';
import {
  createGroup,
  deleteGroupItem,
  GROUP_READS,
  getGroup,
  replaceGroup,
} from '../../../lambdas/store/groups-store';
import { uuidv7 } from '../../../lambdas/store/ids';
import { groupKey, userGroupRefKey, userKey, userListingPk } from '../../../lambdas/store/keys';
import {
  assertUsersExist,
  deleteMemberships,
  findUnknownUsers,
  GROUP_LOCK_MS,
  GROUP_REF_ITEM_TYPE,
  type GroupLockStep,
  groupIdsOfMember,
  groupsOfUser,
  listMemberIds,
  MEMBERS_PER_TRANSACTION,
  memberDetails,
  membershipTransactions,
  putMemberships,
  releaseGroupLock,
  removeAllMembershipsOfGroup,
  removeAllMembershipsOfUser,
  removeMembershipsOfUser,
  writeMembershipTransaction,
} from '../../../lambdas/store/memberships-store';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;
/**
 * The production client gives up after 3 s per call; DynamoDB Local shared with the large-group
 * suite can be slower than that. These tests count requests, so they use a patient client.
 */
let db: DynamoDBDocumentClient;
const ctxOf = (tenant: string) => ({ db, tableName: table.tableName, tenant });

jest.setTimeout(180_000);
const acme = () => ctxOf('acme');

/** User items written directly with the key builders (the stores only need key, id and names). */
async function seedUsers(
  tenant: string,
  count: number,
  resource: (i: number) => Record<string, unknown> = (i) => ({ userName: `user${i}@example.com` }),
): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => uuidv7());
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25).map((id, j) => ({
      PutRequest: {
        Item: {
          ...userKey(tenant, id),
          type: 'User',
          tenant,
          id,
          version: 1,
          created: now,
          lastModified: now,
          resource: resource(i + j),
          GSI1PK: userListingPk(tenant),
          GSI1SK: id,
        },
      },
    }));
    await db.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: batch } }));
  }
  return ids;
}

async function rawMembershipCount(tenant: string, groupId: string): Promise<number> {
  const result = await db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :m)',
      ExpressionAttributeValues: { ':pk': groupKey(tenant, groupId).PK, ':m': 'M#' },
      Select: 'COUNT',
      ConsistentRead: true,
    }),
  );
  return result.Count ?? 0;
}

/** User-side refs naming `groupId`, read straight from the users' partitions. */
async function rawRefCount(tenant: string, groupId: string, userIds: readonly string[]): Promise<number> {
  let count = 0;
  for (const userId of userIds) {
    const result = await db.send(
      new GetCommand({
        TableName: table.tableName,
        Key: userGroupRefKey(tenant, userId, groupId),
        ConsistentRead: true,
      }),
    );
    if (result.Item) count += 1;
  }
  return count;
}

beforeAll(async () => {
  table = await createTestTable('memberships');
  db = createDocumentClient({ endpoint: table.endpoint, requestTimeoutMs: 120_000 });
});
afterAll(async () => {
  db.destroy();
  await table.drop();
});

describe('memberships store', () => {
  it('stores both sides of each membership, and a repeated add leaves exactly one membership', async () => {
    const group = await createGroup(acme(), { displayName: 'Idempotent adds' });
    const [a, b] = await seedUsers('acme', 2);
    await putMemberships(acme(), group.id, [a as string, b as string]);
    await putMemberships(acme(), group.id, [a as string, a as string]);
    expect(await rawMembershipCount('acme', group.id)).toBe(2);
    expect(await rawRefCount('acme', group.id, [a as string, b as string])).toBe(2);
    expect((await listMemberIds(acme(), group.id)).ids.sort()).toEqual([a, b].sort());
    const ref = await db.send(
      new GetCommand({ TableName: table.tableName, Key: userGroupRefKey('acme', a as string, group.id) }),
    );
    // The user-side ref carries no index attributes: it can never show up in a listing.
    expect(ref.Item).toEqual({
      ...userGroupRefKey('acme', a as string, group.id),
      type: GROUP_REF_ITEM_TYPE,
      tenant: 'acme',
      groupId: group.id,
      userId: a,
    });
  });

  it('names ids that are not users of this tenant: another tenant’s user, a random uuid, garbage', async () => {
    const [mine] = await seedUsers('acme', 1);
    const [theirs] = await seedUsers('globex', 1);
    const random = uuidv7();
    const unknown = await findUnknownUsers(acme(), [mine as string, theirs as string, random, 'not-an-id']);
    expect(unknown.sort()).toEqual([theirs, random, 'not-an-id'].sort());
    await expect(assertUsersExist(acme(), [mine as string, theirs as string])).rejects.toMatchObject({
      code: 'unknownMember',
      message: expect.stringContaining(theirs as string),
    });
  });

  it('removing one member is a single TransactWriteItems whatever the group size', async () => {
    const group = await createGroup(acme(), { displayName: 'Remove one' });
    const ids = await seedUsers('acme', 60);
    await putMemberships(acme(), group.id, ids);
    const { cost } = await measureCost(() => deleteMemberships(acme(), group.id, [ids[5] as string]));
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    expect(await rawMembershipCount('acme', group.id)).toBe(59);
    expect(await rawRefCount('acme', group.id, ids)).toBe(59);
  });

  it('verifying k users costs ⌈k/100⌉ BatchGetItem and writing them ⌈k/49⌉ TransactWriteItems', async () => {
    const group = await createGroup(acme(), { displayName: 'Batch costs' });
    const ids = await seedUsers('acme', 230);
    const check = await measureCost(() => assertUsersExist(acme(), ids));
    expect(check.cost.byCommand).toEqual({ BatchGetItem: 3 });
    const write = await measureCost(() => putMemberships(acme(), group.id, ids));
    expect(write.cost.byCommand).toEqual({ TransactWriteItems: Math.ceil(230 / MEMBERS_PER_TRANSACTION) });
    // One version per transaction: created at 1.
    expect((await getGroup(acme(), group.id))?.version).toBe(1 + Math.ceil(230 / MEMBERS_PER_TRANSACTION));
  });

  it('transactions hold at most 49 members, never two actions on one id, and at least one', () => {
    expect(MEMBERS_PER_TRANSACTION).toBe(49);
    const add = Array.from({ length: 60 }, (_, i) => `a${i}`);
    const chunks = membershipTransactions({ add: [...add, 'a1', 'x'], remove: ['x', 'r1', 'r1'] });
    expect(chunks.map((c) => c.add.length + c.remove.length)).toEqual([49, 13]);
    const all = chunks.flatMap((c) => [...c.add, ...c.remove]);
    expect(new Set(all).size).toBe(all.length);
    expect(membershipTransactions({ add: [], remove: [] })).toEqual([{ add: [], remove: [] }]);
  });

  it('a group lock admits only its holder’s transactions until released or expired', async () => {
    const group = await createGroup(acme(), { displayName: 'Locked' });
    const [a, b, c, d] = await seedUsers('acme', 4);
    const add = (id: string | undefined) => ({ add: [id as string], remove: [] });
    const step = (holder: string, s: GroupLockStep['step']) => ({ lock: { holder, step: s } });
    expect(
      await writeMembershipTransaction(acme(), group.id, add(a), {
        ...step('h1', 'take'),
        expectedVersion: 7,
      }),
    ).toEqual({ outcome: 'versionMismatch', currentVersion: 1 });
    const { result: taken, cost } = await measureCost(() =>
      writeMembershipTransaction(acme(), group.id, add(a), { ...step('h1', 'take'), expectedVersion: 1 }),
    );
    expect(taken).toEqual({ outcome: 'written' });
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    // Another change (a lone transaction or a second lock) is refused and writes nothing.
    expect(await writeMembershipTransaction(acme(), group.id, add(b))).toEqual({ outcome: 'locked' });
    expect(await writeMembershipTransaction(acme(), group.id, add(b), step('h2', 'take'))).toEqual({
      outcome: 'locked',
    });
    expect(await writeMembershipTransaction(acme(), group.id, add(b), step('h2', 'hold'))).toEqual({
      outcome: 'locked',
    });
    expect(await rawMembershipCount('acme', group.id)).toBe(1);
    // The holder writes, renewing the lock, then releases it with its last transaction.
    expect(await writeMembershipTransaction(acme(), group.id, add(b), step('h1', 'hold'))).toEqual({
      outcome: 'written',
    });
    await releaseGroupLock(acme(), group.id, 'h2'); // not its lock: no effect
    expect(await writeMembershipTransaction(acme(), group.id, add(c))).toEqual({ outcome: 'locked' });
    expect(await writeMembershipTransaction(acme(), group.id, add(c), step('h1', 'release'))).toEqual({
      outcome: 'written',
    });
    expect(await writeMembershipTransaction(acme(), group.id, add(d))).toEqual({ outcome: 'written' });
    expect((await getGroup(acme(), group.id))?.version).toBe(5);
    // A lock whose holder died expires after GROUP_LOCK_MS; releaseGroupLock frees one at once.
    const past = new Date(Date.now() - GROUP_LOCK_MS - 1000);
    expect(
      await writeMembershipTransaction(
        acme(),
        group.id,
        { add: [], remove: [a as string] },
        {
          ...step('dead', 'take'),
          now: past,
        },
      ),
    ).toEqual({ outcome: 'written' });
    expect(await writeMembershipTransaction(acme(), group.id, add(a))).toEqual({ outcome: 'written' });
    await writeMembershipTransaction(
      acme(),
      group.id,
      { add: [], remove: [a as string] },
      step('h3', 'take'),
    );
    await releaseGroupLock(acme(), group.id, 'h3');
    expect(await writeMembershipTransaction(acme(), group.id, add(a))).toEqual({ outcome: 'written' });
    expect(await rawMembershipCount('acme', group.id)).toBe(4);
    // Releasing the lock of a deleted group creates no item.
    await removeAllMembershipsOfGroup(acme(), group.id);
    await deleteGroupItem(
      acme(),
      (await getGroup(acme(), group.id)) as NonNullable<Awaited<ReturnType<typeof getGroup>>>,
    );
    await releaseGroupLock(acme(), group.id, 'h3');
    expect(await writeMembershipTransaction(acme(), group.id, add(a), step('late', 'hold'))).toEqual({
      outcome: 'groupMissing',
    });
    expect(await getGroup(acme(), group.id)).toBeUndefined();
  });

  it('a transaction on a deleted group writes nothing; a stale expected version names the current one', async () => {
    const group = await createGroup(acme(), { displayName: 'Conditional' });
    const [a, b] = await seedUsers('acme', 2);
    expect(
      await writeMembershipTransaction(
        acme(),
        group.id,
        { add: [a as string], remove: [] },
        { expectedVersion: 7 },
      ),
    ).toEqual({ outcome: 'versionMismatch', currentVersion: 1 });
    expect(await rawMembershipCount('acme', group.id)).toBe(0);
    expect(
      await writeMembershipTransaction(
        acme(),
        group.id,
        { add: [a as string], remove: [] },
        { expectedVersion: 1 },
      ),
    ).toEqual({ outcome: 'written' });
    expect((await getGroup(acme(), group.id))?.version).toBe(2);
    await removeAllMembershipsOfGroup(acme(), group.id);
    await deleteGroupItem(
      acme(),
      (await getGroup(acme(), group.id)) as NonNullable<Awaited<ReturnType<typeof getGroup>>>,
    );
    expect(await writeMembershipTransaction(acme(), group.id, { add: [b as string], remove: [] })).toEqual({
      outcome: 'groupMissing',
    });
    expect(await rawMembershipCount('acme', group.id)).toBe(0);
    expect(await rawRefCount('acme', group.id, [a as string, b as string])).toBe(0);
    // Nor was a phantom group item created by the failed update.
    expect(await getGroup(acme(), group.id)).toBeUndefined();
  });

  it('lists member ids with a limit and says when more exist', async () => {
    const group = await createGroup(acme(), { displayName: 'Limited' });
    const ids = await seedUsers('acme', 12);
    await putMemberships(acme(), group.id, ids);
    const page = await listMemberIds(acme(), group.id, 10);
    expect(page.ids).toHaveLength(10);
    expect(page.truncated).toBe(true);
    expect((await listMemberIds(acme(), group.id, 12)).truncated).toBe(false);
  });

  it('member display is the user’s displayName, else its userName', async () => {
    const [named, plain] = await seedUsers('acme', 2, (i) =>
      i === 0 ? { userName: 'bjensen', displayName: 'Babs Jensen' } : { userName: 'jsmith' },
    );
    const details = await memberDetails(acme(), [named as string, plain as string]);
    expect(details.get(named as string)?.display).toBe('Babs Jensen');
    expect(details.get(plain as string)?.display).toBe('jsmith');
  });

  it('groupsOfUser reads the user-side refs; removeAllMembershipsOfUser empties both sides', async () => {
    const [user] = await seedUsers('acme', 1);
    const g1 = await createGroup(acme(), { displayName: 'Engineering' });
    const g2 = await createGroup(acme(), { displayName: 'Admins' });
    await putMemberships(acme(), g1.id, [user as string]);
    await putMemberships(acme(), g2.id, [user as string]);
    const groups = await groupsOfUser(db, table.tableName, 'acme', user as string, 'https://x/scim/v2');
    expect(groups.map((g) => g.display).sort()).toEqual(['Admins', 'Engineering']);
    expect(groups.find((g) => g.value === g1.id)?.$ref).toBe(`https://x/scim/v2/Groups/${g1.id}`);
    // Without a base URL there is no $ref (the service adds it).
    expect((await groupsOfUser(db, table.tableName, 'acme', user as string))[0]).not.toHaveProperty('$ref');
    // Another tenant sees nothing of it.
    expect(await groupsOfUser(db, table.tableName, 'globex', user as string)).toEqual([]);

    const { cost } = await measureCost(() => groupIdsOfMember(acme(), user as string));
    expect(cost.byCommand).toEqual({ Query: 1 });

    expect(await removeAllMembershipsOfUser(db, table.tableName, 'acme', user as string)).toBe(2);
    expect(await rawMembershipCount('acme', g1.id)).toBe(0);
    expect(await rawMembershipCount('acme', g2.id)).toBe(0);
    expect(await rawRefCount('acme', g1.id, [user as string])).toBe(0);
    expect(await rawRefCount('acme', g2.id, [user as string])).toBe(0);
    expect(await groupsOfUser(db, table.tableName, 'acme', user as string)).toEqual([]);
  });

  it("a deleted user's memberships go with a version bump of each group, also when a group is gone meanwhile", async () => {
    const [user] = await seedUsers('acme', 1);
    const kept = await createGroup(acme(), { displayName: 'Kept' });
    const vanished = await createGroup(acme(), { displayName: 'Vanished' });
    await putMemberships(acme(), kept.id, [user as string]);
    await putMemberships(acme(), vanished.id, [user as string]);
    const before = (await getGroup(acme(), kept.id))?.version as number;
    // The other group's item is deleted (its own DELETE, mid-way): its update cannot apply.
    await db.send(new DeleteCommand({ TableName: table.tableName, Key: groupKey('acme', vanished.id) }));
    const { cost } = await measureCost(() =>
      removeMembershipsOfUser(acme(), user as string, [kept.id, vanished.id]),
    );
    expect(cost.byCommand).toEqual({ TransactWriteItems: 2 });
    expect((await getGroup(acme(), kept.id))?.version).toBe(before + 1);
    expect(await getGroup(acme(), vanished.id)).toBeUndefined();
    for (const id of [kept.id, vanished.id]) {
      expect(await rawMembershipCount('acme', id)).toBe(0);
      expect(await rawRefCount('acme', id, [user as string])).toBe(0);
    }
  });

  it('removeAllMembershipsOfGroup deletes every membership item of the group and no other', async () => {
    const group = await createGroup(acme(), { displayName: 'Doomed' });
    const other = await createGroup(acme(), { displayName: 'Survivor' });
    const ids = await seedUsers('acme', 40);
    await putMemberships(acme(), group.id, ids);
    await putMemberships(acme(), other.id, ids.slice(0, 3));
    const { result, cost } = await measureCost(() => removeAllMembershipsOfGroup(acme(), group.id));
    expect(result).toEqual({ removed: 40, complete: true });
    // 1 Query of member ids + ⌈2·40/25⌉ deletes (refs first, then the group side).
    expect(cost.byCommand).toEqual({ Query: 1, BatchWriteItem: 4 });
    expect(await rawMembershipCount('acme', group.id)).toBe(0);
    expect(await rawRefCount('acme', group.id, ids)).toBe(0);
    expect(await rawMembershipCount('acme', other.id)).toBe(3);
    expect(await rawRefCount('acme', other.id, ids.slice(0, 3))).toBe(3);
  });
});

describe('groups store', () => {
  it('never stores a member list on the group item', async () => {
    const group = await createGroup(acme(), { displayName: 'No array', members: [{ value: 'x' }] });
    expect((await getGroup(acme(), group.id))?.resource).toEqual({ displayName: 'No array' });
  });

  it('displayName is unique per tenant, case-insensitively, and free in another tenant', async () => {
    await createGroup(acme(), { displayName: 'Sales' });
    await expect(createGroup(acme(), { displayName: 'SALES' })).rejects.toMatchObject({
      code: 'uniqueness',
    });
    await expect(createGroup(ctxOf('globex'), { displayName: 'Sales' })).resolves.toMatchObject({
      version: 1,
    });
    expect((await GROUP_READS.getByName(acme(), 'sALes'))?.resource.displayName).toBe('Sales');
  });

  it('10 parallel creates of one displayName: exactly one wins, the rest get uniqueness or a lost race (409)', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => createGroup(acme(), { displayName: 'Race' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect(['uniqueness', 'versionConflict']).toContain((o as PromiseRejectedResult).reason.code);
    }
  });

  it('a rename moves the guard: the old name is free, the new one taken', async () => {
    const group = await createGroup(acme(), { displayName: 'Old name' });
    const renamed = await replaceGroup(acme(), group, { displayName: 'New name' });
    expect(renamed.version).toBe(2);
    expect(await GROUP_READS.getByName(acme(), 'Old name')).toBeUndefined();
    expect((await GROUP_READS.getByName(acme(), 'new NAME'))?.id).toBe(group.id);
    await expect(createGroup(acme(), { displayName: 'Old name' })).resolves.toBeDefined();
    await expect(replaceGroup(acme(), renamed, { displayName: 'Old name' })).rejects.toMatchObject({
      code: 'uniqueness',
    });
    // A stale version loses.
    await expect(replaceGroup(acme(), group, { displayName: 'Other' })).rejects.toMatchObject({
      code: 'versionConflict',
    });
  });

  it('finds groups by externalId through the lookup index', async () => {
    const group = await createGroup(acme(), { displayName: 'With external id', externalId: 'ext-1' });
    expect((await GROUP_READS.findByExternalId(acme(), 'ext-1')).map((g) => g.id)).toEqual([group.id]);
    expect(await GROUP_READS.findByExternalId(ctxOf('globex'), 'ext-1')).toEqual([]);
  });

  it('an unindexed filter walks the listing only up to its budget, then answers tooMany', async () => {
    const ctx = ctxOf('walk-tenant');
    for (const name of ['w1', 'w2', 'w3']) await createGroup(ctx, { displayName: name });
    expect(
      (await GROUP_READS.collect(ctx, (g) => g.resource.displayName === 'w2', 3)).map(
        (g) => g.resource.displayName,
      ),
    ).toEqual(['w2']);
    await expect(GROUP_READS.collect(ctx, () => true, 2)).rejects.toMatchObject({ code: 'tooMany' });
  });
});

describe('DELETE of a group too large for one request', () => {
  it('answers 503 + Retry-After after its budget, keeps the group, and a retried DELETE finishes the job', async () => {
    const ctx: GroupsContext = {
      store: acme(),
      registry: createSchemaRegistry(),
      baseUrl: 'https://x/scim/v2',
      deleteBudgetMs: 0, // every call does one slice (100 memberships, both sides), then stops
    };
    const group = await createGroup(acme(), { displayName: 'Too large to delete at once' });
    const ids = await seedUsers('acme', 300);
    await putMemberships(acme(), group.id, ids);

    // 'busy' with Retry-After: 1 is a 503 + Retry-After: 1 (http/error-response.ts).
    await expect(deleteGroupResource(ctx, group.id)).rejects.toMatchObject({
      code: 'busy',
      retryAfterSeconds: 1,
    });
    expect(await rawMembershipCount('acme', group.id)).toBe(200);
    // The slice's refs went with it; the rest still pair up with their group-side items.
    expect(await rawRefCount('acme', group.id, ids)).toBe(200);
    expect(await getGroup(acme(), group.id)).toBeDefined();

    // Each retry makes progress (another slice); the third finishes and deletes the group.
    await expect(deleteGroupResource(ctx, group.id)).rejects.toMatchObject({ code: 'busy' });
    expect(await rawMembershipCount('acme', group.id)).toBe(100);
    await deleteGroupResource(ctx, group.id);
    expect(await rawMembershipCount('acme', group.id)).toBe(0);
    expect(await rawRefCount('acme', group.id, ids)).toBe(0);
    expect(await getGroup(acme(), group.id)).toBeUndefined();
  });
});
