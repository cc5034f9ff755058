/**
 * One step of one load connection: picks an Okta-like operation by weight, sends it, and on
 * success records what the service acknowledged in the shared `expected` state that the
 * reconciliation checks afterwards. Only acknowledged (2xx) writes change `expected`; a write
 * answered otherwise is counted and reported, and the user it touched is no longer tracked
 * exactly (its state is unknown), except that it must still exist at most once.
 */
import type { BenchResponse, ScimHttpClient } from '../lib/http-client';
import { addMembersPatch, PATCH_SCHEMA, removeMemberPatch, userBody } from '../lib/util';
import type { Expected, ExpectedUser } from './reconcile';
import type { OperationName } from './stats';

export interface Worker {
  readonly index: number;
  serial: number;
  /** Ids of this connection's live users. */
  users: string[];
  readonly groupIds: readonly string[];
  readonly expected: Expected;
  readonly client: ScimHttpClient;
  readonly random: () => number;
}

export interface StepOutcome {
  readonly operation: OperationName;
  readonly status: number;
  readonly ms: number;
  readonly unexpected: string | undefined;
}

/** Weights of the mix: Okta's steady state is mostly look-ups and updates, some churn. */
const MIX: readonly [OperationName, number][] = [
  ['createUser', 18],
  ['lookupUserName', 22],
  ['patchActive', 15],
  ['putUser', 10],
  ['getUser', 8],
  ['addMember', 12],
  ['removeMember', 8],
  ['deleteUser', 7],
];
const TOTAL_WEIGHT = MIX.reduce((s, [, w]) => s + w, 0);

function choose(worker: Worker): OperationName {
  // Nothing to act on yet: create first.
  if (worker.users.length === 0) return 'createUser';
  let r = worker.random() * TOTAL_WEIGHT;
  for (const [op, w] of MIX) {
    r -= w;
    if (r < 0) return op;
  }
  return 'createUser';
}

const pickFrom = <T>(worker: Worker, list: readonly T[]): T =>
  list[Math.floor(worker.random() * list.length)] as T;

function outcome(operation: OperationName, res: BenchResponse, ok: number[]): StepOutcome {
  const unexpected = ok.includes(res.status)
    ? undefined
    : `${operation}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
  return { operation, status: res.status, ms: res.ms, unexpected };
}

export async function workerStep(worker: Worker): Promise<StepOutcome> {
  const operation = choose(worker);
  const { client, expected } = worker;
  switch (operation) {
    case 'createUser': {
      const userName = `load.w${worker.index}.u${worker.serial++}@example.com`;
      const res = await client.request('POST', '/Users', userBody(userName));
      if (res.status === 201) {
        expected.users.set(res.body.id, {
          userName,
          active: true,
          title: undefined,
          deleted: false,
          exact: true,
        });
        worker.users.push(res.body.id);
      }
      return outcome(operation, res, [201]);
    }
    case 'lookupUserName': {
      const id = pickFrom(worker, worker.users);
      const user = expected.users.get(id) as ExpectedUser;
      const filter = encodeURIComponent(`userName eq "${user.userName}"`);
      const res = await client.request('GET', `/Users?filter=${filter}`);
      const found = res.status === 200 && res.body.totalResults === 1 && res.body.Resources[0]?.id === id;
      return {
        ...outcome(operation, res, [200]),
        unexpected: found
          ? undefined
          : `lookup of ${user.userName}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
      };
    }
    case 'patchActive': {
      const id = pickFrom(worker, worker.users);
      const active = worker.random() < 0.5;
      const res = await client.request('PATCH', `/Users/${id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', value: { active } }],
      });
      track(expected, id, res.status === 200, (u) => {
        u.active = active;
      });
      return outcome(operation, res, [200]);
    }
    case 'putUser': {
      const id = pickFrom(worker, worker.users);
      const user = expected.users.get(id) as ExpectedUser;
      const title = `Title ${worker.serial++}`;
      const res = await client.request(
        'PUT',
        `/Users/${id}`,
        userBody(user.userName, { active: user.active, title }),
      );
      track(expected, id, res.status === 200, (u) => {
        u.title = title;
      });
      return outcome(operation, res, [200]);
    }
    case 'getUser': {
      const id = pickFrom(worker, worker.users);
      return outcome(operation, await client.request('GET', `/Users/${id}`), [200]);
    }
    case 'addMember': {
      const id = pickFrom(worker, worker.users);
      const groupId = pickFrom(worker, worker.groupIds);
      const res = await client.request('PATCH', `/Groups/${groupId}`, addMembersPatch([id]));
      if (res.status === 204 || res.status === 200) expected.groups.get(groupId)?.add(id);
      return outcome(operation, res, [200, 204]);
    }
    case 'removeMember': {
      const id = pickFrom(worker, worker.users);
      const groupId = pickFrom(worker, worker.groupIds);
      const res = await client.request('PATCH', `/Groups/${groupId}`, removeMemberPatch(id));
      if (res.status === 204 || res.status === 200) expected.groups.get(groupId)?.delete(id);
      return outcome(operation, res, [200, 204]);
    }
    case 'deleteUser': {
      const id = pickFrom(worker, worker.users);
      const res = await client.request('DELETE', `/Users/${id}`);
      if (res.status === 204) {
        const user = expected.users.get(id) as ExpectedUser;
        user.deleted = true;
        worker.users = worker.users.filter((u) => u !== id);
        for (const members of expected.groups.values()) members.delete(id);
      } else track(expected, id, false, () => undefined);
      return outcome(operation, res, [204]);
    }
  }
}

/** Applies an acknowledged change; an unacknowledged one makes the user's state unknown. */
function track(
  expected: Expected,
  id: string,
  acknowledged: boolean,
  apply: (u: ExpectedUser) => void,
): void {
  const user = expected.users.get(id);
  if (!user) return;
  if (acknowledged) apply(user);
  else user.exact = false;
}
