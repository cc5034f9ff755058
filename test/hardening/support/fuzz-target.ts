/**
 * The fuzz target shared by the fuzz-*.test.ts files: one user with the enterprise extension,
 * one member user and one group on a fresh table per file, `probe` (one request, a SCIM answer,
 * and on 4xx no data changed) and the closing invariants check. Seeded like every fuzz run
 * (support/fuzz.ts FUZZ_SEED).
 */
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../../support/scim-client';
import { assertNoPrototypePollution, assertScimAnswer, HOSTILE_KEYS } from './fuzz';
import { checkInvariants, dataSnapshot, scanTable, snapshotDiff } from './table';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export let client: ScimTestClient;
export let userId: string;
export let groupId: string;
export let otherUserId: string;

export const validUser = {
  schemas: [USER, ENTERPRISE],
  userName: 'fuzz.target@example.com',
  externalId: '00u1fuzz',
  name: { givenName: 'Fuzz', familyName: 'Target', formatted: 'Fuzz Target' },
  displayName: 'Fuzz Target',
  emails: [{ value: 'fuzz.target@example.com', type: 'work', primary: true }],
  phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  active: true,
  [ENTERPRISE]: { employeeNumber: '42', department: 'QA' },
};
export const validGroup = { schemas: [GROUP], displayName: 'Fuzz Group', externalId: 'g-fuzz' };

/** Registers the hooks that create the target and check the prototype after every test. */
export function useFuzzTarget(): void {
  beforeAll(async () => {
    client = await createScimTestClient();
    userId = (await client.request('POST', '/Users', { body: validUser })).body.id;
    otherUserId = (
      await client.request('POST', '/Users', {
        body: { schemas: [USER], userName: 'fuzz.member@example.com' },
      })
    ).body.id;
    groupId = (
      await client.request('POST', '/Groups', { body: { ...validGroup, members: [{ value: otherUserId }] } })
    ).body.id;
  });
  afterAll(() => client.close());
  afterEach(() => assertNoPrototypePollution());
}

/** Sends one request; checks the answer; on 4xx checks the data did not change. */
export async function probe(
  method: string,
  path: string,
  options: { rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ScimResponse> {
  const before = await dataSnapshot(client.table);
  const res = await client.request(method, path, options);
  const what = `${method} ${path.slice(0, 200)} ${options.rawBody?.slice(0, 200) ?? ''}`;
  assertScimAnswer(res, what);
  if (res.status >= 400) {
    const changed = snapshotDiff(before, await dataSnapshot(client.table));
    if (changed.length > 0) throw new Error(`4xx changed data (${changed.join(', ')}): ${what}`);
  }
  return res;
}

/** The closing test of every fuzz file: invariants hold, hostile keys never became prototypes. */
export function itKeepsTheStoreIntact(): void {
  describe('after all the fuzzing', () => {
    it('the store still holds its invariants and the hostile keys were never stored as prototypes', async () => {
      const items = await scanTable(client.table);
      const report = checkInvariants(items);
      expect(report.broken).toEqual([]);
      expect(report.orphanMembershipsOfGroups).toEqual([]);
      for (const item of items) {
        for (const key of HOSTILE_KEYS.slice(0, 3)) {
          const resource = item.resource as Record<string, unknown> | undefined;
          if (resource && Object.hasOwn(resource, key)) {
            // Stored only as an ordinary own key would be acceptable; a polluted prototype is not.
            expect(Object.getPrototypeOf(resource)).toBe(Object.prototype);
          }
        }
      }
    });
  });
}
