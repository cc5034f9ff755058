/**
 * The Users store against DynamoDB Local: keys, uniqueness guards, versioned writes, look-ups
 * and listing, and the number of DynamoDB requests each operation costs.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type DomainErrorCode, isDomainError } from '../../../lambdas/domain/errors';
import { measureCost } from '../../../lambdas/observability/dynamo-cost';
import { setResourceCount } from '../../../lambdas/store/counters';
import { userKey, userNameKey } from '../../../lambdas/store/keys';
import { collectMatching, countListing, readListingPage } from '../../../lambdas/store/listing';
import {
  createUser,
  deleteUser,
  getUser,
  replaceUser,
  type StoreContext,
  USER_READS,
} from '../../../lambdas/store/users-store';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;
let acme: StoreContext;
let globex: StoreContext;

beforeAll(async () => {
  table = await createTestTable('users-store');
  acme = { db: table.db, tableName: table.tableName, tenant: 'acme' };
  globex = { db: table.db, tableName: table.tableName, tenant: 'globex' };
});
afterAll(() => table.drop());

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  ...extra,
});

async function expectDomainError(promise: Promise<unknown>, code: DomainErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDomainError(error)).toBe(true);
  expect(error).toMatchObject({ code });
}

describe('users store', () => {
  it('creates a user and its guard in one transaction, with the index keys of DESIGN.md §4', async () => {
    const { result: created, cost } = await measureCost(() =>
      createUser(acme, user('Alice@Example.com', { externalId: 'ext-alice' })),
    );
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    expect(created.version).toBe(1);
    const raw = await table.db.send(
      new GetCommand({ TableName: table.tableName, Key: userKey('acme', created.id) }),
    );
    expect(raw.Item).toMatchObject({
      type: 'User',
      id: created.id,
      version: 1,
      GSI1PK: 'T#acme#USERS',
      GSI1SK: created.id,
      GSI2PK: 'T#acme#UEXT#ext-alice',
      GSI3SK: 'alice@example.com',
    });
    const guard = await table.db.send(
      new GetCommand({ TableName: table.tableName, Key: userNameKey('acme', 'alice@example.com') }),
    );
    expect(guard.Item?.userId).toBe(created.id);
  });

  it('leaves the externalId index sparse when there is no externalId', async () => {
    const created = await createUser(acme, user('no-ext'));
    const raw = await table.db.send(
      new GetCommand({ TableName: table.tableName, Key: userKey('acme', created.id) }),
    );
    expect(raw.Item?.GSI2PK).toBeUndefined();
  });

  it('refuses a userName that differs only in case (uniqueness), per tenant', async () => {
    await createUser(acme, user('bob'));
    await expectDomainError(createUser(acme, user('BOB')), 'uniqueness');
    await expect(createUser(globex, user('BOB'))).resolves.toMatchObject({ version: 1 });
  });

  it('lets exactly one of ten parallel creates of one userName win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => createUser(acme, user('race@example.com'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'uniqueness' });
    }
  });

  it('finds a user by userName in any case with 2 consistent GetItems', async () => {
    const created = await createUser(acme, user('Carol.Case'));
    const { result, cost } = await measureCost(() => USER_READS.getByName(acme, 'CAROL.CASE'));
    expect(result?.id).toBe(created.id);
    expect(cost.byCommand).toEqual({ GetItem: 2 });
    await expect(USER_READS.getByName(acme, 'nobody')).resolves.toBeUndefined();
    await expect(USER_READS.getByName(globex, 'carol.case')).resolves.toBeUndefined();
  });

  it('answers any id string without a DynamoDB error', async () => {
    for (const id of ['00919288221112222', '010101001010101011001010101011', 'a#b', '', 'x'.repeat(5000)]) {
      await expect(getUser(acme, id)).resolves.toBeUndefined();
    }
    await expect(getUser(acme, '01890a5d-ac96-774b-bcce-b302099a8057')).resolves.toBeUndefined();
  });

  it('finds users by externalId with one Query of the lookup index', async () => {
    const a = await createUser(acme, user('ext-1', { externalId: 'shared-ext' }));
    const b = await createUser(acme, user('ext-2', { externalId: 'shared-ext' }));
    const { result, cost } = await measureCost(() => USER_READS.findByExternalId(acme, 'shared-ext'));
    expect(result.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
    expect(cost.byCommand).toEqual({ Query: 1 });
    await expect(USER_READS.findByExternalId(globex, 'shared-ext')).resolves.toEqual([]);
  });

  it('replaces conditionally on the version: a stale write is a versionConflict', async () => {
    const created = await createUser(acme, user('dave'));
    const { result: v2, cost } = await measureCost(() =>
      replaceUser(acme, created, user('dave', { displayName: 'Dave' })),
    );
    expect(cost.byCommand).toEqual({ PutItem: 1 });
    expect(v2.version).toBe(2);
    const stale = await replaceUser(acme, created, user('dave', { displayName: 'Lost' })).catch((e) => e);
    expect(isDomainError(stale, 'versionConflict')).toBe(true);
    expect((await getUser(acme, created.id))?.resource.displayName).toBe('Dave');
  });

  it('renames in one transaction: the old name is free, the new one taken; case-only renames keep the guard', async () => {
    const created = await createUser(acme, user('erin'));
    const { result: renamed, cost } = await measureCost(() => replaceUser(acme, created, user('erin.new')));
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    await expect(USER_READS.getByName(acme, 'erin')).resolves.toBeUndefined();
    expect((await USER_READS.getByName(acme, 'ERIN.NEW'))?.id).toBe(created.id);
    await expectDomainError(createUser(acme, user('Erin.New')), 'uniqueness');
    await expect(createUser(acme, user('erin'))).resolves.toBeDefined();
    const recased = await replaceUser(acme, renamed, user('ERIN.NEW'));
    expect((await USER_READS.getByName(acme, 'erin.new'))?.id).toBe(recased.id);
  });

  it('refuses a rename onto a taken name (uniqueness) and changes nothing', async () => {
    await createUser(acme, user('frank'));
    const grace = await createUser(acme, user('grace'));
    await expectDomainError(replaceUser(acme, grace, user('FRANK')), 'uniqueness');
    expect((await getUser(acme, grace.id))?.resource.userName).toBe('grace');
  });

  it('deletes the user and its guard; the name can be reused', async () => {
    const created = await createUser(acme, user('heidi'));
    const { cost } = await measureCost(() => deleteUser(acme, created));
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    await expect(getUser(acme, created.id)).resolves.toBeUndefined();
    await expect(USER_READS.getByName(acme, 'heidi')).resolves.toBeUndefined();
    await expect(createUser(acme, user('heidi'))).resolves.toBeDefined();
  });

  it('rejects a userName longer than a DynamoDB key can hold (invalidValue)', async () => {
    await expectDomainError(createUser(acme, user('x'.repeat(1500))), 'invalidValue');
  });
});

describe('listing', () => {
  let ctx: StoreContext;
  const ids: string[] = [];
  beforeAll(async () => {
    ctx = { db: table.db, tableName: table.tableName, tenant: 'listing' };
    for (let i = 0; i < 12; i++)
      ids.push((await createUser(ctx, user(`list-${i}`, { title: i % 3 === 0 ? 'x' : 'y' }))).id);
  });

  it('pages in creation (id) order with startIndex and count', async () => {
    const source = USER_READS.listing(ctx);
    expect(await countListing(source)).toBe(12);
    const page1 = await readListingPage(source, { startIndex: 1, count: 5 });
    const page3 = await readListingPage(source, { startIndex: 11, count: 5 });
    expect(page1.map((i) => i.id)).toEqual(ids.slice(0, 5));
    expect(page3.map((i) => i.id)).toEqual(ids.slice(10));
    expect(await readListingPage(source, { startIndex: 13, count: 5 })).toEqual([]);
    expect(await readListingPage(source, { startIndex: 1, count: 0 })).toEqual([]);
  });

  it('resumes from a checkpoint cache and records where the next page begins', async () => {
    const saved: { offset: number; startKey: Record<string, unknown> }[] = [];
    const cache = {
      nearest: async (startIndex: number) =>
        saved.filter((c) => c.offset <= startIndex).pop() ?? { offset: 1 },
      save: async (c: { offset: number; startKey: Record<string, unknown> }) => {
        saved.push(c);
      },
    };
    const source = USER_READS.listing(ctx);
    await readListingPage(source, { startIndex: 1, count: 4 }, cache);
    expect(saved.map((c) => c.offset)).toEqual([5]);
    const { result, cost } = await measureCost(() =>
      readListingPage(source, { startIndex: 5, count: 4 }, cache),
    );
    expect(result.map((i) => i.id)).toEqual(ids.slice(4, 8));
    expect(cost.byCommand).toEqual({ Query: 1 });
  });

  it('evaluates filters in memory over a bounded walk and refuses past the limit with tooMany', async () => {
    const matches = await USER_READS.collect(ctx, (u) => u.resource.title === 'x');
    expect(matches.map((u) => u.id)).toEqual([ids[0], ids[3], ids[6], ids[9]]);
    await expect(collectMatching(USER_READS.listing(ctx), () => true, 12)).resolves.toHaveLength(12);
    await expectDomainError(
      collectMatching(USER_READS.listing(ctx), () => true, 11),
      'tooMany',
    );
  });

  it("refuses a walk the tenant's counter already shows too long after its first page", async () => {
    const count = (value: number) => setResourceCount(ctx.db, ctx.tableName, ctx.tenant, 'USERS', value);
    try {
      // 12 users listed, but the counter says 1,000: more than the walk may examine.
      await count(1000);
      const refused = await measureCost(() =>
        USER_READS.collect(ctx, () => true, 20).catch((error) => error),
      );
      expect(isDomainError(refused.result, 'tooMany')).toBe(true);
      // The counter's Query beside the first page of the listing: no further page.
      expect(refused.cost.byCommand).toEqual({ Query: 2 });
      // A counter that says too little changes nothing: the walk keeps its own bound.
      await count(11);
      await expectDomainError(
        USER_READS.collect(ctx, () => true, 11),
        'tooMany',
      );
    } finally {
      await count(ids.length);
    }
  });
});
