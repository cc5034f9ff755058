/**
 * Model-based test: fast-check generates sequences of Okta/Entra-like operations (create, PUT,
 * PATCH, rename, delete of users and groups; member add/remove) and runs each against the real
 * handlers on DynamoDB Local AND against a small in-memory model of SCIM semantics:
 *  - userName unique case-insensitively (RFC 7643 §4.1.1 "caseExact false"), displayName too
 *    (this service's choice, docs/GROUPS.md), a collision is 409 uniqueness;
 *  - an unknown id is 404; adding a user that does not exist to a group is 400;
 *  - deleting a user removes it from every group, deleting a group removes its memberships;
 *  - User.groups is exactly the groups the user is a member of.
 * After every step the status must be the model's; the touched resources and list totals must
 * match; at the end of each sequence every known resource is compared in full.
 *
 * Each sequence runs in a tenant of its own (tenants are isolated by key), so runs and shrink
 * attempts never see each other's data. Seeded and bounded (FUZZ_SEED, ≤ 30 × 15 commands).
 */
import fc from 'fast-check';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../support/scim-client';
import { FUZZ_SEED, FUZZ_TIME_LIMIT_MS, timeBoxed } from './support/fuzz';
import { checkInvariants, scanTable } from './support/table';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Few names, differing in case, so collisions are frequent. */
const USER_NAMES = [
  'alice@example.com',
  'ALICE@example.com',
  'bob@example.com',
  'Bob@Example.com',
  'carol@example.com',
];
const GROUP_NAMES = ['Engineering', 'engineering', 'Sales', 'Ops'];

interface ModelUser {
  userName: string;
  active: boolean;
  title: string | undefined;
}
interface ModelGroup {
  displayName: string;
  members: Set<string>;
}
interface Model {
  users: Map<string, ModelUser>;
  groups: Map<string, ModelGroup>;
  /** Every id ever created, deleted ones included, in creation order (commands pick from it). */
  userIds: string[];
  groupIds: string[];
}
interface Real {
  readonly token: string;
  request(method: string, path: string, body?: unknown): Promise<ScimResponse>;
}

const lower = (s: string) => s.toLowerCase();
const pick = <T>(list: readonly T[], index: number): T | undefined =>
  list.length === 0 ? undefined : list[index % list.length];
const takenByOther = <T>(map: Map<string, T>, name: (v: T) => string, wanted: string, self?: string) =>
  [...map].some(([id, v]) => id !== self && lower(name(v)) === lower(wanted));

function expectStatus(res: ScimResponse, expected: number, what: string): void {
  if (res.status !== expected) {
    throw new Error(`${what}: expected HTTP ${expected}, got ${res.status} ${res.text.slice(0, 300)}`);
  }
}

async function checkUser(model: Model, real: Real, id: string): Promise<void> {
  const res = await real.request('GET', `/Users/${id}`);
  const user = model.users.get(id);
  if (!user) return expectStatus(res, 404, `GET deleted user ${id}`);
  expectStatus(res, 200, `GET user ${id}`);
  expect(res.body.userName).toBe(user.userName);
  expect(res.body.active).toBe(user.active);
  expect(res.body.title).toBe(user.title);
  const groups = [...model.groups].filter(([, g]) => g.members.has(id)).map(([gid]) => gid);
  expect((res.body.groups ?? []).map((g: { value: string }) => g.value).sort()).toEqual(groups.sort());
}

async function checkGroup(model: Model, real: Real, id: string): Promise<void> {
  const res = await real.request('GET', `/Groups/${id}`);
  const group = model.groups.get(id);
  if (!group) return expectStatus(res, 404, `GET deleted group ${id}`);
  expectStatus(res, 200, `GET group ${id}`);
  expect(res.body.displayName).toBe(group.displayName);
  expect((res.body.members ?? []).map((m: { value: string }) => m.value).sort()).toEqual(
    [...group.members].sort(),
  );
}

async function checkTotals(model: Model, real: Real): Promise<void> {
  const users = await real.request('GET', '/Users?count=1');
  expectStatus(users, 200, 'list users');
  expect(users.body.totalResults).toBe(model.users.size);
  const groups = await real.request('GET', '/Groups?count=1&excludedAttributes=members');
  expectStatus(groups, 200, 'list groups');
  expect(groups.body.totalResults).toBe(model.groups.size);
}

/** One command: what it does to the model (and the status it predicts) and to the service. */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  abstract run(model: Model, real: Real): Promise<void>;
  abstract toString(): string;
}

class CreateUser extends Step {
  constructor(readonly name: number) {
    super();
  }
  async run(m: Model, r: Real) {
    const userName = USER_NAMES[this.name % USER_NAMES.length] as string;
    const res = await r.request('POST', '/Users', { schemas: [USER], userName, active: true });
    if (takenByOther(m.users, (u) => u.userName, userName)) return expectStatus(res, 409, this.toString());
    expectStatus(res, 201, this.toString());
    m.users.set(res.body.id, { userName, active: true, title: undefined });
    m.userIds.push(res.body.id);
    await checkUser(m, r, res.body.id);
  }
  toString() {
    return `CreateUser(${this.name})`;
  }
}

class ReplaceUser extends Step {
  constructor(
    readonly user: number,
    readonly name: number,
    readonly active: boolean,
    readonly title: string | undefined,
  ) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.userIds, this.user);
    if (!id) return;
    const userName = USER_NAMES[this.name % USER_NAMES.length] as string;
    const res = await r.request('PUT', `/Users/${id}`, {
      schemas: [USER],
      userName,
      active: this.active,
      ...(this.title !== undefined ? { title: this.title } : {}),
    });
    const user = m.users.get(id);
    if (!user) return expectStatus(res, 404, this.toString());
    if (takenByOther(m.users, (u) => u.userName, userName, id))
      return expectStatus(res, 409, this.toString());
    expectStatus(res, 200, this.toString());
    Object.assign(user, { userName, active: this.active, title: this.title });
    await checkUser(m, r, id);
  }
  toString() {
    return `ReplaceUser(${this.user}, ${this.name}, ${this.active}, ${this.title})`;
  }
}

class PatchUser extends Step {
  constructor(
    readonly user: number,
    readonly change:
      | { kind: 'active'; value: boolean }
      | { kind: 'rename'; name: number }
      | { kind: 'title'; value: string | null },
  ) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.userIds, this.user);
    if (!id) return;
    const c = this.change;
    // Okta sends lower-case ops and a path; Entra capitalises ops: both must work.
    const operation =
      c.kind === 'active'
        ? { op: 'replace', value: { active: c.value } }
        : c.kind === 'rename'
          ? { op: 'Replace', path: 'userName', value: USER_NAMES[c.name % USER_NAMES.length] }
          : c.value === null
            ? { op: 'Remove', path: 'title' }
            : { op: 'Add', path: 'title', value: c.value };
    const res = await r.request('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [operation] });
    const user = m.users.get(id);
    if (!user) return expectStatus(res, 404, this.toString());
    if (c.kind === 'rename') {
      const userName = USER_NAMES[c.name % USER_NAMES.length] as string;
      if (takenByOther(m.users, (u) => u.userName, userName, id))
        return expectStatus(res, 409, this.toString());
      user.userName = userName;
    } else if (c.kind === 'active') user.active = c.value;
    else user.title = c.value ?? undefined;
    expectStatus(res, 200, this.toString());
    await checkUser(m, r, id);
  }
  toString() {
    return `PatchUser(${this.user}, ${JSON.stringify(this.change)})`;
  }
}

class DeleteUser extends Step {
  constructor(readonly user: number) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.userIds, this.user);
    if (!id) return;
    const res = await r.request('DELETE', `/Users/${id}`);
    if (!m.users.has(id)) return expectStatus(res, 404, this.toString());
    expectStatus(res, 204, this.toString());
    m.users.delete(id);
    for (const g of m.groups.values()) g.members.delete(id);
    await checkUser(m, r, id);
  }
  toString() {
    return `DeleteUser(${this.user})`;
  }
}

/** Member picks index the ids ever created: deleted users are picked too (expect 400). */
const memberIds = (m: Model, picks: readonly number[]) => [
  ...new Set(picks.map((p) => pick(m.userIds, p)).filter((id): id is string => id !== undefined)),
];

class CreateGroup extends Step {
  constructor(
    readonly name: number,
    readonly members: number[],
  ) {
    super();
  }
  async run(m: Model, r: Real) {
    const displayName = GROUP_NAMES[this.name % GROUP_NAMES.length] as string;
    const ids = memberIds(m, this.members);
    const res = await r.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName,
      members: ids.map((value) => ({ value })),
    });
    if (ids.some((id) => !m.users.has(id))) return expectStatus(res, 400, this.toString());
    if (takenByOther(m.groups, (g) => g.displayName, displayName))
      return expectStatus(res, 409, this.toString());
    expectStatus(res, 201, this.toString());
    m.groups.set(res.body.id, { displayName, members: new Set(ids) });
    m.groupIds.push(res.body.id);
    await checkGroup(m, r, res.body.id);
  }
  toString() {
    return `CreateGroup(${this.name}, [${this.members}])`;
  }
}

class ReplaceGroup extends Step {
  constructor(
    readonly group: number,
    readonly name: number,
    readonly members: number[],
  ) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.groupIds, this.group);
    if (!id) return;
    const displayName = GROUP_NAMES[this.name % GROUP_NAMES.length] as string;
    const ids = memberIds(m, this.members);
    const res = await r.request('PUT', `/Groups/${id}`, {
      schemas: [GROUP],
      displayName,
      members: ids.map((value) => ({ value })),
    });
    const group = m.groups.get(id);
    if (!group) return expectStatus(res, 404, this.toString());
    if (ids.some((uid) => !m.users.has(uid))) return expectStatus(res, 400, this.toString());
    if (takenByOther(m.groups, (g) => g.displayName, displayName, id))
      return expectStatus(res, 409, this.toString());
    expectStatus(res, 200, this.toString());
    group.displayName = displayName;
    group.members = new Set(ids);
    await checkGroup(m, r, id);
  }
  toString() {
    return `ReplaceGroup(${this.group}, ${this.name}, [${this.members}])`;
  }
}

class PatchGroup extends Step {
  constructor(
    readonly group: number,
    readonly change: { kind: 'add' | 'remove'; members: number[] } | { kind: 'rename'; name: number },
  ) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.groupIds, this.group);
    if (!id) return;
    const c = this.change;
    let operations: unknown[];
    let ids: string[] = [];
    if (c.kind === 'rename') {
      operations = [{ op: 'replace', path: 'displayName', value: GROUP_NAMES[c.name % GROUP_NAMES.length] }];
    } else {
      ids = memberIds(m, c.members);
      if (ids.length === 0) return;
      operations =
        c.kind === 'add'
          ? [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }]
          : // Entra removes with a value list, Okta with a value filter: alternate.
            ids.length === 1
            ? [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }]
            : [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }];
    }
    const res = await r.request('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: operations });
    const group = m.groups.get(id);
    if (!group) return expectStatus(res, 404, this.toString());
    if (c.kind === 'rename') {
      const displayName = GROUP_NAMES[c.name % GROUP_NAMES.length] as string;
      if (takenByOther(m.groups, (g) => g.displayName, displayName, id))
        return expectStatus(res, 409, this.toString());
      group.displayName = displayName;
    } else if (c.kind === 'add') {
      if (ids.some((uid) => !m.users.has(uid))) return expectStatus(res, 400, this.toString());
      for (const uid of ids) group.members.add(uid);
    } else {
      for (const uid of ids) group.members.delete(uid);
    }
    expect([200, 204]).toContain(res.status);
    await checkGroup(m, r, id);
  }
  toString() {
    return `PatchGroup(${this.group}, ${JSON.stringify(this.change)})`;
  }
}

class DeleteGroup extends Step {
  constructor(readonly group: number) {
    super();
  }
  async run(m: Model, r: Real) {
    const id = pick(m.groupIds, this.group);
    if (!id) return;
    const res = await r.request('DELETE', `/Groups/${id}`);
    if (!m.groups.has(id)) return expectStatus(res, 404, this.toString());
    expectStatus(res, 204, this.toString());
    const members = m.groups.get(id)?.members ?? new Set<string>();
    m.groups.delete(id);
    await checkGroup(m, r, id);
    for (const uid of members) await checkUser(m, r, uid);
  }
  toString() {
    return `DeleteGroup(${this.group})`;
  }
}

/** Wraps every step with the cheap global check: list totals after each command. */
class Checked extends Step {
  constructor(readonly inner: Step) {
    super();
  }
  async run(m: Model, r: Real) {
    await this.inner.run(m, r);
    await checkTotals(m, r);
  }
  toString() {
    return this.inner.toString();
  }
}

const idx = fc.nat({ max: 20 });
const picks = fc.array(idx, { maxLength: 3 });
const commands = [
  fc.nat({ max: 4 }).map((n) => new CreateUser(n)),
  fc.nat({ max: 4 }).map((n) => new CreateUser(n)),
  fc
    .tuple(
      idx,
      fc.nat({ max: 4 }),
      fc.boolean(),
      fc.option(fc.constantFrom('Engineer', 'Manager'), { nil: undefined }),
    )
    .map(([u, n, a, t]) => new ReplaceUser(u, n, a, t)),
  fc
    .tuple(
      idx,
      fc.oneof(
        fc.boolean().map((value) => ({ kind: 'active' as const, value })),
        fc.nat({ max: 4 }).map((name) => ({ kind: 'rename' as const, name })),
        fc
          .option(fc.constantFrom('Lead', 'Intern'), { nil: null })
          .map((value) => ({ kind: 'title' as const, value })),
      ),
    )
    .map(([u, c]) => new PatchUser(u, c)),
  idx.map((u) => new DeleteUser(u)),
  fc.tuple(fc.nat({ max: 3 }), picks).map(([n, ms]) => new CreateGroup(n, ms)),
  fc.tuple(idx, fc.nat({ max: 3 }), picks).map(([g, n, ms]) => new ReplaceGroup(g, n, ms)),
  fc
    .tuple(
      idx,
      fc.oneof(
        fc
          .tuple(fc.constantFrom('add' as const, 'remove' as const), picks)
          .map(([kind, members]) => ({ kind, members })),
        fc.nat({ max: 3 }).map((name) => ({ kind: 'rename' as const, name })),
      ),
    )
    .map(([g, c]) => new PatchGroup(g, c)),
  idx.map((g) => new DeleteGroup(g)),
].map((arb) => arb.map((step) => new Checked(step) as fc.AsyncCommand<Model, Real>));

describe('model-based: sequences of user and group operations match an in-memory SCIM model', () => {
  let client: ScimTestClient;
  const TENANTS = Array.from({ length: 2_000 }, (_, i) => `model-${i}`);
  let nextTenant = 0;

  beforeAll(async () => {
    client = await createScimTestClient({ tenants: TENANTS });
  });
  afterAll(() => client.close());

  it('every step answers as the model predicts and leaves the same observable state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 15 }),
        timeBoxed(async (cmds: Iterable<fc.AsyncCommand<Model, Real>>) => {
          const tenant = TENANTS[nextTenant++];
          if (!tenant) throw new Error('out of model tenants: raise TENANTS');
          const token = client.tokenFor(tenant);
          const real: Real = {
            token,
            request: (method, path, body) =>
              client.request(method, path, { token, ...(body !== undefined ? { body } : {}) }),
          };
          const model: Model = { users: new Map(), groups: new Map(), userIds: [], groupIds: [] };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          // Full comparison at the end: every resource ever created, deleted ones as 404.
          for (const id of model.userIds) await checkUser(model, real, id);
          for (const id of model.groupIds) await checkGroup(model, real, id);
        }, FUZZ_TIME_LIMIT_MS * 5),
      ),
      { seed: FUZZ_SEED, numRuns: 30 },
    );
    const report = checkInvariants(await scanTable(client.table));
    expect(report.broken).toEqual([]);
    // Every delete above succeeded without faults: clean-ups ran, so no orphans at all.
    expect(report.orphanMembershipsOfUsers).toEqual([]);
    expect(report.orphanMembershipsOfGroups).toEqual([]);
  }, 120_000);
});
