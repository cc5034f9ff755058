/**
 * Races through the real handlers on DynamoDB Local (requests started together with
 * Promise.all; the handlers interleave on their DynamoDB awaits, as parallel Lambdas do on one
 * table). What a client must be able to rely on: uniqueness holds under parallel writers,
 * conditional writes let exactly one writer win, and parallel membership changes compose.
 */
import fc from 'fast-check';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';
import { FUZZ_SEED } from './support/fuzz';
import { checkInvariants, scanTable } from './support/table';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let n = 0;

beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

const userBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Race', familyName: 'Condition' },
  active: true,
  ...extra,
});

async function createUser(userName = `race.${++n}@example.com`): Promise<string> {
  const res = await client.request('POST', '/Users', { body: userBody(userName) });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function expectInvariants(): Promise<void> {
  const report = checkInvariants(await scanTable(client.table));
  expect(report.broken).toEqual([]);
}

async function usersNamed(userName: string): Promise<number> {
  const res = await client.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  expect(res.status).toBe(200);
  return res.body.totalResults;
}

describe('concurrency', () => {
  it('Okta and Entra create one userName 12 times in parallel (mixed case): exactly one 201, the rest 409 uniqueness', async () => {
    const base = `parallel.create.${++n}@example.com`;
    const variants = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? base.toUpperCase() : base));
    const results = await Promise.all(
      variants.map((u) => client.request('POST', '/Users', { body: userBody(u) })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.scimType).toBe('uniqueness');
    expect(await usersNamed(base)).toBe(1);
    await expectInvariants();
  });

  // RFC 7644 §3.14: the version check and the write are one conditional write, so of N
  // writers holding the same ETag exactly one wins.
  it('parallel PUTs with the same If-Match: one 200, the rest 412', async () => {
    const userName = `ifmatch.${++n}@example.com`;
    const id = await createUser(userName);
    const etag = (await client.request('GET', `/Users/${id}`)).headers.etag as string;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.request('PUT', `/Users/${id}`, {
          body: userBody(userName, { title: `writer ${i}` }),
          headers: { 'If-Match': etag },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(5);
  });

  it('parallel PATCHes of different attributes of one user all land (read-modify-write retried)', async () => {
    const id = await createUser();
    const attributes = ['title', 'nickName', 'displayName', 'locale', 'profileUrl', 'userType'];
    const results = await Promise.all(
      attributes.map((path, i) =>
        client.request('PATCH', `/Users/${id}`, {
          body: {
            schemas: [PATCH],
            Operations: [{ op: 'replace', path, value: path === 'profileUrl' ? `https://x/${i}` : `v${i}` }],
          },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(attributes.map(() => 200));
    const user = (await client.request('GET', `/Users/${id}`)).body;
    for (const path of attributes) expect(user[path]).toBeDefined();
  });

  it('Okta Group Push: parallel PATCH add/remove of single members on one group ends with the model set (seeded)', async () => {
    const pool = await Promise.all(Array.from({ length: 10 }, () => createUser()));
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool),
        // Each user gets at most one operation per round, so the final set does not depend on order.
        fc.array(fc.constantFrom<'add' | 'remove' | 'none'>('add', 'remove', 'none'), {
          minLength: 10,
          maxLength: 10,
        }),
        async (initial, ops) => {
          const create = await client.request('POST', '/Groups', {
            body: {
              schemas: [GROUP],
              displayName: `race group ${++n}`,
              members: initial.map((value) => ({ value })),
            },
          });
          expect(create.status).toBe(201);
          const groupId = create.body.id;
          const expected = new Set(initial);
          const requests = pool.flatMap((userId, i) => {
            const op = ops[i];
            if (op === 'add') expected.add(userId);
            if (op === 'remove') expected.delete(userId);
            if (op === 'none' || op === undefined) return [];
            return [
              client.request('PATCH', `/Groups/${groupId}`, {
                body: {
                  schemas: [PATCH],
                  Operations:
                    op === 'add'
                      ? [{ op: 'add', path: 'members', value: [{ value: userId }] }]
                      : [{ op: 'remove', path: `members[value eq "${userId}"]` }],
                },
              }),
            ];
          });
          const results = await Promise.all(requests);
          for (const r of results) expect([200, 204]).toContain(r.status);
          const group = await client.request('GET', `/Groups/${groupId}`);
          const members = new Set<string>((group.body.members ?? []).map((m: { value: string }) => m.value));
          expect([...members].sort()).toEqual([...expected].sort());
          // And the inverted index agrees: each user lists the group exactly when it is a member.
          for (const userId of pool) {
            const user = (await client.request('GET', `/Users/${userId}`)).body;
            const listed = (user.groups ?? []).some((g: { value: string }) => g.value === groupId);
            expect(listed).toBe(expected.has(userId));
          }
        },
      ),
      { seed: FUZZ_SEED, numRuns: 4 },
    );
    await expectInvariants();
  });

  it('a rename racing a create of the old name never leaves two users with one name', async () => {
    for (let round = 0; round < 8; round++) {
      const oldName = `rename.old.${++n}@example.com`;
      const newName = `rename.new.${n}@example.com`;
      const id = await createUser(oldName);
      const [rename, create, createNew] = await Promise.all([
        client.request('PATCH', `/Users/${id}`, {
          body: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: newName }] },
        }),
        client.request('POST', '/Users', { body: userBody(oldName) }),
        client.request('POST', '/Users', { body: userBody(newName.toUpperCase()) }),
      ]);
      expect([200, 409]).toContain(rename.status);
      expect([201, 409]).toContain(create.status);
      expect([201, 409]).toContain(createNew.status);
      // Exactly one of the rename and the create of the new name can hold the new name.
      expect([rename.status, createNew.status].filter((s) => s < 300)).toHaveLength(1);
      expect(await usersNamed(oldName)).toBeLessThanOrEqual(1);
      expect(await usersNamed(newName)).toBe(1);
    }
    await expectInvariants();
  });

  it('DELETE of a user racing its addition to a group: the group never shows the deleted user', async () => {
    for (let round = 0; round < 5; round++) {
      const userId = await createUser();
      const group = await client.request('POST', '/Groups', {
        body: { schemas: [GROUP], displayName: `del race ${++n}` },
      });
      const [add, del] = await Promise.all([
        client.request('PATCH', `/Groups/${group.body.id}`, {
          body: {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
          },
        }),
        client.request('DELETE', `/Users/${userId}`),
      ]);
      expect([200, 204, 400]).toContain(add.status);
      expect(del.status).toBe(204);
      const read = await client.request('GET', `/Groups/${group.body.id}`);
      expect((read.body.members ?? []).map((m: { value: string }) => m.value)).not.toContain(userId);
    }
    await expectInvariants();
  });

  it('DELETE of a group racing a member add: 404 or success, and no membership survives the group', async () => {
    for (let round = 0; round < 5; round++) {
      const userId = await createUser();
      const group = await client.request('POST', '/Groups', {
        body: { schemas: [GROUP], displayName: `gdel race ${++n}` },
      });
      const [add, del] = await Promise.all([
        client.request('PATCH', `/Groups/${group.body.id}`, {
          body: {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
          },
        }),
        client.request('DELETE', `/Groups/${group.body.id}`),
      ]);
      expect([200, 204, 404]).toContain(add.status);
      expect(del.status).toBe(204);
      const user = (await client.request('GET', `/Users/${userId}`)).body;
      expect(user.groups ?? []).toEqual([]);
    }
    const report = checkInvariants(await scanTable(client.table));
    expect(report.broken).toEqual([]);
    expect(report.orphanMembershipsOfGroups).toEqual([]);
  });
});
