/**
 * Model-based property test of group membership: random sequences of the membership requests
 * Okta and Entra send (add, remove by filter, Entra's remove with a value list, replace, path-less
 * replace, full PUT, remove all) against a plain Set. After every sequence the membership items,
 * GET /Groups/{id} and the inverted index (`members.value eq`) must all agree with the model.
 * Seeded, so a failure replays.
 */
import fc from 'fast-check';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';

// Many parallel requests on one DynamoDB Local: slow when the whole suite shares the machine.
jest.setTimeout(240_000);

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const POOL = 6;

let client: ScimTestClient;
let users: string[];

beforeAll(async () => {
  client = await createScimTestClient();
  users = [];
  for (let i = 0; i < POOL; i++) {
    const res = await client.request('POST', '/Users', { body: { schemas: [USER], userName: `prop${i}` } });
    users.push(res.body.id);
  }
});
afterAll(() => client.close());

type Step =
  | { kind: 'addOkta' | 'addEntra' | 'removeList' | 'replace' | 'replacePathless' | 'put'; picks: number[] }
  | { kind: 'removeOne'; pick: number }
  | { kind: 'removeAll' };

const picks = fc.uniqueArray(fc.integer({ min: 0, max: POOL - 1 }), { maxLength: POOL });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('addOkta' as const), picks }),
  fc.record({ kind: fc.constant('addEntra' as const), picks: picks.filter((p) => p.length > 0) }),
  fc.record({ kind: fc.constant('removeList' as const), picks: picks.filter((p) => p.length > 0) }),
  fc.record({ kind: fc.constant('replace' as const), picks }),
  fc.record({ kind: fc.constant('replacePathless' as const), picks }),
  fc.record({ kind: fc.constant('put' as const), picks }),
  fc.record({ kind: fc.constant('removeOne' as const), pick: fc.integer({ min: 0, max: POOL - 1 }) }),
  fc.constant({ kind: 'removeAll' as const }),
);

const patch = (...Operations: unknown[]) => ({ body: { schemas: [PATCH_OP], Operations } });

async function apply(groupId: string, displayName: string, s: Step, model: Set<string>): Promise<void> {
  const ids = 'picks' in s ? s.picks.map((i) => users[i] as string) : [];
  let res: Awaited<ReturnType<ScimTestClient['request']>>;
  switch (s.kind) {
    case 'addOkta':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value, display: value })) }),
      );
      for (const id of ids) model.add(id);
      break;
    case 'addEntra':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }),
      );
      for (const id of ids) model.add(id);
      break;
    case 'removeList':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }),
      );
      for (const id of ids) model.delete(id);
      break;
    case 'removeOne': {
      const id = users[s.pick] as string;
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${id}"]` }),
      );
      model.delete(id);
      break;
    }
    case 'removeAll':
      res = await client.request('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: 'members' }));
      model.clear();
      break;
    case 'replace':
    case 'replacePathless':
      res = await client.request(
        'PATCH',
        `/Groups/${groupId}`,
        s.kind === 'replace'
          ? patch({ op: 'replace', path: 'members', value: ids.map((value) => ({ value })) })
          : patch({ op: 'replace', value: { members: ids.map((value) => ({ value })) } }),
      );
      model.clear();
      for (const id of ids) model.add(id);
      break;
    case 'put':
      res = await client.request('PUT', `/Groups/${groupId}`, {
        body: { schemas: [GROUP], displayName, members: ids.map((value) => ({ value })) },
      });
      model.clear();
      for (const id of ids) model.add(id);
      break;
  }
  expect([200, 204]).toContain(res.status);
}

it('membership after any sequence of Okta/Entra member requests equals the model (property)', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
      run++;
      const displayName = `Property ${run}`;
      const created = await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
      const groupId = created.body.id as string;
      const model = new Set<string>();
      for (const s of steps) await apply(groupId, displayName, s, model);

      const got = await client.request('GET', `/Groups/${groupId}`);
      const members = (got.body.members as { value: string }[]).map((m) => m.value).sort();
      expect(members).toEqual([...model].sort());
      // The inverted index agrees, user by user.
      for (const user of users) {
        const res = await client.request(
          'GET',
          `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`members.value eq "${user}" and id eq "${groupId}"`)}`,
        );
        expect(res.body.totalResults).toBe(model.has(user) ? 1 : 0);
      }
      await client.request('DELETE', `/Groups/${groupId}`);
    }),
    { seed: 20261123, numRuns: 12 },
  );
});
