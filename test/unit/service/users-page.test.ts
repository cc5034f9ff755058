/**
 * A listing that carries `groups` (attributes=groups): bounded before the fan-out of one read
 * per user, and read a few at a time. The memberships are an in-memory stand-in of the port the
 * Users service defines (no DynamoDB here: what is tested is the bound and the batching).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { presentUserPage, type UsersContext } from '../../../lambdas/service/users-service';

const user = (i: number) => ({
  id: `u${i}`,
  version: 1,
  created: '2026-01-01T00:00:00Z',
  lastModified: '2026-01-01T00:00:00Z',
  resource: { userName: `user${i}` },
});

function context(groupsPerUser: number) {
  let inFlight = 0;
  let peak = 0;
  let reads = 0;
  const ctx: UsersContext = {
    store: { db: {} as DynamoDBDocumentClient, tableName: 't', tenant: 'acme' },
    registry: defaultSchemaRegistry(),
    baseUrl: 'https://scim.example.com/scim/v2',
    memberships: {
      groupIdsOf: async () => {
        reads++;
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        return Array.from({ length: groupsPerUser }, (_, g) => `g${g}`);
      },
      groupReferences: async (ids) =>
        ids.map((value) => ({ value, display: `Group ${value}`, type: 'direct' as const })),
      removeMemberships: async () => undefined,
    },
  };
  return { ctx, stats: () => ({ peak, reads }) };
}

it('lists groups when attributes names them, reading at most 10 users’ groups at a time', async () => {
  const { ctx, stats } = context(2);
  const page = await presentUserPage(
    ctx,
    Array.from({ length: 100 }, (_, i) => user(i)),
    { attributes: ['groups'] },
  );
  expect(page).toHaveLength(100);
  expect(page[0]?.groups).toEqual([
    expect.objectContaining({ value: 'g0', display: 'Group g0' }),
    expect.objectContaining({ value: 'g1', display: 'Group g1' }),
  ]);
  expect(stats()).toEqual({ peak: 10, reads: 100 });
});

it('more than 100 users a page with groups, or 10,000 group references in all, is tooMany', async () => {
  const wide = context(0);
  await expect(
    presentUserPage(
      wide.ctx,
      Array.from({ length: 101 }, (_, i) => user(i)),
      { attributes: ['groups'] },
    ),
  ).rejects.toMatchObject({ code: 'tooMany' });
  expect(wide.stats().reads).toBe(0); // refused before any read
  const deep = context(101);
  await expect(
    presentUserPage(
      deep.ctx,
      Array.from({ length: 100 }, (_, i) => user(i)),
      { attributes: ['groups'] },
    ),
  ).rejects.toMatchObject({ code: 'tooMany' });
  // Without attributes=groups a page of any size reads no membership.
  const plain = context(5);
  expect(
    await presentUserPage(
      plain.ctx,
      Array.from({ length: 500 }, (_, i) => user(i)),
      {},
    ),
  ).toHaveLength(500);
  expect(plain.stats().reads).toBe(0);
});
