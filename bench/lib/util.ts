/**
 * Small helpers every section shares: progress on stderr (stdout stays clean for tools),
 * percentiles, a bounded-concurrency loop, and SCIM bodies shaped like Okta's.
 */
import type { DynamoCost } from '../../lambdas/observability/dynamo-cost';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let lastProgress = 0;
const interactive = process.stderr.isTTY === true;

/** One progress line; on a terminal it is rewritten in place, in logs it is throttled. */
export function progress(text: string, force = false): void {
  const now = Date.now();
  if (!force && now - lastProgress < (interactive ? 100 : 5000)) return;
  lastProgress = now;
  if (interactive) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** A progress line that stays. */
export function note(text: string): void {
  if (interactive) process.stderr.write('\r\x1b[2K');
  process.stderr.write(`${text}\n`);
  lastProgress = 0;
}

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function runPool(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A user as Okta creates it: placeholder password, empty groups, externalId. */
export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [given = 'Bench', family = 'User'] = userName.split('@')[0]?.split('.') ?? [];
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: given, familyName: family },
    displayName: `${given} ${family}`,
    emails: [{ primary: true, value: userName, type: 'work' }],
    active: true,
    password: 'placeholder-Passw0rd!',
    groups: [],
    ...extra,
  };
}

export function groupBody(displayName: string, memberIds: readonly string[] = []): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    displayName,
    members: memberIds.map((value) => ({ value })),
  };
}

export function addMembersPatch(memberIds: readonly string[]): Record<string, unknown> {
  return {
    schemas: [PATCH_SCHEMA],
    Operations: [
      { op: 'add', path: 'members', value: memberIds.map((value) => ({ value, display: value })) },
    ],
  };
}

/** Okta's removal form: a value filter in the path. */
export function removeMemberPatch(memberId: string): Record<string, unknown> {
  return { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: `members[value eq "${memberId}"]` }] };
}

/** Read and write request counts, by DynamoDB action. */
const READ_ACTIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
export function readsOf(cost: DynamoCost): number {
  return Object.entries(cost.byCommand)
    .filter(([name]) => READ_ACTIONS.has(name))
    .reduce((sum, [, n]) => sum + n, 0);
}
export function writesOf(cost: DynamoCost): number {
  return cost.requests - readsOf(cost);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
