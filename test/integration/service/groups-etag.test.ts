/** RFC 7644 §3.14 ETags on /Groups: 304 on If-None-Match, 412 on a stale or raced If-Match. */
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';
import { onTransaction } from '../../support/transaction-hook';

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

describe('RFC 9110 §13.1: entity-tag lists, If-Match on reads, If-None-Match on writes', () => {
  it('If-Match / If-None-Match lists match when any listed version is current', async () => {
    const g = await group('etag-lists');
    const u1 = await user('etag.list.1@example.com');
    const current = Number(/\d+/.exec(g.etag)?.[0]);
    const list = `W/"${current + 40}", ${g.etag}`;
    expect(
      (await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-None-Match': list } })).status,
    ).toBe(304);
    const stale = `W/"${current + 40}", W/"${current + 41}", "not-ours"`;
    expect(
      (await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-None-Match': stale } })).status,
    ).toBe(200);
    // A member-only PATCH naming two versions applies when one of them is current…
    const ok = await addMember(g.id, u1, list);
    expect(ok.status).toBe(204);
    expect(ok.headers.etag).toBe(`W/"${current + 1}"`);
    // …and is 412 when none is, writing nothing.
    expect((await addMember(g.id, u1, stale)).status).toBe(412);
    const put = await client.request('PUT', `/Groups/${g.id}`, {
      body: { displayName: 'etag-lists' },
      headers: { 'If-Match': stale },
    });
    expect(put.status).toBe(412);
    expect(await members(g.id)).toEqual([u1]);
    const putOk = await client.request('PUT', `/Groups/${g.id}`, {
      body: { displayName: 'etag-lists' },
      headers: { 'If-Match': `"${current + 40}", "${current + 1}"` },
    });
    expect(putOk.status).toBe(200);
    expect(await members(g.id)).toEqual([]);
  });

  it('GET with an If-Match naming another version is 412; the current one (or *) is 200', async () => {
    const g = await group('etag-get-if-match');
    const miss = await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-Match': 'W/"999"' } });
    expect(miss.status).toBe(412);
    expect(miss.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect((await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-Match': g.etag } })).status).toBe(
      200,
    );
    expect((await client.request('GET', `/Groups/${g.id}`, { headers: { 'If-Match': '*' } })).status).toBe(
      200,
    );
  });

  it('If-None-Match: * or the current version on PATCH, PUT and DELETE is 412 and changes nothing', async () => {
    const g = await group('etag-none-match-writes');
    const u1 = await user('etag.nonematch.1@example.com');
    for (const header of ['*', g.etag, `W/"77", ${g.etag}`]) {
      const patch = await client.request('PATCH', `/Groups/${g.id}`, {
        body: { Operations: [{ op: 'add', path: 'members', value: [{ value: u1 }] }] },
        headers: { 'If-None-Match': header },
      });
      expect(patch.status).toBe(412);
      const put = await client.request('PUT', `/Groups/${g.id}`, {
        body: { displayName: 'renamed' },
        headers: { 'If-None-Match': header },
      });
      expect(put.status).toBe(412);
      const del = await client.request('DELETE', `/Groups/${g.id}`, { headers: { 'If-None-Match': header } });
      expect(del.status).toBe(412);
    }
    const now = await client.request('GET', `/Groups/${g.id}`);
    expect(now.headers.etag).toBe(g.etag);
    expect(now.body.displayName).toBe('etag-none-match-writes');
    // Naming only another version lets the write through.
    const patch = await client.request('PATCH', `/Groups/${g.id}`, {
      body: { Operations: [{ op: 'add', path: 'members', value: [{ value: u1 }] }] },
      headers: { 'If-None-Match': 'W/"77"' },
    });
    expect(patch.status).toBe(204);
    // A user too: If-None-Match: * on a PATCH of an existing user fails.
    const userPatch = await client.request('PATCH', `/Users/${u1}`, {
      body: { Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] },
      headers: { 'If-None-Match': '*' },
    });
    expect(userPatch.status).toBe(412);
  });
});

it('re-adding a member (an IdP retry) writes nothing and leaves the ETag where it was', async () => {
  const g = await group('etag-readd');
  const u1 = await user('etag.readd.1@example.com');
  const u2 = await user('etag.readd.2@example.com');
  expect((await addMember(g.id, u1)).status).toBe(204);
  const before = (await client.request('GET', `/Groups/${g.id}`)).headers.etag as string;
  const again = await addMember(g.id, u1, before);
  expect(again.status).toBe(204);
  expect(again.headers.etag).toBe(before);
  expect((await client.request('GET', `/Groups/${g.id}`)).headers.etag).toBe(before);
  // A new member beside an existing one is still added, with one version step.
  const both = await client.request('PATCH', `/Groups/${g.id}`, {
    body: { Operations: [{ op: 'add', path: 'members', value: [{ value: u1 }, { value: u2 }] }] },
  });
  expect(both.status).toBe(204);
  expect(await members(g.id)).toEqual([u1, u2].sort());
  const after = (await client.request('GET', `/Groups/${g.id}`)).headers.etag;
  expect(after).toBe(`W/"${Number(/\d+/.exec(before)?.[0]) + 1}"`);
});

it('a POST and a PUT of more than 49 members (several transactions) answer the ETag of the version they produced', async () => {
  const ids: string[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => user(`etag.many.${batch * 20 + i}@example.com`)),
    );
    ids.push(...made);
  }
  const created = await client.request('POST', '/Groups', {
    body: { displayName: 'etag-many', members: ids.slice(0, 110).map((value) => ({ value })) },
  });
  expect(created.status).toBe(201);
  const afterCreate = await client.request('GET', `/Groups/${created.body.id}?excludedAttributes=members`);
  // Created at 1, then two transactions of the other 61 members under the create's lock.
  expect(created.headers.etag).toBe('W/"3"');
  expect(afterCreate.headers.etag).toBe(created.headers.etag);
  expect(created.body.meta.version).toBe(created.headers.etag);

  // 60 removed and 10 added: transactions of 49 and 21 changes, under the lock.
  const put = await client.request('PUT', `/Groups/${created.body.id}`, {
    body: { displayName: 'etag-many', members: ids.slice(60, 120).map((value) => ({ value })) },
  });
  expect(put.status).toBe(200);
  const afterPut = await client.request('GET', `/Groups/${created.body.id}`);
  expect(put.headers.etag).toBe('W/"5"');
  expect(afterPut.headers.etag).toBe(put.headers.etag);
  expect(afterPut.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
    ids.slice(60, 120).sort(),
  );
});

it("a rename read back after another request's write of the group answers 204 without an ETag, not that write's version", async () => {
  const g = await group('etag-rename-race');
  const u1 = await user('etag.rename.race@example.com');
  // Right after the rename's transaction commits, before its read-back, a member add lands.
  const hook = onTransaction(client.runtime.db, {
    name: 'interleaveAfterRename',
    when: 'after',
    action: async () => {
      expect((await addMember(g.id, u1)).status).toBe(204);
    },
  });
  const rename = (displayName: string) =>
    client.request('PATCH', `/Groups/${g.id}`, {
      body: { Operations: [{ op: 'replace', path: 'displayName', value: displayName }] },
    });
  try {
    const raced = await rename('etag-rename-race-2');
    expect(hook.fired()).toBe(true);
    expect(raced.status).toBe(204);
    // Its version is the rename's plus the add's: not the rename's own, so no ETag at all.
    expect(raced.headers.etag).toBeUndefined();
    // Without a write in between, the rename's own version is the ETag, as a GET confirms.
    const alone = await rename('etag-rename-race-3');
    expect(alone.headers.etag).toBeDefined();
    expect(alone.headers.etag).toBe((await client.request('GET', `/Groups/${g.id}`)).headers.etag);
  } finally {
    hook.remove();
  }
});

it('parallel renames of one group never answer the same ETag twice', async () => {
  const g = await group('etag-rename-burst');
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      client.request('PATCH', `/Groups/${g.id}`, {
        body: { Operations: [{ op: 'replace', path: 'displayName', value: `etag-rename-burst-${i}` }] },
      }),
    ),
  );
  expect(responses.every((r) => r.status === 204 || r.status === 503)).toBe(true);
  const etags = responses.map((r) => r.headers.etag).filter((etag): etag is string => etag !== undefined);
  expect(new Set(etags).size).toBe(etags.length);
});

it("a PUT whose member write lost its race to another request's rename answers the state a GET shows, not its own attributes under the rename's version", async () => {
  const g = await group('etag-put-race');
  const u1 = await user('etag.put.race@example.com');
  // The PUT's first member transaction waits while another request renames the group.
  const hook = onTransaction(client.runtime.db, {
    name: 'renameBeforeMembers',
    when: 'before',
    matches: (input) => input.includes('"GroupRef"'),
    action: async () => {
      const renamed = await client.request('PATCH', `/Groups/${g.id}`, {
        body: { Operations: [{ op: 'replace', path: 'displayName', value: 'etag-put-race-other' }] },
      });
      expect(renamed.status).toBe(204);
    },
  });
  try {
    const put = await client.request('PUT', `/Groups/${g.id}`, {
      body: { displayName: 'etag-put-race', externalId: 'ext-1', members: [{ value: u1 }] },
    });
    expect(hook.fired()).toBe(true);
    expect(put.status).toBe(200);
    const after = await client.request('GET', `/Groups/${g.id}`);
    // Whatever the response shows, its ETag names exactly that state.
    if (put.headers.etag === after.headers.etag) {
      expect(put.body.displayName).toBe(after.body.displayName);
      expect(put.body.externalId).toBe(after.body.externalId);
    }
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([u1]);
  } finally {
    hook.remove();
  }
});
