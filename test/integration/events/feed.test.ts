import { feedSink } from '../../../lambdas/events/feed-events';
import { createFeedHandler } from '../../../lambdas/handlers/feed';
import { matchRoute } from '../../../lambdas/routes';
import { feedPage, parseFeedQuery } from '../../../lambdas/service/feed-service';
import { appendToFeed } from '../../../lambdas/store/feed-store';
import { localActivityWriter } from '../../../local/feed-writer';
import { buildProxyEvent } from '../../../local/http-server';
import type { StreamFollower } from '../../../local/stream-events';
import { createScimTestClient, type ScimTestClient, TEST_BASE, toResponse } from '../../support/scim-client';
import { followTestStream } from '../../support/stream-follower';

let client: ScimTestClient;
let follower: StreamFollower;

beforeAll(async () => {
  // As deployed with the feed on: writes stamp their activity record for the stream consumer.
  client = await createScimTestClient({
    tenants: ['acme', 'globex'],
    settings: { activityFromStream: true },
  });
  const { db, endpoint, tableName } = client.table;
  follower = await followTestStream(client.table, {
    sink: feedSink((tenant, sets) => appendToFeed({ db, tableName, tenant }, sets)),
    writeActivity: localActivityWriter(endpoint, tableName),
  });
});
afterAll(async () => {
  await follower.stop();
  await client.close();
});

type Set = {
  iss: string;
  jti: string;
  sub_id: { uri: string };
  events: Record<string, Record<string, unknown>>;
};
interface Page {
  events: Set[];
  cursor: string;
  more: boolean;
}

async function page(query: string, tenant = 'acme'): Promise<{ status: number; body: Page }> {
  const res = await client.request('GET', `/Events${query}`, { token: client.tokenFor(tenant) });
  return { status: res.status, body: res.body as unknown as Page };
}

/** Follows from `cursor` until a page brings nothing new; returns the events and the cursor. */
async function follow(cursor: string | undefined, tenant = 'acme', count = 100) {
  const events: Set[] = [];
  let at = cursor;
  for (let i = 0; i < 200; i++) {
    const q = new URLSearchParams({ count: String(count), ...(at !== undefined ? { cursor: at } : {}) });
    const { status, body } = await page(`?${q}`, tenant);
    expect(status).toBe(200);
    expect(typeof body.cursor).toBe('string');
    events.push(...body.events);
    at = body.cursor;
    if (!body.more) break;
  }
  return { events, cursor: at as string };
}

const settle = async () => {
  await follower.drain();
  await follower.drain();
};

const uris = (events: Set[]) => events.map((e) => Object.keys(e.events)[0]);

it('every change becomes one SET with RFC 9967 URIs; pages chain by cursor; filters apply', async () => {
  const start = await page('?start=now');
  expect(start.body).toEqual({ events: [], cursor: expect.any(String), more: false });
  const user = (await client.request('POST', '/Users', { body: { userName: 'feed-ada', active: true } }))
    .body;
  await client.request('PATCH', `/Users/${user.id}`, {
    body: { Operations: [{ op: 'replace', value: { title: 'Engineer', active: false } }] },
  });
  await client.request('PATCH', `/Users/${user.id}`, {
    body: { Operations: [{ op: 'replace', value: { active: true } }] },
  });
  await client.request('PUT', `/Users/${user.id}`, {
    body: { userName: 'feed-ada', active: true, title: 'Lead' },
  });
  const group = (
    await client.request('POST', '/Groups', {
      body: { displayName: 'feed-eng', members: [{ value: user.id }] },
    })
  ).body;
  await client.request('PUT', `/Groups/${group.id}`, {
    body: { displayName: 'feed-platform', members: [{ value: user.id }] },
  });
  await client.request('PATCH', `/Groups/${group.id}`, {
    body: { Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }] },
  });
  await client.request('DELETE', `/Groups/${group.id}`);
  await client.request('DELETE', `/Users/${user.id}`);
  await settle();

  // Pages of 2 chain to the same sequence a single page gives; the last page says more=false.
  const small = await follow(start.body.cursor, 'acme', 2);
  const whole = await follow(start.body.cursor, 'acme', 1000);
  expect(small.events.map((e) => e.jti)).toEqual(whole.events.map((e) => e.jti));
  const P = 'urn:ietf:params:scim:event:prov';
  const ofUser = whole.events.filter((e) => e.sub_id.uri === `/Users/${user.id}`);
  // RFC 8417 §2.2: every SET names its issuer, the SCIM base URL sub_id.uri is relative to.
  expect(whole.events.map((e) => e.iss)).toEqual(whole.events.map(() => TEST_BASE));
  expect(uris(ofUser)).toEqual([
    `${P}:create:notice`,
    `${P}:patch:notice`,
    `${P}:deactivate`,
    `${P}:activate`,
    `${P}:put:notice`,
    `${P}:delete`,
  ]);
  // Notices list attribute names only (a create: those it set); a delete has no payload.
  expect(ofUser[0]?.events[`${P}:create:notice`]).toEqual({
    attributes: ['active', 'userName'],
    version: 'W/"1"',
  });
  expect(ofUser[1]?.events[`${P}:patch:notice`]?.attributes).toEqual(['title']);
  expect(ofUser[4]?.events[`${P}:put:notice`]?.attributes).toEqual(['title']);
  expect(ofUser[5]?.events[`${P}:delete`]).toEqual({});
  const ofGroup = whole.events.filter((e) => e.sub_id.uri === `/Groups/${group.id}`);
  expect(uris(ofGroup)).toEqual([
    `${P}:create:notice`,
    `${P}:patch:full`,
    `${P}:put:notice`,
    `${P}:patch:full`,
    `${P}:delete`,
  ]);
  expect(ofGroup[0]?.events[`${P}:create:notice`]?.attributes).toEqual(['displayName']);
  expect(ofGroup[2]?.events[`${P}:put:notice`]?.attributes).toEqual(['displayName']);
  const members = [ofGroup[1], ofGroup[3]].map((e) => e?.events[`${P}:patch:full`]);
  // The full form carries `data` and never `attributes` too (RFC 9967 §2.4).
  for (const payload of members) expect(payload).not.toHaveProperty('attributes');
  const ops = members.map((p) => (p?.data as { Operations: unknown[] } | undefined)?.Operations[0]);
  expect(ops).toEqual([
    { op: 'add', path: 'members', value: [{ value: user.id }] },
    { op: 'remove', path: `members[value eq "${user.id}"]` },
  ]);
  const puts = await page(
    `?eventType=${encodeURIComponent(`${P}:put:notice`)}&count=1000&cursor=${encodeURIComponent(start.body.cursor)}`,
  );
  expect(puts.body.events.map((e) => e.sub_id.uri)).toEqual([`/Users/${user.id}`, `/Groups/${group.id}`]);
  // No values beyond ids: the userName never appears in the feed.
  expect(JSON.stringify(whole.events)).not.toContain('feed-ada');
  // An idle feed still answers a cursor, which resumes where it was.
  const idle = await page(`?cursor=${encodeURIComponent(whole.cursor)}`);
  expect(idle.body.events).toEqual([]);
  expect(idle.body.more).toBe(false);
  expect(idle.body.cursor).toEqual(expect.any(String));

  const groupsOnly = await page(
    `?resourceType=Group&count=1000&cursor=${encodeURIComponent(start.body.cursor)}`,
  );
  expect(groupsOnly.body.events.map((e) => e.jti)).toEqual(ofGroup.map((e) => e.jti));
  const deletes = await page(
    `?eventType=${encodeURIComponent(`${P}:delete,${P}:deactivate`)}&count=1000&cursor=${encodeURIComponent(start.body.cursor)}`,
  );
  expect(uris(deletes.body.events).sort()).toEqual([`${P}:deactivate`, `${P}:delete`, `${P}:delete`]);
});

it('bad parameters and foreign cursors are 400s; another tenant sees nothing of acme', async () => {
  const bad = [
    '?count=0',
    '?count=1001',
    '?count=x',
    '?resourceType=Device',
    '?eventType=urn:x',
    '?start=then',
  ];
  for (const query of bad) expect((await page(query)).status).toBe(400);
  const acme = await page('?start=now');
  const forged = await page(`?cursor=${encodeURIComponent(`${acme.body.cursor.slice(0, -2)}AA`)}`);
  expect(forged.status).toBe(400);
  const replayed = await page(`?cursor=${encodeURIComponent(acme.body.cursor)}`, 'globex');
  expect(replayed.status).toBe(400);
  expect((replayed.body as unknown as { scimType: string }).scimType).toBe('invalidCursor');
  await client.request('POST', '/Users', { body: { userName: 'only-acme' } });
  await settle();
  const globex = await follow(undefined, 'globex');
  expect(globex.events).toEqual([]);
});

it('retention: entries past it are not served, a cursor older than it is 400 expiredCursor', async () => {
  const store = { db: client.table.db, tableName: client.table.tableName, tenant: 'ret' };
  await appendToFeed(store, [{ jti: 'a' }, { jti: 'b' }], 1);
  const ctx = { store, issuer: TEST_BASE, retentionDays: 1 };
  const now = await feedPage(ctx, parseFeedQuery({}));
  expect(now.events).toEqual([
    { iss: TEST_BASE, jti: 'a' },
    { iss: TEST_BASE, jti: 'b' },
  ]);
  const later = new Date(Date.now() + 2 * 86_400_000);
  const stale = await feedPage(ctx, parseFeedQuery({}), later);
  expect(stale.events).toEqual([]);
  await expect(feedPage(ctx, parseFeedQuery({ cursor: now.cursor }), later)).rejects.toMatchObject({
    scimType: 'expiredCursor',
  });
});

it('initial sync: start=now cursor, list everything through SCIM, follow: equals the directory', async () => {
  const tenant = 'globex';
  const req = (method: string, path: string, body?: unknown) =>
    client.request(method, path, { token: client.tokenFor(tenant), ...(body !== undefined ? { body } : {}) });
  const u1 = (await req('POST', '/Users', { userName: 'sync-1' })).body;
  await settle();
  const { body: start } = await page('?start=now', tenant);
  // Writes racing the listing: some land before it, some after.
  const u2 = (await req('POST', '/Users', { userName: 'sync-2' })).body;
  const listed = (await req('GET', '/Users?count=100')).body as unknown as { Resources: { id: string }[] };
  await req('DELETE', `/Users/${u1.id}`);
  const u3 = (await req('POST', '/Users', { userName: 'sync-3' })).body;
  await settle();
  const mirror = new Set(listed.Resources.map((r) => r.id));
  const { events } = await follow(start.cursor, tenant);
  for (const e of events) {
    const id = e.sub_id.uri.split('/')[2] as string;
    if (e.events['urn:ietf:params:scim:event:prov:delete']) mirror.delete(id);
    else if (e.events['urn:ietf:params:scim:event:prov:create:notice']) mirror.add(id);
  }
  const now = (await req('GET', '/Users?count=100')).body as unknown as { Resources: { id: string }[] };
  expect([...mirror].sort()).toEqual(now.Resources.map((r) => r.id).sort());
  expect([...mirror].sort()).toEqual([u2.id, u3.id].sort());
});

describe('a deployment without the stream consumer (changeEvents off)', () => {
  it('answers GET /Events with a SCIM 404 that says why, instead of an empty feed', async () => {
    const handler = createFeedHandler(() => client.runtime, 30, false);
    const url = new URL(`${TEST_BASE}/Events`);
    const match = matchRoute(url.pathname);
    if (!match) throw new Error('unrouted /Events');
    const res = toResponse(
      await handler(
        buildProxyEvent({
          method: 'GET',
          url,
          rawHeaders: ['Host', url.host, 'Authorization', `Bearer ${client.tokenFor('acme')}`],
          body: '',
          resource: match.route.path,
          pathParameters: match.pathParameters,
        }),
      ),
    );
    expect(res.status).toBe(404);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(res.body.detail).toContain('changeEvents off');
  });
});
