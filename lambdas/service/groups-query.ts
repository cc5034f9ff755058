/**
 * Plans a Groups filter onto the store (docs/GROUPS.md, Filters). A top-level `eq` term (joined by `and`)
 * on `id`, `displayName`, `externalId` or `members.value` becomes a key look-up, in that order
 * of preference; failing that (and with no member terms), a top-level `displayName sw` is a
 * `begins_with` on the name index (GSI3); anything else is a bounded walk of the tenant's
 * listing ('tooMany' past the limit). The WHOLE filter is then evaluated in memory on the
 * candidates, so the look-up only narrows.
 *
 * `members` is special: a group's members are items of their own, so evaluating an arbitrary
 * member filter would mean reading every candidate's membership. The supported form is the one
 * clients use — `members.value eq "<userId>"` (also `members[value eq "<userId>"]`), possibly
 * several, joined to the rest by `and` — answered from the user-side refs of the memberships
 * (the groups of a user, in the user's own partition).
 * Any other reference to `members` is an invalidFilter error that says so, rather than a silently
 * wrong answer.
 */

import type { AttributePath, FilterNode, FilterValue } from '../scim/filter/ast';
import { compileFilter, indexableEquality, indexablePrefixes, termsNaming } from '../scim/filter/evaluate';
import { unsupportedFilter } from '../scim/filter/unsupported';
import type { JsonObject } from '../scim/schema/json';
import type { SchemaRegistry } from '../scim/schema/registry';
import { GROUP_READS, getGroup, getGroupsByIds, type StoredGroup } from '../store/groups-store';
import { groupIdsOfMember } from '../store/memberships-store';
import { groupRepresentation } from './groups-representation';
import { asCandidates, matchingInIdOrder, type ResourceKind } from './resource-service';

type GroupLookup = 'id' | 'displayName' | 'externalId';
const LOOKUP_PRIORITY: readonly GroupLookup[] = ['id', 'displayName', 'externalId'];

function resolvesTo(
  path: AttributePath,
  registry: SchemaRegistry,
): { attribute: string; sub?: string } | undefined {
  const resolved = registry.resolve('Group', path);
  if (!resolved || resolved.extension) return undefined;
  return {
    attribute: resolved.attribute.name,
    ...(resolved.subAttribute ? { sub: resolved.subAttribute.name } : {}),
  };
}

const isMembersPath = (path: AttributePath, registry: SchemaRegistry): boolean =>
  resolvesTo({ ...path, subAttribute: undefined }, registry)?.attribute === 'members';

/** `members[value eq "x"]` at the top level, the bracket form of `members.value eq "x"`. */
function bracketMemberTerms(node: FilterNode, registry: SchemaRegistry): string[] {
  if (node.kind === 'and') {
    return [...bracketMemberTerms(node.left, registry), ...bracketMemberTerms(node.right, registry)];
  }
  if (
    node.kind === 'valuePath' &&
    isMembersPath(node.path, registry) &&
    node.filter.kind === 'compare' &&
    node.filter.op === 'eq' &&
    node.filter.path.attribute.toLowerCase() === 'value' &&
    node.filter.path.subAttribute === undefined &&
    typeof node.filter.value === 'string'
  ) {
    return [node.filter.value];
  }
  return [];
}

interface GroupQueryPlan {
  readonly lookup?: { readonly attribute: GroupLookup; readonly value: string };
  /** `displayName sw "x"`: a prefix range of the name index (GSI3). */
  readonly displayNamePrefix?: string;
  /** User ids the groups must all contain (`members.value eq` terms). */
  readonly memberIds: readonly string[];
}

function planGroupQuery(filter: FilterNode, registry: SchemaRegistry): GroupQueryPlan {
  const terms = indexableEquality(filter).map((term: { path: AttributePath; value: FilterValue }) => ({
    target: resolvesTo(term.path, registry),
    value: term.value,
  }));
  const memberIds = [
    ...terms
      .filter(
        (t) => t.target?.attribute === 'members' && t.target.sub === 'value' && typeof t.value === 'string',
      )
      .map((t) => t.value as string),
    ...bracketMemberTerms(filter, registry),
  ];
  if (termsNaming(filter, (path) => isMembersPath(path, registry)).length !== memberIds.length) {
    throw unsupportedFilter(
      'Filters on members support only members.value eq "<user id>" joined with and; read a group with GET /Groups/{id} to see all its members',
    );
  }
  for (const attribute of LOOKUP_PRIORITY) {
    const term = terms.find(
      (t) => t.target?.attribute === attribute && !t.target.sub && typeof t.value === 'string',
    );
    if (term) return { lookup: { attribute, value: term.value as string }, memberIds };
  }
  const prefix = indexablePrefixes(filter).find((term) => {
    const target = resolvesTo(term.path, registry);
    return target?.attribute === 'displayName' && !target.sub;
  });
  return prefix && memberIds.length === 0 ? { memberIds, displayNamePrefix: prefix.value } : { memberIds };
}

/** Groups of the tenant matching `filter`, in id (creation) order. */
export const findGroups: ResourceKind<StoredGroup>['find'] = async (store, filter, registry, baseUrl) => {
  // Compiled (and planned) first: a bad filter is rejected before any read.
  const predicate = compileFilter(filter, registry.lookup('Group'));
  const plan = planGroupQuery(filter, registry);
  // Group ids containing each filtered member (1 strongly consistent Query of the user's
  // partition per distinct member id: its `G#` refs).
  const distinctMembers = [...new Set(plan.memberIds)];
  const groupsOf = new Map<string, Set<string>>(
    await Promise.all(
      distinctMembers.map(async (uid) => [uid, new Set(await groupIdsOfMember(store, uid))] as const),
    ),
  );
  // The only member facts the filter can ask about are those ids, so a candidate is
  // represented with exactly the filtered members it has.
  const matches = (group: StoredGroup): boolean => {
    const members: JsonObject[] = distinctMembers
      .filter((uid) => groupsOf.get(uid)?.has(group.id))
      .map((uid) => ({ value: uid }));
    return predicate(groupRepresentation(group, baseUrl, members));
  };

  const lookUp: Record<GroupLookup, (value: string) => Promise<StoredGroup[]>> = {
    id: asCandidates((id) => getGroup(store, id)),
    displayName: asCandidates((displayName) => GROUP_READS.getByName(store, displayName)),
    externalId: (externalId) => GROUP_READS.findByExternalId(store, externalId),
  };
  if (plan.lookup) return matchingInIdOrder(await lookUp[plan.lookup.attribute](plan.lookup.value), matches);
  if (plan.displayNamePrefix !== undefined) {
    return matchingInIdOrder(await GROUP_READS.findByNamePrefix(store, plan.displayNamePrefix), matches);
  }
  if (distinctMembers.length === 0) return GROUP_READS.collect(store, matches);
  // Intersect the member terms' group sets; read only those groups.
  const [first, ...rest] = distinctMembers.map((uid) => groupsOf.get(uid) ?? new Set<string>());
  const ids = [...(first ?? [])].filter((id) => rest.every((set) => set.has(id)));
  return matchingInIdOrder(await getGroupsByIds(store, ids), matches);
};
