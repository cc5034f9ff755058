/**
 * Index paging is bounded (issue #19 finding 7): a page past the end is answered from the
 * counter without reading items, and an offset page may skip at most MAX_EXAMINED_ITEMS items
 * from the nearest page checkpoint — sequential paging always has one, so it never meets the
 * bound. Costs from the handler's cost header and the cost meter.
 */
import { measureCost, parseCost } from '../../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { setResourceCount } from '../../../lambdas/store/counters';
import { type CheckpointCache, readListingPage } from '../../../lambdas/store/listing';
import type { Checkpoint } from '../../../lambdas/store/page-checkpoints';
import { createUser, USER_READS } from '../../../lambdas/store/users-store';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let client: ScimTestClient;
const previous = process.env.SCIM_COST_HEADER;
beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient({ tenants: ['acme', 'deep'] });
  for (const tenant of ['acme', 'deep']) {
    for (let i = 0; i < 3; i++) {
      const res = await client.request('POST', '/Users', {
        body: { schemas: [USER], userName: `user${i}@${tenant}.example` },
        token: client.tokenFor(tenant),
      });
      expect(res.status).toBe(201);
    }
  }
});
afterAll(async () => {
  if (previous === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = previous;
  await client.close();
});

const costOf = (res: ScimResponse) => {
  const cost = parseCost(res.headers[COST_HEADER]);
  if (!cost) throw new Error('no cost header');
  return cost;
};

describe('a page past the end', () => {
  it.each([9007199254740991, 4, 1_000_000])(
    'startIndex=%d costs the counter read only',
    async (startIndex) => {
      const res = await client.request('GET', `/Users?startIndex=${startIndex}&count=100`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(3);
      expect(res.body.Resources ?? []).toEqual([]);
      const cost = costOf(res);
      expect(cost.requests).toBeLessThanOrEqual(1);
      expect(cost.byCommand).toEqual({ Query: 1 });
    },
  );

  it('the last page is still read', async () => {
    const res = await client.request('GET', '/Users?startIndex=3&count=100');
    expect(res.body.Resources).toHaveLength(1);
  });
});

describe('a deep offset without a checkpoint', () => {
  it('is refused with tooMany naming cursor paging, before any listing item is read', async () => {
    // The counter says 50,000: the page is within it, 20,000 items past any checkpoint.
    await setResourceCount(client.table.db, client.table.tableName, 'deep', 'USERS', 50_000);
    const res = await client.request('GET', '/Users?startIndex=20001&count=10', {
      token: client.tokenFor('deep'),
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('tooMany');
    expect(res.body.detail).toContain('cursor');
    // The counter and the checkpoint look-up, nothing of the listing.
    expect(costOf(res).byCommand).toEqual({ Query: 2 });
  });
});

describe('sequential offset paging never meets the bound (store level, a small bound)', () => {
  const memoryCheckpoints = (): CheckpointCache => {
    const saved = new Map<number, Required<Checkpoint>>();
    return {
      nearest: async (startIndex) => {
        const below = [...saved.keys()].filter((offset) => offset <= startIndex);
        const best = below.length > 0 ? saved.get(Math.max(...below)) : undefined;
        return best ?? { offset: 1 };
      },
      save: async (checkpoint) => {
        saved.set(checkpoint.offset, checkpoint);
      },
    };
  };

  it('pages of 10 over 60 users with at most 15 skipped: every page read, a jump refused', async () => {
    const ctx = { db: client.table.db, tableName: client.table.tableName, tenant: 'seq' };
    for (let i = 0; i < 60; i++) await createUser(ctx, { schemas: [USER], userName: `s${i}` });
    const source = USER_READS.listing(ctx);
    const checkpoints = memoryCheckpoints();
    const seen: unknown[] = [];
    for (let startIndex = 1; startIndex <= 60; startIndex += 10) {
      const { result, cost } = await measureCost(() =>
        readListingPage(source, { startIndex, count: 10 }, checkpoints, 15),
      );
      expect(result).toHaveLength(10);
      expect(cost.byCommand.Query).toBe(1); // resumed at the checkpoint: no skip read
      seen.push(...result.map((item) => item.id));
    }
    expect(new Set(seen).size).toBe(60);
    await expect(
      readListingPage(source, { startIndex: 41, count: 10 }, memoryCheckpoints(), 15),
    ).rejects.toMatchObject({
      code: 'tooMany',
    });
    // Within the bound a jump is answered by reading the skipped items.
    await expect(
      readListingPage(source, { startIndex: 16, count: 5 }, memoryCheckpoints(), 15),
    ).resolves.toHaveLength(5);
  });
});
