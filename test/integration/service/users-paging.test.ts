/**
 * RFC 7644 §3.4.2 paging, RFC 9865 cursors, §3.4.2.3 sorting and §3.14 ETags on /Users, with
 * the DynamoDB cost of each page read from the handler's cost header.
 */
import { parseCost } from '../../../lambdas/observability/dynamo-cost';
import { batchWrite } from '../../../lambdas/store/batch';
import { setResourceCount } from '../../../lambdas/store/counters';
import { uuidv7 } from '../../../lambdas/store/ids';
import { guardItem, userItem } from '../../../lambdas/store/users-store';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;
const previous = process.env.SCIM_COST_HEADER;
const IMPORT_SIZE = 5000;
const seededIds: string[] = [];

beforeAll(async () => {
  process.env.SCIM_COST_HEADER = '1';
  client = await createScimTestClient({ tenants: ['acme', 'globex', 'bulk'] });
  // 5,000 users seeded straight into the table (through the handlers this set-up alone would
  // take minutes); the same item builders the store uses, so they are real users.
  const start = Date.UTC(2026, 0, 1);
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < IMPORT_SIZE; i++) {
    const id = uuidv7(start + i);
    seededIds.push(id);
    const t = new Date(start + i).toISOString();
    const user = {
      id,
      version: 1,
      created: t,
      lastModified: t,
      resource: { userName: `user${i}@bulk.example`, active: i % 3 !== 0 },
    };
    items.push(userItem('bulk', user), guardItem('bulk', user.resource.userName, id));
  }
  await batchWrite(
    client.table,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
  await setResourceCount(client.table.db, client.table.tableName, 'bulk', 'USERS', IMPORT_SIZE);
}, 180_000);
afterAll(async () => {
  if (previous === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = previous;
  await client.close();
});

const bulk = (path: string) => client.request('GET', path, { token: client.tokenFor('bulk') });
const costOf = (res: ScimResponse) => {
  const cost = parseCost(res.headers['x-scim-dynamodb-cost']);
  if (!cost) throw new Error('no cost header');
  return cost;
};

describe('a full import of 5,000 users costs O(n) reads', () => {
  it('by startIndex/count=100: every user once, the same few requests for the last page as for the first', async () => {
    const seen: string[] = [];
    const perPage: { queries: number; writes: number; rcu: number }[] = [];
    for (let startIndex = 1; startIndex <= IMPORT_SIZE; startIndex += 100) {
      const res = await bulk(`/Users?startIndex=${startIndex}&count=100`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalResults: IMPORT_SIZE, startIndex, itemsPerPage: 100 });
      seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
      const cost = costOf(res);
      perPage.push({
        queries: cost.byCommand.Query ?? 0,
        writes: cost.byCommand.PutItem ?? 0,
        rcu: cost.readCapacityUnits,
      });
    }
    expect(seen).toEqual(seededIds);
    const first = perPage[0];
    const middle = perPage[25];
    const last = perPage[perPage.length - 1];
    // Reads: counter Query + checkpoint Query + one listing Query; write: the next page's checkpoint.
    for (const page of [middle, last]) {
      expect(page?.queries).toBe(3);
      expect(page?.writes).toBe(1);
    }
    // The last page reads what the first reads (plus the tiny checkpoint item): no walk from 1.
    expect(last?.rcu ?? Infinity).toBeLessThanOrEqual((first?.rcu ?? 0) + 1);
    const total = perPage.reduce((sum, p) => sum + p.rcu, 0);
    expect(total).toBeLessThanOrEqual(perPage.length * ((first?.rcu ?? 0) + 1));
  }, 120_000);

  it('a jump to a far page without checkpoints still answers correctly (reading the items before it)', async () => {
    const res = await bulk(`/Users?startIndex=4901&count=5&filter=${encodeURIComponent('userName pr')}`);
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(seededIds.slice(4900, 4905));
  });

  it('a startIndex past any end (even beyond 2^53) is an empty page, not a 400', async () => {
    for (const query of [
      'startIndex=99999999999999999999',
      `startIndex=9007199254740993&filter=${encodeURIComponent('userName pr')}`,
    ]) {
      const res = await bulk(`/Users?${query}&count=5`);
      expect(res.status).toBe(200);
      expect(res.body.Resources).toEqual([]);
      expect(res.body.totalResults).toBeGreaterThanOrEqual(5000);
    }
  });

  it('by RFC 9865 cursor: every user once, constant reads per page, no startIndex in cursor pages', async () => {
    const seen: string[] = [];
    const perPage: number[] = [];
    let cursor = '';
    for (let pages = 0; pages < 60; pages++) {
      const res = await bulk(`/Users?count=100&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(200);
      expect(res.body.startIndex).toBeUndefined();
      expect(res.body.totalResults).toBe(IMPORT_SIZE);
      seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
      perPage.push(costOf(res).readCapacityUnits);
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual(seededIds);
    expect(perPage).toHaveLength(IMPORT_SIZE / 100);
    expect(Math.max(...perPage)).toBeLessThanOrEqual((perPage[0] ?? 0) + 1);
  }, 120_000);

  it('cursor paging of a filtered query sees each match once and rejects the cursor under another filter', async () => {
    const filter = encodeURIComponent('active eq false');
    const expected = seededIds.filter((_, i) => i % 3 === 0);
    const seen: string[] = [];
    let cursor = '';
    let first: string | undefined;
    for (;;) {
      const res = await bulk(`/Users?filter=${filter}&count=500&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(expected.length);
      seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
      first ??= cursor;
    }
    expect(seen).toEqual(expected);
    const misuse = await bulk(`/Users?filter=${encodeURIComponent('active eq true')}&cursor=${first}`);
    expect(misuse.status).toBe(400);
    expect(misuse.body.scimType).toBe('invalidCursor');
    const garbage = await bulk('/Users?cursor=not-a-cursor!');
    expect(garbage.body.scimType).toBe('invalidCursor');
    // Bound to the tenant: another tenant's token cannot replay it.
    const replay = await client.request('GET', `/Users?filter=${filter}&count=500&cursor=${first}`, {
      token: client.tokenFor('acme'),
    });
    expect(replay.status).toBe(400);
    expect(replay.body.scimType).toBe('invalidCursor');
  }, 60_000);
});

describe('sortBy / sortOrder', () => {
  it('sorts across pages, case-insensitively, both ways', async () => {
    for (const name of ['carol', 'Alice', 'bob', 'dave']) {
      expect((await client.request('POST', '/Users', { body: { userName: name } })).status).toBe(201);
    }
    const page1 = await client.request('GET', '/Users?sortBy=userName&count=2');
    const page2 = await client.request('GET', '/Users?sortBy=userName&count=2&startIndex=3');
    expect(
      [...page1.body.Resources, ...page2.body.Resources].map((r: { userName: string }) => r.userName),
    ).toEqual(['Alice', 'bob', 'carol', 'dave']);
    const down = await client.request('GET', '/Users?sortBy=userName&sortOrder=descending&count=1');
    expect(down.body.Resources[0].userName).toBe('dave');
    const viaSearch = await client.request('POST', '/Users/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        sortBy: 'userName',
        count: 1,
      },
    });
    expect(viaSearch.body.Resources[0].userName).toBe('Alice');
    const bad = await client.request('GET', '/Users?sortBy=shoeSize');
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidValue');
  });
});

describe('ETags (RFC 7644 §3.14)', () => {
  async function newUser(userName: string) {
    const res = await client.request('POST', '/Users', { body: { userName } });
    expect(res.status).toBe(201);
    return res;
  }

  it('ETag header equals meta.version; If-None-Match with it answers 304 without a body', async () => {
    const created = await newUser('etag.reader@example.com');
    expect(created.headers.etag).toBe(created.body.meta.version);
    const again = await client.request('GET', `/Users/${created.body.id}`, {
      headers: { 'If-None-Match': created.headers.etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const changed = await client.request('GET', `/Users/${created.body.id}`, {
      headers: { 'If-None-Match': 'W/"99"' },
    });
    expect(changed.status).toBe(200);
  });

  it('a stale If-Match on PUT, PATCH and DELETE is 412 and changes nothing', async () => {
    const created = await newUser('etag.writer@example.com');
    const id = created.body.id;
    const v1 = created.headers.etag ?? '';
    const put = await client.request('PUT', `/Users/${id}`, {
      body: { userName: 'etag.writer@example.com', title: 'v2' },
      headers: { 'If-Match': v1 },
    });
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe('W/"2"');
    const stalePatch = await client.request('PATCH', `/Users/${id}`, {
      body: { Operations: [{ op: 'replace', path: 'title', value: 'lost update' }] },
      headers: { 'If-Match': v1 },
    });
    expect(stalePatch.status).toBe(412);
    expect(stalePatch.body.status).toBe('412');
    const staleDelete = await client.request('DELETE', `/Users/${id}`, { headers: { 'If-Match': v1 } });
    expect(staleDelete.status).toBe(412);
    const unknownTag = await client.request('DELETE', `/Users/${id}`, {
      headers: { 'If-Match': '"not-ours"' },
    });
    expect(unknownTag.status).toBe(412);
    const current = await client.request('GET', `/Users/${id}`);
    expect(current.body.title).toBe('v2');
    expect(current.body.meta.version).toBe('W/"2"');
    const anyVersion = await client.request('PATCH', `/Users/${id}`, {
      body: { Operations: [{ op: 'replace', path: 'title', value: 'v3' }] },
      headers: { 'If-Match': '*' },
    });
    expect(anyVersion.status).toBe(200);
    expect(
      (await client.request('DELETE', `/Users/${id}`, { headers: { 'If-Match': 'W/"3"' } })).status,
    ).toBe(204);
  });

  it('parallel PUTs with the same If-Match: exactly one wins, the rest are 412', async () => {
    const created = await newUser('etag.race@example.com');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.request('PUT', `/Users/${created.body.id}`, {
          body: { userName: 'etag.race@example.com', title: `writer ${i}` },
          headers: { 'If-Match': created.headers.etag ?? '' },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(7);
    const winner = results.find((r) => r.status === 200);
    const stored = await client.request('GET', `/Users/${created.body.id}`);
    expect(stored.body.title).toBe(winner?.body.title);
    expect(stored.body.meta.version).toBe('W/"2"');
  });
});

describe('renames under concurrency', () => {
  it('parallel PATCHes renaming one user to the same new name all succeed (no false 409)', async () => {
    const created = await client.request('POST', '/Users', { body: { userName: 'rename.race@example.com' } });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.request('PATCH', `/Users/${created.body.id}`, {
          body: { Operations: [{ op: 'replace', path: 'userName', value: 'renamed.race@example.com' }] },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const found = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "renamed.race@example.com"')}`,
    );
    expect(found.body.totalResults).toBe(1);
    const old = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "rename.race@example.com"')}`,
    );
    expect(old.body.totalResults).toBe(0);
  });
});
