/** RFC 7644 §3.14 ETags on /Groups: 304 on If-None-Match, 412 on a stale or raced If-Match. */
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;
beforeAll(async () => {
  client = await createScimTestClient({ tenants: ['acme'] });
});
afterAll(() => client.close());

async function user(userName: string): Promise<string> {
  const res = await client.request('POST', '/Users', { body: { userName } });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function group(displayName: string) {
  const res = await client.request('POST', '/Groups', { body: { displayName } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, etag: res.headers.etag as string };
}
const addMember = (id: string, userId: string, ifMatch?: string) =>
  client.request('PATCH', `/Groups/${id}`, {
    body: { Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] },
    ...(ifMatch ? { headers: { 'If-Match': ifMatch } } : {}),
  });
const members = async (id: string) =>
  ((await client.request('GET', `/Groups/${id}`)).body.members ?? []).map((m: { value: string }) => m.value);

it('GET with If-None-Match of the current version is 304; any member change moves the ETag', async () => {
  const g = await group('etag-readers');
  const same = await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-None-Match': g.etag } });
  expect(same.status).toBe(304);
  expect(same.text).toBe('');
  expect((await addMember(g.id, await user('etag.reader.1@example.com'))).status).toBe(204);
  const after = await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-None-Match': g.etag } });
  expect(after.status).toBe(200);
  expect(after.headers.etag).not.toBe(g.etag);
});

it('a stale If-Match on PATCH, PUT and DELETE is 412 and changes nothing', async () => {
  const g = await group('etag-writers');
  const u1 = await user('etag.writer.1@example.com');
  const u2 = await user('etag.writer.2@example.com');
  const ok = await addMember(g.id, u1, g.etag);
  expect(ok.status).toBe(204);
  const stale = await addMember(g.id, u2, g.etag);
  expect(stale.status).toBe(412);
  expect(stale.body.status).toBe('412');
  const stalePut = await client.request('PUT', `/Groups/${g.id}`, {
    body: { displayName: 'etag-writers-renamed', members: [] },
    headers: { 'If-Match': g.etag },
  });
  expect(stalePut.status).toBe(412);
  expect(
    (await client.request('DELETE', `/Groups/${g.id}`, { headers: { 'If-Match': g.etag } })).status,
  ).toBe(412);
  const current = await client.request('GET', `/Groups/${g.id}`);
  expect(current.body.displayName).toBe('etag-writers');
  expect(current.body.members.map((m: { value: string }) => m.value)).toEqual([u1]);
  // With the current ETag (or *) the same requests go through.
  const put = await client.request('PUT', `/Groups/${g.id}`, {
    body: { displayName: 'etag-writers', members: [{ value: u2 }] },
    headers: { 'If-Match': current.headers.etag ?? '' },
  });
  expect(put.status).toBe(200);
  expect(await members(g.id)).toEqual([u2]);
  expect((await client.request('DELETE', `/Groups/${g.id}`, { headers: { 'If-Match': '*' } })).status).toBe(
    204,
  );
});

it('parallel member PATCHes naming one version: exactly one applies, the rest are 412', async () => {
  const g = await group('etag-race');
  const users = await Promise.all(Array.from({ length: 6 }, (_, i) => user(`etag.race.${i}@example.com`)));
  const results = await Promise.all(users.map((u) => addMember(g.id, u, g.etag)));
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s === 204)).toHaveLength(1);
  expect(statuses.filter((s) => s === 412)).toHaveLength(5);
  const winner = users[statuses.indexOf(204)];
  expect(await members(g.id)).toEqual([winner]);
});

it('a member-only PATCH with a stale If-Match is 412 and writes nothing, on either side of the membership', async () => {
  const g = await group('etag-member-only');
  const u1 = await user('etag.member.1@example.com');
  const u2 = await user('etag.member.2@example.com');
  const ok = await addMember(g.id, u1, g.etag);
  expect(ok.status).toBe(204);
  const before = await client.request('GET', `/Groups/${g.id}?excludedAttributes=members`);
  const removeStale = await client.request('PATCH', `/Groups/${g.id}`, {
    body: { Operations: [{ op: 'remove', path: `members[value eq "${u1}"]` }] },
    headers: { 'If-Match': g.etag },
  });
  expect(removeStale.status).toBe(412);
  expect((await addMember(g.id, u2, g.etag)).status).toBe(412);
  expect(await members(g.id)).toEqual([u1]);
  // The user side agrees: u1 is still in the group, u2 never got in.
  expect(
    (await client.request('GET', `/Users/${u1}`)).body.groups?.map((r: { value: string }) => r.value),
  ).toEqual([g.id]);
  expect((await client.request('GET', `/Users/${u2}`)).body.groups ?? []).toEqual([]);
  const after = await client.request('GET', `/Groups/${g.id}?excludedAttributes=members`);
  expect(after.headers.etag).toBe(before.headers.etag);
});

it('If-Match on a member PATCH of a group that does not exist is 404, not 412', async () => {
  const g = await group('etag-gone');
  const u = await user('etag.gone@example.com');
  expect((await client.request('DELETE', `/Groups/${g.id}`)).status).toBe(204);
  expect((await addMember(g.id, u, g.etag)).status).toBe(404);
});
