/**
 * The Groups resource (RFC 7643 §4.2, RFC 7644 §3) over one item per membership. No HTTP here:
 * the handler turns requests into these calls and results into responses.
 *
 * Membership changes are membership writes (transactions of ≤49 memberships that also bump the
 * group's version), never an edited `members` array; every member id added must be a user of
 * THIS tenant. Attribute changes are a write of the group item conditional on its version.
 * Everything that can be rejected is checked before anything is written. Reads with members are
 * capped at MAX_MEMBERS_PER_RESPONSE (docs/GROUPS.md).
 *
 * Why, the order of a write, and DynamoDB requests per operation: docs/DECISIONS.md.
 */

import { randomUUID } from 'node:crypto';
import { DomainError, isDomainError } from '../domain/errors';
import { clipped } from '../scim/clip';
import type { AttributeLookup, FilterNode } from '../scim/filter/ast';
import { compileFilter } from '../scim/filter/evaluate';
import type { ListParameters, ListResponse } from '../scim/list';
import { etagOf } from '../scim/meta';
import { applyPatch } from '../scim/patch/apply';
import { memberIdsOf, splitMemberOperations } from '../scim/patch/members';
import { parsePatchRequest, patchSchemasOf } from '../scim/patch/request';
import type { MemberChange } from '../scim/patch/types';
import type { JsonObject } from '../scim/schema/json';
import { isAttributeRequested, type Projection } from '../scim/schema/projection';
import { parseResourceInput } from '../scim/schema/resource-input';
import {
  claimGroupVersion,
  createGroup,
  deleteGroupItem,
  GROUP_READS,
  getGroup,
  isGroupId,
  MEMBERS_IN_CREATE,
  type ReplacedGroup,
  replaceGroup,
  type StoredGroup,
} from '../store/groups-store';
import {
  assertUsersExist,
  type GroupConditionFailure,
  type GroupLockStep,
  listMemberIds,
  type MemberDetail,
  type MembershipDelta,
  memberDetails,
  membersAmong,
  membershipTransactions,
  releaseGroupLock,
  removeAllMembershipsOfGroup,
  requireUsers,
  takeGroupLock,
  writeMembershipTransaction,
} from '../store/memberships-store';
import { findGroups } from './groups-query';
import { groupRepresentation, memberReference } from './groups-representation';
import {
  countAfterWrite,
  listResources,
  mustExist,
  notFoundError,
  type ResourceContext,
  type ResourceKind,
  type ResourceOperations,
  type ResourceResult,
  resultOf,
  sameAttributes,
} from './resource-service';
import { type IfMatch, namesVersion, retryWhileBusy, writeWithRetries } from './write-retries';

/**
 * Most members one response carries. 10,000 members of ~200 bytes (value, display, $ref, type)
 * are ~2 MB (2.07 MB measured), inside Lambda's 6 MB response limit unless display names are very
 * long (http/response.ts then refuses a read and answers a write without members), and
 * ⌈10,000/100⌉ = 100 BatchGetItem for display names stay within API Gateway's 29 s.
 */
export const MAX_MEMBERS_PER_RESPONSE = 10_000;

/** Most member ids one PATCH may name (add/remove/replace), the same bound as POST/PUT. */
export const MAX_MEMBERS_PER_REQUEST = 10_000;

export interface GroupsContext extends ResourceContext {
  /** Overrides DELETE_BUDGET_MS (tests). */
  readonly deleteBudgetMs?: number;
}

type Groups = ResourceOperations<GroupsContext>;

export const GROUPS: ResourceKind<StoredGroup> = {
  resourceType: 'Group',
  stored: GROUP_READS,
  find: findGroups,
  // Sorting compares attributes; members are not read for it (sortBy=members sorts nothing).
  represent: groupRepresentation,
};

const mustGetGroup = (ctx: GroupsContext, id: string): Promise<StoredGroup> =>
  mustExist('Group', id, getGroup(ctx.store, id));

const membersRequested = (ctx: GroupsContext, projection: Projection): boolean =>
  isAttributeRequested('members', 'Group', projection, ctx.registry);

function tooManyMembers(what: string): never {
  throw new DomainError(
    'tooMany',
    `${what} more than ${MAX_MEMBERS_PER_RESPONSE} members, more than one response carries; read it with excludedAttributes=members, and test a membership with GET /Groups?filter=members.value eq "<user id>"`,
  );
}

/**
 * Member ids of each group, sharing one budget of MAX_MEMBERS_PER_RESPONSE across a response.
 * Reads keys only (Query), then display names for the distinct ids in one batched pass.
 */
async function readMembers(
  ctx: GroupsContext,
  groups: readonly StoredGroup[],
): Promise<Map<string, JsonObject[]>> {
  const idsByGroup = new Map<string, string[]>();
  let budget = MAX_MEMBERS_PER_RESPONSE;
  for (const group of groups) {
    const { ids, truncated } = await listMemberIds(ctx.store, group.id, budget);
    if (truncated) {
      tooManyMembers(groups.length === 1 ? `Group ${group.id} has` : 'The groups of this page have');
    }
    budget -= ids.length;
    idsByGroup.set(group.id, ids);
  }
  const details = await memberDetails(ctx.store, [...idsByGroup.values()].flat());
  return new Map(
    [...idsByGroup].map(([groupId, ids]) => [
      groupId,
      // A membership whose user is gone (deleted concurrently, clean-up pending) is not shown.
      ids.filter((id) => details.has(id)).map((id) => memberReference(ctx.baseUrl, id, details.get(id))),
    ]),
  );
}

function present(
  ctx: GroupsContext,
  stored: StoredGroup,
  projection: Projection,
  members: readonly JsonObject[] | undefined,
): ResourceResult {
  return resultOf(
    ctx,
    'Group',
    groupRepresentation(stored, ctx.baseUrl, members),
    stored.version,
    projection,
  );
}

/** Reads members only when the projection asks for them (Entra's excludedAttributes=members costs 1 GetItem). */
async function presentWithMembers(
  ctx: GroupsContext,
  stored: StoredGroup,
  projection: Projection,
): Promise<ResourceResult> {
  if (!membersRequested(ctx, projection)) return present(ctx, stored, projection, undefined);
  const members = await readMembers(ctx, [stored]);
  return present(ctx, stored, projection, members.get(stored.id) ?? []);
}

/** The member ids of a POST/PUT body, at most MAX_MEMBERS_PER_RESPONSE of them. */
function requestedMemberIds(resource: JsonObject): string[] {
  const ids = memberIdsOf(resource.members, 'members');
  if (ids.length > MAX_MEMBERS_PER_RESPONSE) {
    throw new DomainError(
      'tooMany',
      `A request may set at most ${MAX_MEMBERS_PER_RESPONSE} members; add more with PATCH in batches`,
    );
  }
  return ids;
}

/**
 * The group, its guard and up to MEMBERS_IN_CREATE memberships in one transaction. Past that,
 * the group is created locked (no extra request) and the other members follow in membership
 * transactions under that lock, the last releasing it: no other member change interleaves, and
 * each moves the version, so a DELETE that read the group before one of them fails its version
 * condition and re-reads instead of leaving that transaction's memberships behind. The version
 * returned counts them; an attribute write by another request meanwhile (attribute writes do not
 * wait for the lock) leaves it lower than the stored one, so an If-Match with it fails.
 */
async function createGroupWithMembers(
  ctx: GroupsContext,
  resource: JsonObject,
  ids: readonly string[],
): Promise<StoredGroup> {
  if (ids.length <= MEMBERS_IN_CREATE) {
    const created = await createGroup(ctx.store, resource, new Date(), ids);
    await countAfterWrite(ctx, 'GROUPS', +1);
    return created;
  }
  const holder = randomUUID();
  const created = await createGroup(ctx.store, resource, new Date(), ids.slice(0, MEMBERS_IN_CREATE), holder);
  // Counted once the group exists: a DELETE that wins before the rest counts it out again.
  await countAfterWrite(ctx, 'GROUPS', +1);
  const rest = { add: ids.slice(MEMBERS_IN_CREATE), remove: [] };
  try {
    await commitMembershipDelta(ctx, created.id, rest, undefined, holder);
  } catch (error) {
    if (!isDomainError(error, 'notFound')) throw error;
    throw new DomainError(
      'versionConflict',
      `Group ${created.id} was deleted by another request while its members were added`,
      { cause: error },
    );
  }
  return { ...created, version: created.version + membershipTransactions(rest).length };
}

/** POST /Groups (RFC 7644 §3.3): 201 with the group as GET returns it. */
const createGroupResource: Groups['create'] = async (ctx, body, projection) => {
  const resource = parseResourceInput('Group', body, ctx.registry);
  const ids = requestedMemberIds(resource);
  // Unknown members are refused before anything is stored.
  const details: Map<string, MemberDetail> = ids.length > 0 ? await requireUsers(ctx.store, ids) : new Map();
  const stored = await createGroupWithMembers(ctx, resource, ids);
  const members = ids.map((id) => memberReference(ctx.baseUrl, id, details.get(id)));
  return present(ctx, stored, projection, membersRequested(ctx, projection) ? members : undefined);
};

/** GET /Groups/{id} (RFC 7644 §3.4.1). */
const getGroupResource: Groups['get'] = async (ctx, id, projection) =>
  presentWithMembers(ctx, await mustGetGroup(ctx, id), projection);

/** GET /Groups and POST /Groups/.search; members read only when the projection wants them. */
function listGroupResources(ctx: GroupsContext, params: ListParameters): Promise<ListResponse<JsonObject>> {
  return listResources(ctx, GROUPS, params, (page, projection) => presentGroupPage(ctx, page, projection));
}

/** A listed page of groups as the client sees it (also the root search's). */
export async function presentGroupPage(
  ctx: GroupsContext,
  page: readonly StoredGroup[],
  projection: Projection,
): Promise<JsonObject[]> {
  const members = membersRequested(ctx, projection) ? await readMembers(ctx, page) : undefined;
  return page.map(
    (g) => present(ctx, g, projection, members ? (members.get(g.id) ?? []) : undefined).resource,
  );
}

/** Lost races are re-run (write-retries.ts); If-Match is enforced by claimIfMatch instead. */
const withRetries = <T>(attempt: () => Promise<T>): Promise<T> => writeWithRetries(undefined, attempt);

const staleIfMatch = (version?: number): DomainError =>
  new DomainError(
    'preconditionFailed',
    version === undefined
      ? 'If-Match does not name a version of this group'
      : `If-Match does not match the group's current version ${etagOf(version)}`,
  );

/** The version a membership write is conditional on, and what a different one means. */
interface ExpectedVersion {
  readonly version: number;
  /** ifMatch: the client's precondition (preconditionFailed); read: the members were read at it (re-plan). */
  readonly source: 'ifMatch' | 'read';
}

/** A lock of another change is a race like a TransactionConflict: retryWhileBusy waits it out. */
function lockedIsConflict<R extends { readonly outcome: string }>(result: R): R {
  if (result.outcome === 'locked') {
    throw new DomainError('versionConflict', "Another change of this group's members is in progress");
  }
  return result;
}

/** notFound, or the stale version's error; 'locked' is handled by the callers. */
function conditionFailed(
  groupId: string,
  expected: ExpectedVersion | undefined,
  result: GroupConditionFailure,
): never {
  if (result.outcome === 'versionMismatch') {
    if (expected?.source === 'read') {
      throw new DomainError('versionConflict', 'The group changed while its members were read');
    }
    throw staleIfMatch(result.currentVersion);
  }
  if (result.outcome === 'locked') {
    throw new DomainError('busy', "Another change of this group's members is in progress; retry", {
      retryAfterSeconds: 1,
    });
  }
  throw notFoundError('Group', groupId);
}

/**
 * Writes a membership delta as transactions of ≤49 members. One transaction is conditional on
 * `expected` when given. More run under the group's lock (GroupLockStep: the first that writes
 * takes it, conditional on `expected`; the last releases it), so no other membership change
 * interleaves. Each is retried while it meets concurrent transactions or another change's lock,
 * then 'busy'. notFound when the group does not exist; a version other than `expected` is
 * preconditionFailed (If-Match) or versionConflict (the caller re-plans). Returns the version
 * after the change when it is known without a read (one transaction and `expected`).
 */
async function commitMembershipDelta(
  ctx: GroupsContext,
  groupId: string,
  delta: MembershipDelta,
  expected?: ExpectedVersion,
  /** The lock this request already holds (takeGroupLock): every transaction holds it, the last releases it. */
  heldBy?: string,
): Promise<number | undefined> {
  let chunks = membershipTransactions(delta);
  const [first] = chunks;
  const empty = chunks.length === 1 && first !== undefined && first.add.length + first.remove.length === 0;
  // Nothing to write, and the members were read at `expected`: that read is the change's point.
  if (empty && expected?.source === 'read') return expected.version;
  const holder = heldBy ?? (chunks.length > 1 ? randomUUID() : undefined);
  let held = heldBy !== undefined;
  let written = 0;
  try {
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i] as MembershipDelta;
      const last = i === chunks.length - 1;
      const lock: GroupLockStep | undefined =
        holder === undefined || (!held && last)
          ? undefined
          : { holder, step: held ? (last ? 'release' : 'hold') : 'take' };
      const options = {
        // The precondition rides on the first transaction that writes.
        ...(!held && expected !== undefined ? { expectedVersion: expected.version } : {}),
        ...(empty ? { bumpVersion: false } : {}),
        ...(lock ? { lock } : {}),
      };
      // Until this change holds the lock, another's lock is waited out like a TransactionConflict.
      const result = await retryWhileBusy(async () => {
        const outcome = await writeMembershipTransaction(ctx.store, groupId, chunk, options);
        return held ? outcome : lockedIsConflict(outcome);
      });
      // A DELETE that won between two transactions also removed the earlier ones' memberships
      // (they moved the version it deletes on, or preceded its read), so nothing is left behind.
      if (result.outcome !== 'written' && result.outcome !== 'unchanged')
        conditionFailed(groupId, expected, result);
      if (result.outcome === 'written') {
        written++;
        held = lock !== undefined && lock.step !== 'release';
      }
      const rest = chunks.slice(i + 1);
      if ((result.skippedNonMembers ?? 0) > 0 && rest.some((c) => c.remove.length > 0)) {
        // Non-members met: read which of the remaining ids are members (⌈n/100⌉ BatchGetItem)
        // rather than cancel one transaction per 49 of them.
        const members = await membersAmong(
          ctx.store,
          groupId,
          rest.flatMap((c) => c.remove),
        );
        const add = rest.flatMap((c) => c.add);
        const remove = rest.flatMap((c) => c.remove).filter((id) => members.has(id));
        const next = add.length + remove.length > 0 ? membershipTransactions({ add, remove }) : [];
        chunks = [...chunks.slice(0, i + 1), ...next];
      }
    }
  } finally {
    // Still held when the last transaction wrote nothing or a step failed: release it (best
    // effort; a lock left behind expires after GROUP_LOCK_MS).
    if (held && holder !== undefined)
      await releaseGroupLock(ctx.store, groupId, holder).catch(() => undefined);
  }
  if (expected === undefined) return undefined;
  if (written === 0 || empty) return expected.version;
  // Past `expected`, only this change's transactions moved the version: one transaction was
  // conditional on it, or several ran under the lock. (An attribute write between two of them
  // would leave this lower than the stored version: an If-Match with it then fails.)
  return expected.version + written;
}

/**
 * Applies member changes (PATCH operations, or a PUT's member list as one replace). Changes
 * that depend on the current members (replace, remove all, remove by filter) read them with the
 * group's version and write conditionally on that version: a membership change committed in
 * between makes this one re-read and re-plan instead of overwriting it (no lost update).
 * `knownVersion`: the version this request has just written or read, saving the first read.
 */
async function changeMembers(
  ctx: GroupsContext,
  groupId: string,
  changes: readonly MemberChange[],
  options: { readonly ifMatch?: number; readonly knownVersion?: number } = {},
): Promise<number | undefined> {
  const { ifMatch } = options;
  if (changes.every((c) => c.kind === 'add' || c.kind === 'remove')) {
    const delta = await netMemberDelta(ctx, changes);
    return commitMembershipDelta(
      ctx,
      groupId,
      delta,
      ifMatch !== undefined ? { version: ifMatch, source: 'ifMatch' } : undefined,
    );
  }
  // Optimistic first: the members read at a version, the write conditional on it (no extra request).
  const version = options.knownVersion ?? (await mustGetGroup(ctx, groupId)).version;
  if (ifMatch !== undefined && version !== ifMatch) throw staleIfMatch(version);
  try {
    const members = new Set((await listMemberIds(ctx.store, groupId)).ids);
    const delta = await netMemberDelta(ctx, changes, members);
    return await commitMembershipDelta(ctx, groupId, delta, {
      version,
      source: ifMatch !== undefined ? 'ifMatch' : 'read',
    });
  } catch (error) {
    // Under If-Match a moved version is the client's 412 (thrown above as preconditionFailed).
    if (!isDomainError(error, 'versionConflict')) throw error;
  }
  // Lost the race: re-reading optimistically could lose it again and again under a burst of
  // member changes, so take the group's lock (waiting out others' changes), read the members
  // under it and write the difference holding it; the last transaction releases it.
  const holder = randomUUID();
  const taken = await retryWhileBusy(async () =>
    lockedIsConflict(await takeGroupLock(ctx.store, groupId, holder)),
  );
  if (taken.outcome !== 'taken') conditionFailed(groupId, undefined, taken);
  let handedOver = false;
  try {
    const members = new Set((await listMemberIds(ctx.store, groupId)).ids);
    const delta = await netMemberDelta(ctx, changes, members);
    // The version is not this request's own: the write that moved it (the reason for the lock)
    // may be another request's rename, so its count would name a state with that name.
    if (delta.add.length + delta.remove.length === 0) return undefined;
    handedOver = true; // commitMembershipDelta releases the lock, whatever happens
    await commitMembershipDelta(ctx, groupId, delta, undefined, holder);
    return undefined;
  } finally {
    if (!handedOver) await releaseGroupLock(ctx.store, groupId, holder).catch(() => undefined);
  }
}

/**
 * Enforces If-Match before a PUT, PATCH or DELETE changes anything: the named version is claimed
 * atomically (claimGroupVersion), so of several writers naming one version only one proceeds.
 */
async function claimIfMatch(ctx: GroupsContext, current: StoredGroup, ifMatch: IfMatch): Promise<void> {
  if (!namesVersion(ifMatch)) return;
  if (
    !ifMatch.includes(current.version) ||
    !(await claimGroupVersion(ctx.store, current.id, current.version))
  ) {
    throw staleIfMatch(current.version);
  }
}

/** PUT /Groups/{id} (RFC 7644 §3.5.1): attributes replaced, members become exactly the list given. */
async function replaceGroupResource(
  ctx: GroupsContext,
  id: string,
  body: unknown,
  projection: Projection = {},
  ifMatch?: IfMatch,
): Promise<ResourceResult> {
  const resource = parseResourceInput('Group', body, ctx.registry);
  const ids = requestedMemberIds(resource);
  let first: StoredGroup | undefined = await mustGetGroup(ctx, id); // notFound before member look-ups
  if (namesVersion(ifMatch)) {
    await claimIfMatch(ctx, first, ifMatch);
    first = undefined; // the claim moved the version: read it again
  }
  const details: Map<string, MemberDetail> = ids.length > 0 ? await requireUsers(ctx.store, ids) : new Map();
  let read: StoredGroup | undefined = first;
  let stored = await withRetries(async () => {
    const current = read ?? (await mustGetGroup(ctx, id));
    read = undefined; // a retry re-reads
    // Okta (AIW) sends a PUT for every membership change: unchanged attributes are not rewritten.
    if (sameAttributes(current.resource, resource, 'members')) return current;
    return replaceGroup(ctx.store, current, resource);
  });
  const after = await changeMembers(ctx, id, [{ kind: 'replace', ids }], { knownVersion: stored.version });
  if (after !== stored.version) {
    // A transaction returns no attributes: read the group. When the version this PUT produced is
    // known (not after a lost race, whose winner may have renamed the group), it is the ETag: a
    // change committed since must not lend its version to this response's attributes and members.
    const reread = await mustGetGroup(ctx, id);
    stored = after !== undefined ? { ...stored, version: after, lastModified: reread.lastModified } : reread;
  }
  const members = ids.map((uid) => memberReference(ctx.baseUrl, uid, details.get(uid)));
  return present(ctx, stored, projection, membersRequested(ctx, projection) ? members : undefined);
}

/** Element-relative lookup for `members[<filter>]`: `display` means members.display. */
function memberElementLookup(groupLookup: AttributeLookup): AttributeLookup {
  return (path) => groupLookup({ attribute: 'members', subAttribute: path.attribute });
}

/** Those of `ids` (members at that point of the PATCH) that match a `members[<filter>]`. */
async function membersMatching(
  ctx: GroupsContext,
  ids: readonly string[],
  filter: FilterNode,
): Promise<string[]> {
  const predicate = compileFilter(filter, memberElementLookup(ctx.registry.lookup('Group')));
  const details = await memberDetails(ctx.store, ids);
  return ids.filter((id) => predicate(memberReference(ctx.baseUrl, id, details.get(id))));
}

/**
 * The net effect of a PATCH's member operations, applied in order as RFC 7644 §3.5.2 says (the
 * last operation on an id wins: Okta's "add then remove" of one id is a remove of a member that
 * was never added). `members`, the current members, is needed (and given by changeMembers) only
 * when an operation depends on them — a replace, a remove of all members, a remove by filter —
 * and then writes that change nothing (adding a member, removing a non-member) are dropped.
 */
async function netMemberDelta(
  ctx: GroupsContext,
  changes: readonly MemberChange[],
  members?: ReadonlySet<string>,
): Promise<MembershipDelta> {
  const ops = new Map<string, 'add' | 'remove'>();
  const current = members ?? new Set<string>();
  let cleared = false;
  for (const change of changes) {
    switch (change.kind) {
      case 'add':
        for (const id of change.ids) ops.set(id, 'add');
        break;
      case 'remove':
        for (const id of change.ids) ops.set(id, 'remove');
        break;
      case 'removeAll':
        cleared = true;
        ops.clear();
        break;
      case 'replace':
        cleared = true;
        ops.clear();
        for (const id of change.ids) ops.set(id, 'add');
        break;
      case 'removeWhere': {
        const before = cleared ? [] : [...current].filter((id) => ops.get(id) !== 'remove');
        const candidates = [
          ...new Set([...before, ...[...ops].filter(([, op]) => op === 'add').map(([id]) => id)]),
        ];
        for (const id of await membersMatching(ctx, candidates, change.filter)) ops.set(id, 'remove');
        break;
      }
    }
  }
  if (cleared) for (const id of current) if (!ops.has(id)) ops.set(id, 'remove');
  const add: string[] = [];
  const remove: string[] = [];
  for (const [id, op] of ops) {
    if (op === 'add' && !members?.has(id)) add.push(id);
    if (op === 'remove' && (members === undefined || members.has(id))) remove.push(id);
  }
  return { add, remove };
}

/** A PATCH's outcome: what the handler needs for 204 (the ETag) or for a 200 body. */
export interface PatchedGroup {
  readonly id: string;
  /** The group after the PATCH, when it is known without another read (no member change). */
  readonly stored?: StoredGroup;
  /**
   * Its version after the PATCH, when known to be this PATCH's own: the 204's ETag. Unknown
   * after member transactions without If-Match (they return nothing, and parallel PATCHes bump
   * the version too) and after a rename read back behind another write (ReplacedGroup); a
   * wrong ETag would be worse than none.
   */
  readonly version?: number;
}

/** The store's error for unknown member ids — unless the group itself is missing, which the client hears first. */
async function assertMembersExist(
  ctx: GroupsContext,
  groupId: string,
  ids: readonly string[],
): Promise<void> {
  await assertUsersExist(ctx.store, ids).catch(async (error: unknown) => {
    if (!(await getGroup(ctx.store, groupId))) throw notFoundError('Group', groupId);
    throw error;
  });
}

/**
 * PATCH /Groups/{id} (RFC 7644 §3.5.2). The handler answers 204 (with an ETag when the new
 * version is known) unless the client asked for attributes (see docs/GROUPS.md).
 */
export async function patchGroupResource(
  ctx: GroupsContext,
  id: string,
  body: unknown,
  ifMatch?: IfMatch,
): Promise<PatchedGroup> {
  const schemas = patchSchemasOf(ctx.registry.resourceSchemas('Group'));
  // Parsed and split before any read: a malformed PATCH costs no DynamoDB request.
  const operations = parsePatchRequest(body, { schemas: [schemas.core, ...schemas.extensions] });
  const { memberChanges, attributeOperations } = splitMemberOperations(operations);
  // Bounded like POST/PUT (requestedMemberIds): one request's member ids cost ⌈n/100⌉ reads and
  // ⌈n/49⌉ transactions, all on the group's one partition key, so a 1 MB body of ids must not
  // become minutes of work (added by hardening).
  const requested = memberChanges.reduce((sum, c) => sum + ('ids' in c ? c.ids.length : 0), 0);
  if (requested > MAX_MEMBERS_PER_REQUEST) {
    throw new DomainError(
      'tooMany',
      `A PATCH may add, remove or replace at most ${MAX_MEMBERS_PER_REQUEST} members; got ${requested}. Send them in batches`,
    );
  }
  const lookup = ctx.registry.lookup('Group');
  for (const change of memberChanges) {
    if (change.kind === 'removeWhere') compileFilter(change.filter, memberElementLookup(lookup)); // rejected early
  }
  const added = memberChanges.flatMap((c) => (c.kind === 'add' || c.kind === 'replace' ? c.ids : []));

  if (attributeOperations.length === 0 && memberChanges.length > 0) {
    // Member-only: no read of the group; existence and If-Match ride on the transaction.
    if (!isGroupId(id)) throw notFoundError('Group', id);
    // If-Match names the version the first transaction requires; of several, the current one.
    let expected: number | undefined;
    if (namesVersion(ifMatch)) {
      if (ifMatch.length === 0) throw staleIfMatch();
      expected = ifMatch.length === 1 ? ifMatch[0] : (await mustGetGroup(ctx, id)).version;
      if (expected === undefined || !ifMatch.includes(expected)) throw staleIfMatch(expected);
    }
    if (added.length > 0) await assertMembersExist(ctx, id, added);
    const version = await changeMembers(ctx, id, memberChanges, {
      ...(expected !== undefined ? { ifMatch: expected } : {}),
    });
    return { id, ...(version !== undefined ? { version } : {}) };
  }

  let stored = await mustGetGroup(ctx, id);
  if (attributeOperations.length === 0) {
    // Entra's empty Operations: nothing to write, If-Match merely checked.
    if (namesVersion(ifMatch) && !ifMatch.includes(stored.version)) throw staleIfMatch(stored.version);
    return { id, stored, version: stored.version };
  }
  if (namesVersion(ifMatch)) {
    await claimIfMatch(ctx, stored, ifMatch);
    stored = await mustGetGroup(ctx, id);
  }
  if (added.length > 0) await assertUsersExist(ctx.store, added);
  let first = true;
  const written = await withRetries(async (): Promise<ReplacedGroup> => {
    const current = first ? stored : await mustGetGroup(ctx, id);
    first = false;
    const patched = applyPatch(current.resource, attributeOperations, lookup, { schemas });
    if (patched.changedAttributes.length === 0) return { ...current, versionIsOwn: true };
    // The patched group must still be valid (displayName cannot be removed).
    const resource = parseResourceInput('Group', patched.resource, ctx.registry, { patched: true });
    return replaceGroup(ctx.store, current, resource);
  });
  // The 204's ETag only when it names this PATCH's own result: a rename read back after another
  // request's write of the group has none (a 200 shows that read, whose version it is).
  const { versionIsOwn, ...after } = written;
  if (memberChanges.length === 0)
    return { id, stored: after, ...(versionIsOwn ? { version: after.version } : {}) };
  const version = await changeMembers(ctx, id, memberChanges, { knownVersion: after.version });
  return { id, ...(version !== undefined && versionIsOwn ? { version } : {}) };
}

/** The group after a PATCH, for a 200 response when the client asked for attributes. */
export async function presentPatchedGroup(
  ctx: GroupsContext,
  patched: PatchedGroup,
  projection: Projection,
): Promise<ResourceResult> {
  // After member transactions the stored group is not known: read it (a DELETE since is notFound).
  return presentWithMembers(ctx, patched.stored ?? (await mustGetGroup(ctx, patched.id)), projection);
}

/**
 * Time a DELETE spends removing memberships before it answers 'busy' (with Retry-After) and
 * lets the client's retry continue: 20 s of API Gateway's 29 s, leaving room for the rest.
 */
const DELETE_BUDGET_MS = 20_000;

/**
 * DELETE /Groups/{id} (RFC 7644 §3.6).
 *
 * 1. The memberships, in batches, for at most DELETE_BUDGET_MS. One group's memberships share a
 *    partition key, so a very large group (100,000 members) cannot be emptied within one API
 *    Gateway request on DynamoDB; then the answer is 'busy' with Retry-After, the group still
 *    exists (with fewer members) and the retried DELETE continues where this one stopped.
 *    Nothing is left behind, and no background job is needed.
 * 2. The group item and its name guard, in one transaction conditional on the group's
 *    `version` as read before step 1 (deleteGroupItem): a membership transaction that
 *    committed meanwhile fails it, and steps 1–2 are re-run from a fresh read; one after 2
 *    fails its own group condition and writes nothing. So no final sweep is needed.
 * Requests (m members, no race): 1 GetItem + ⌈m/1000⌉ Query + ⌈2m/25⌉ BatchWriteItem +
 * 1 TransactWriteItems + 1 counter UpdateItem (100 members: 12).
 */
export async function deleteGroupResource(ctx: GroupsContext, id: string, ifMatch?: IfMatch): Promise<void> {
  let current = await mustGetGroup(ctx, id);
  await claimIfMatch(ctx, current, ifMatch);
  // A successful claim added exactly 1 to the version it named.
  if (namesVersion(ifMatch)) current = { ...current, version: current.version + 1 };
  const deadline = Date.now() + (ctx.deleteBudgetMs ?? DELETE_BUDGET_MS);
  let fresh = true;
  await withRetries(async () => {
    if (!fresh) current = await mustGetGroup(ctx, id);
    fresh = false;
    const { complete } = await removeAllMembershipsOfGroup(ctx.store, id, { deadline });
    if (!complete) {
      throw new DomainError(
        'busy',
        `Group ${clipped(id)} has too many members to delete in one request; its deletion has progressed, retry the DELETE`,
        { retryAfterSeconds: 1 },
      );
    }
    await deleteGroupItem(ctx.store, current);
  });
  await countAfterWrite(ctx, 'GROUPS', -1);
}

/** The Groups operations but PATCH, whose response (204 or the group) the handler decides. */
export const groupOperations: Omit<Groups, 'patch'> = {
  create: createGroupResource,
  get: getGroupResource,
  list: listGroupResources,
  replace: replaceGroupResource,
  delete: deleteGroupResource,
};
