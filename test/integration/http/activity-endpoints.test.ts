/**
 * GET /Activity and /Activity/Summary through the real handlers on DynamoDB Local: newest
 * first, status filters, cursor paging without duplicates or gaps (across day partitions and
 * empty days, with and without filters; a property over random record sets), tenant isolation,
 * hourly summary buckets, the bounds of a page and of the summary, and 4xx records that carry
 * the SCIM error's scimType and detail.
 */
import fc from 'fast-check';
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { activityPage } from '../../../lambdas/service/activity-service';
import {
  ACTIVITY_PAGE_REQUESTS,
  type ActivityRecord,
  countActivity,
  DEFAULT_ACTIVITY_RETENTION_DAYS,
  recordActivity,
  SUMMARY_MAX_ITEMS,
} from '../../../lambdas/store/activity-store';
import { patchRecord } from '../../support/activity-records';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;

beforeAll(async () => {
  client = await createScimTestClient({ tenants: ['acme', 'globex', 'initech', 'umbrella', 'hooli'] });
});
afterAll(async () => {
  await client.close();
});

const HOUR = 3_600_000;

const record = (tenant: string, time: Date, status: number, resourceId = 'u-1'): ActivityRecord =>
  patchRecord(tenant, resourceId, status, time);

async function seed(records: readonly ActivityRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 25) {
    await Promise.all(
      records.slice(i, i + 25).map((r) => recordActivity(client.table.db, client.table.tableName, r)),
    );
  }
}

const get = (path: string, tenant: string) =>
  client.request('GET', path, { token: client.readTokenFor(tenant) });

/** Every page of a listing, following the cursor; asserts each page's size bound. */
async function follow(
  tenant: string,
  query: string,
  count: number,
): Promise<{ times: string[]; pages: number }> {
  const times: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await get(
      `/Activity?${query}&count=${count}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      tenant,
    );
    expect(res.status).toBe(200);
    expect(res.body.records.length).toBeLessThanOrEqual(count);
    times.push(...res.body.records.map((r: { time: string; status: number }) => `${r.time} ${r.status}`));
    cursor = res.body.cursor;
    pages++;
    if (pages > 500) throw new Error('paging does not end');
  } while (cursor !== undefined);
  return { times, pages };
}

const expected = (records: readonly ActivityRecord[]) =>
  records.map((r) => `${r.time} ${r.status}`).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));

describe('GET /Activity', () => {
  // Three days with records, an empty day between them: 2026-11-10, (11 empty), 12, 13.
  const days = ['2026-11-10', '2026-11-12', '2026-11-13'];
  const seeded: ActivityRecord[] = [];
  beforeAll(async () => {
    let n = 0;
    for (const day of days) {
      for (let i = 0; i < 45; i++) {
        const status = [201, 200, 204, 400, 404, 409, 503][n % 7] as number;
        seeded.push(
          record('acme', new Date(Date.parse(`${day}T00:00:00Z`) + i * 1_900_000 + n), status, `u-${n % 5}`),
        );
        n++;
      }
    }
    await seed(seeded);
    await seed([record('globex', new Date('2026-11-12T12:00:00Z'), 201)]);
  });
  const range = 'since=2026-11-09T00:00:00Z&until=2026-11-14T00:00:00Z';

  it('returns records newest first, in the contract shape', async () => {
    const res = await get(`/Activity?${range}&count=5`, 'acme');
    expect(res.status).toBe(200);
    expect(res.headers['x-token-scope']).toBe('read');
    const times = res.body.records.map((r: { time: string }) => r.time);
    expect(times).toEqual([...times].sort().reverse());
    expect(times[0]).toBe(expected(seeded)[0]?.split(' ')[0]);
    expect(res.body.records[0]).toEqual({
      time: expect.any(String),
      method: 'PATCH',
      path: expect.stringMatching(/^\/scim\/v2\/Users\/u-\d$/),
      operation: 'patch',
      resourceType: 'User',
      resourceId: expect.stringMatching(/^u-\d$/),
      status: expect.any(Number),
      tokenId: 'tok-acme',
      tokenLabel: 'test acme',
      changedAttributes: ['active'],
    });
    expect(typeof res.body.cursor).toBe('string');
  });

  it('pages through days and an empty day with no duplicates and no gaps', async () => {
    for (const count of [1, 7, 44, 45, 200]) {
      const { times } = await follow('acme', range, count);
      expect(times).toEqual(expected(seeded));
    }
  });

  it('filters by status class and exact status, also across pages', async () => {
    const clientErrors = await follow('acme', `${range}&status=4xx`, 8);
    expect(clientErrors.times).toEqual(expected(seeded.filter((r) => r.status >= 400 && r.status < 500)));
    const notFound = await follow('acme', `${range}&status=404`, 3);
    expect(notFound.times).toEqual(expected(seeded.filter((r) => r.status === 404)));
    const ok = await follow('acme', `${range}&status=2xx`, 50);
    expect(ok.times).toEqual(expected(seeded.filter((r) => r.status < 300)));
  });

  it('filters by resource (the lookup index), paging included', async () => {
    const { times } = await follow('acme', `${range}&resourceId=u-3`, 4);
    expect(times).toEqual(expected(seeded.filter((r) => r.resourceId === 'u-3')));
  });

  it('honours since and until', async () => {
    const { times } = await follow('acme', 'since=2026-11-12T00:00:00Z&until=2026-11-12T23:59:59.999Z', 20);
    expect(times).toEqual(expected(seeded.filter((r) => r.time.startsWith('2026-11-12'))));
  });

  it('a page sends a bounded number of Queries: a long run of empty days ends the page early, with a cursor', async () => {
    const longRange = 'since=2026-01-01T00:00:00Z&until=2026-11-09T00:00:00Z';
    process.env.SCIM_COST_HEADER = '1';
    try {
      const first = await get(`/Activity?${longRange}&count=10`, 'acme');
      expect(first.status).toBe(200);
      expect(first.body.records).toEqual([]);
      expect(typeof first.body.cursor).toBe('string');
      expect(first.headers[COST_HEADER]).toMatch(new RegExp(`^requests=${ACTIVITY_PAGE_REQUESTS};`));
      // Four day partitions (the 11th empty): one Query each, all 135 records in one page.
      const full = await get(
        '/Activity?since=2026-11-10T00:00:00Z&until=2026-11-13T23:59:59.999Z&count=200',
        'acme',
      );
      expect(full.body.records).toHaveLength(seeded.length);
      expect(Number(/^requests=(\d+);/.exec(full.headers[COST_HEADER] ?? '')?.[1])).toBeLessThanOrEqual(
        ACTIVITY_PAGE_REQUESTS,
      );
    } finally {
      delete process.env.SCIM_COST_HEADER;
    }
    // Each empty day partition costs one Query, ACTIVITY_PAGE_REQUESTS per page. No record
    // outlives the retention (TTL: up to 2 days late), so the walk stops that long before until.
    const emptyDays = DEFAULT_ACTIVITY_RETENTION_DAYS + 2 + 1;
    const { times, pages } = await follow('acme', longRange, 10);
    expect(times).toEqual([]);
    expect(pages).toBe(Math.ceil(emptyDays / ACTIVITY_PAGE_REQUESTS));
  });

  it('a range reaching into the future ends now: no cursor through decades of empty days', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await client.request('POST', '/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `future-${Date.now()}@x.test`,
      },
      token: client.tokenFor('hooli'),
    });
    const { times, pages } = await follow('hooli', `since=${before}&until=2100-01-01T00:00:00Z`, 10);
    expect(times).toHaveLength(1);
    expect(pages).toBe(1);
    // A range that starts after now holds nothing: an empty page, not an inverted Query.
    const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    for (const extra of ['', '&resourceId=u-1']) {
      const res = await get(`/Activity?since=${soon(5)}&until=${soon(10)}${extra}`, 'hooli');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { records: [] } });
    }
  });

  it('keeps tenants apart: another tenant sees only its own records and cannot use this one’s cursor', async () => {
    const globex = await follow('globex', range, 50);
    expect(globex.times).toEqual(['2026-11-12T12:00:00.000Z 201']);
    const acmePage = await get(`/Activity?${range}&count=2`, 'acme');
    const stolen = await get(
      `/Activity?${range}&count=2&cursor=${encodeURIComponent(acmePage.body.cursor)}`,
      'globex',
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.scimType).toBe('invalidCursor');
  });

  it('refuses bad parameters with a 400 invalidValue, never a 500', async () => {
    for (const query of [
      'count=0',
      'count=201',
      'count=abc',
      'status=abc',
      'status=6xx',
      'since=yesterday',
      `since=2026-11-12T00:00:00Z&until=2026-11-11T00:00:00Z`,
      `resourceId=${'x'.repeat(300)}`,
    ]) {
      const res = await get(`/Activity?${query}`, 'acme');
      expect({ query, status: res.status, scimType: res.body.scimType }).toEqual({
        query,
        status: 400,
        scimType: 'invalidValue',
      });
    }
    const forged = await get('/Activity?cursor=not-a-cursor', 'acme');
    expect([forged.status, forged.body.scimType]).toEqual([400, 'invalidCursor']);
    const anonymous = await client.request('GET', '/Activity', { token: null });
    expect(anonymous.status).toBe(401);
  });

  it('records a rejected SCIM request with its scimType and detail, shown on the activity page', async () => {
    const rejected = await client.request('POST', '/Users', {
      token: client.tokenFor('initech'),
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x', active: 'maybe' },
    });
    expect(rejected.status).toBe(400);
    const res = await get('/Activity?status=4xx', 'initech');
    expect(res.body.records).toHaveLength(1);
    expect(res.body.records[0]).toMatchObject({
      method: 'POST',
      status: 400,
      scimType: rejected.body.scimType,
      detail: rejected.body.detail,
      tokenId: 'tok-initech',
    });
  });

  it('property: any set of records pages back exactly, in order, for any page size and filter', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 3 * 24 * 3600 - 1 }),
            status: fc.constantFrom(200, 201, 204, 400, 404, 409, 500),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('', '&status=4xx', '&status=2xx', '&status=404'),
        async (specs, count, filter) => {
          const tenant = `prop-${run++}`;
          const records = specs.map((s) =>
            record(tenant, new Date(Date.parse('2026-10-01T00:00:00Z') + s.offset * 1000), s.status),
          );
          await seed(records);
          // The property's tenants have no token: read through the service's own handler input.
          const local = await createTenantReader(tenant);
          const times = await local(`since=2026-09-30T00:00:00Z&until=2026-10-05T00:00:00Z${filter}`, count);
          const keep =
            filter === ''
              ? () => true
              : filter === '&status=404'
                ? (r: ActivityRecord) => r.status === 404
                : filter === '&status=4xx'
                  ? (r: ActivityRecord) => r.status >= 400 && r.status < 500
                  : (r: ActivityRecord) => r.status < 300;
          expect(times).toEqual(expected(records.filter(keep)));
        },
      ),
      { numRuns: 25, seed: 1612 },
    );
  });
});

/** Pages GET /Activity for a tenant that exists only in the table, through the activity service. */
async function createTenantReader(tenant: string) {
  return async (query: string, count: number): Promise<string[]> => {
    const params = Object.fromEntries(new URLSearchParams(`${query}&count=${count}`));
    const times: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await activityPage(
        { db: client.table.db, tableName: client.table.tableName, tenant },
        cursor === undefined ? params : { ...params, cursor },
      )) as { records: { time: string; status: number }[]; cursor?: string };
      expect(page.records.length).toBeLessThanOrEqual(count);
      times.push(...page.records.map((r) => `${r.time} ${r.status}`));
      cursor = page.cursor;
    } while (cursor !== undefined);
    return times;
  };
}

describe('GET /Activity/Summary', () => {
  it('counts answered and rejected per hour, oldest hour first, one entry per hour even when zero', async () => {
    const now = Date.now();
    const thisHour = Math.floor(now / HOUR) * HOUR;
    await seed([
      record('umbrella', new Date(now - 1000), 201),
      record('umbrella', new Date(now - 2000), 404),
      record('umbrella', new Date(thisHour - 2 * HOUR + 60_000), 200),
      record('umbrella', new Date(thisHour - 2 * HOUR + 120_000), 400),
      record('umbrella', new Date(thisHour - 2 * HOUR + 180_000), 503),
      // Before the window of hours=3: not counted.
      record('umbrella', new Date(thisHour - 3 * HOUR + 1000), 201),
    ]);
    const res = await get('/Activity/Summary?hours=3', 'umbrella');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      hours: [
        { hour: new Date(thisHour - 2 * HOUR).toISOString(), answered: 1, rejected: 2 },
        { hour: new Date(thisHour - HOUR).toISOString(), answered: 0, rejected: 0 },
        { hour: new Date(thisHour).toISOString(), answered: 1, rejected: 1 },
      ],
      answered: 2,
      rejected: 3,
      lastChange: new Date(now - 1000).toISOString(),
    });
    const day = await get('/Activity/Summary', 'umbrella');
    expect(day.body.hours).toHaveLength(24);
    expect(day.body.answered).toBe(3);
    const empty = await get('/Activity/Summary?hours=168', 'globex');
    expect(empty.body.hours).toHaveLength(168);
    expect(empty.body).not.toHaveProperty('lastChange');
    for (const hours of ['0', '169', 'x']) {
      const bad = await get(`/Activity/Summary?hours=${hours}`, 'umbrella');
      expect([bad.status, bad.body.scimType]).toEqual([400, 'invalidValue']);
    }
  });

  it('stops at its item bound and says so (partial, counted from)', async () => {
    const now = new Date();
    const since = new Date(now.getTime() - 24 * HOUR);
    const full = await countActivity(client.table.db, client.table.tableName, 'umbrella', since, now);
    expect(full.countedFrom).toBeUndefined();
    const bounded = await countActivity(client.table.db, client.table.tableName, 'umbrella', since, now, 2);
    expect(bounded.countedFrom).toBeDefined();
    expect([...bounded.hours.values()].reduce((n, b) => n + b.answered + b.rejected, 0)).toBe(2);
    expect(SUMMARY_MAX_ITEMS).toBeGreaterThanOrEqual(10_000);
  });
});
