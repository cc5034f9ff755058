/**
 * Plans a Users filter onto the store: one top-level `eq` term on `id`,
 * `userName` or `externalId` (in that order of preference) becomes a key look-up; failing
 * that, a top-level `userName sw` becomes a `begins_with` on the name index; anything else is a
 * bounded walk of the tenant's listing. Either way the WHOLE filter is then evaluated in
 * memory on the candidates, so `userName eq "a" and active eq true` is exact, and the look-up
 * is only an accelerator.
 *
 * Candidates are evaluated in their SCIM representation (with `id` and `meta`), so filters on
 * `id` or `meta.lastModified` work like any other attribute. `groups` is not materialised here
 * (one more Query per candidate); a filter on it matches nothing.
 */
import type { AttributePath, FilterNode, FilterValue } from '../scim/filter/ast';
import { compileFilter, indexableEquality, indexablePrefixes } from '../scim/filter/evaluate';
import type { SchemaRegistry } from '../scim/schema/registry';
import {
  collectUsers,
  findUsersByExternalId,
  findUsersByUserNamePrefix,
  getUser,
  getUserByUserName,
  type StoredUser,
} from '../store/users-store';
import { asCandidates, matchingInIdOrder, type ResourceKind } from './resource-service';
import { userRepresentation } from './users-representation';

type UserLookup = 'id' | 'userName' | 'externalId';

/** Preference when a filter offers several indexed terms: the cheapest, most selective first. */
const LOOKUP_PRIORITY: readonly UserLookup[] = ['id', 'userName', 'externalId'];

interface UserQueryPlan {
  readonly lookup?: { readonly attribute: UserLookup; readonly value: string };
  /** `userName sw "x"`: a prefix range of the name index. */
  readonly userNamePrefix?: string;
}

function indexedAttribute(path: AttributePath, registry: SchemaRegistry): UserLookup | undefined {
  if (path.subAttribute !== undefined) return undefined;
  const resolved = registry.resolve('User', path);
  if (!resolved || resolved.subAttribute || resolved.extension) return undefined;
  const name = resolved.attribute.name;
  return (LOOKUP_PRIORITY as readonly string[]).includes(name) ? (name as UserLookup) : undefined;
}

function planUserQuery(filter: FilterNode, registry: SchemaRegistry): UserQueryPlan {
  const terms = indexableEquality(filter)
    .map((term: { path: AttributePath; value: FilterValue }) => ({
      attribute: indexedAttribute(term.path, registry),
      value: term.value,
    }))
    .filter(
      (term): term is { attribute: UserLookup; value: string } =>
        term.attribute !== undefined && typeof term.value === 'string',
    );
  for (const attribute of LOOKUP_PRIORITY) {
    const term = terms.find((t) => t.attribute === attribute);
    if (term) return { lookup: term };
  }
  const prefix = indexablePrefixes(filter).find(
    (term) => indexedAttribute(term.path, registry) === 'userName',
  );
  return prefix ? { userNamePrefix: prefix.value } : {};
}

/** Users of the tenant matching `filter`, in id (creation) order. */
export const findUsers: ResourceKind<StoredUser>['find'] = async (store, filter, registry, baseUrl) => {
  // Compiling first turns a type mismatch into an invalidFilter error before any read.
  const predicate = compileFilter(filter, registry.lookup('User'));
  const matches = (user: StoredUser): boolean => predicate(userRepresentation(user, baseUrl));
  const plan = planUserQuery(filter, registry);
  const lookUp: Record<UserLookup, (value: string) => Promise<StoredUser[]>> = {
    id: asCandidates((id) => getUser(store, id)),
    userName: asCandidates((userName) => getUserByUserName(store, userName)),
    externalId: (externalId) => findUsersByExternalId(store, externalId),
  };
  if (plan.lookup) return matchingInIdOrder(await lookUp[plan.lookup.attribute](plan.lookup.value), matches);
  if (plan.userNamePrefix === undefined) return collectUsers(store, matches);
  return matchingInIdOrder(await findUsersByUserNamePrefix(store, plan.userNamePrefix), matches);
};
