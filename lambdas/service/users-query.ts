/**
 * Plans a Users filter onto the store: one top-level `eq` term on `id`,
 * `userName`, `externalId` or an email value (`emails.value eq`, Entra's
 * `emails[type eq "work"].value eq`; in that order of preference) becomes a key look-up; failing
 * that, a top-level `userName sw` becomes a `begins_with` on the name index; anything else is a
 * bounded walk of the tenant's listing. Either way the WHOLE filter is then evaluated in
 * memory on the candidates, so `userName eq "a" and active eq true` is exact, and the look-up
 * is only an accelerator.
 *
 * Candidates are evaluated in their SCIM representation (with `id` and `meta`), so filters on
 * `id` or `meta.lastModified` work like any other attribute. `groups` is not materialised here
 * (one more Query per candidate); the one filter on it is `groups.value eq "<gid>"` alone: the
 * group's members, read from its partition (GET /Users pages them itself, group-members-page.ts;
 * the root search gets them all from here, up to MAX_EXAMINED_ITEMS). Any other is invalidFilter.
 */

import { DomainError } from '../domain/errors';
import { clipped } from '../scim/clip';
import type { AttributePath, FilterNode, FilterValue } from '../scim/filter/ast';
import { compileFilter, indexableEquality, indexablePrefixes } from '../scim/filter/evaluate';
import type { SchemaRegistry } from '../scim/schema/registry';
import { MAX_EXAMINED_ITEMS } from '../store/listing';
import { listMemberIds } from '../store/memberships-store';
import { findUsersByEmail, getUser, getUsersByIds, type StoredUser, USER_READS } from '../store/users-store';
import { memberFilterGroup } from './group-members-page';
import { asCandidates, matchingInIdOrder, type ResourceKind } from './resource-service';
import { userRepresentation } from './users-representation';

type UserLookup = 'id' | 'userName' | 'externalId' | 'email';

/** Preference when a filter offers several indexed terms: the cheapest, most selective first. */
const LOOKUP_PRIORITY: readonly UserLookup[] = ['id', 'userName', 'externalId', 'email'];

interface UserQueryPlan {
  readonly lookup?: { readonly attribute: UserLookup; readonly value: string };
  /** `userName sw "x"`: a prefix range of the name index. */
  readonly userNamePrefix?: string;
}

const isEmailsPath = (path: AttributePath, registry: SchemaRegistry): boolean => {
  const resolved = registry.resolve('User', { ...path, subAttribute: undefined });
  return !!resolved && !resolved.extension && resolved.attribute.name === 'emails';
};

/** The email values of top-level `emails[… and value eq "x" …]` terms (joined by `and`). */
function valuePathEmails(filter: FilterNode, registry: SchemaRegistry): string[] {
  if (filter.kind === 'and') {
    return [...valuePathEmails(filter.left, registry), ...valuePathEmails(filter.right, registry)];
  }
  if (filter.kind !== 'valuePath' || filter.path.subAttribute !== undefined) return [];
  if (!isEmailsPath(filter.path, registry)) return [];
  return indexableEquality(filter.filter).flatMap((term) =>
    term.path.schema === undefined &&
    term.path.subAttribute === undefined &&
    term.path.attribute.toLowerCase() === 'value' &&
    typeof term.value === 'string'
      ? [term.value]
      : [],
  );
}

function indexedAttribute(path: AttributePath, registry: SchemaRegistry): UserLookup | undefined {
  if (path.subAttribute !== undefined) {
    const resolved = registry.resolve('User', path);
    return isEmailsPath(path, registry) && resolved?.subAttribute?.name === 'value' ? 'email' : undefined;
  }
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
  const emails = valuePathEmails(filter, registry).map((value) => ({ attribute: 'email' as const, value }));
  for (const attribute of LOOKUP_PRIORITY) {
    const term = [...terms, ...emails].find((t) => t.attribute === attribute);
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
  const groupId = memberFilterGroup(filter, registry);
  if (groupId !== undefined) {
    const { ids, truncated } = await listMemberIds(store, groupId, MAX_EXAMINED_ITEMS);
    if (truncated) {
      throw new DomainError(
        'tooMany',
        `Group ${clipped(groupId)} has more than ${MAX_EXAMINED_ITEMS} members; page them with GET /Users?filter=groups.value eq "<groupId>" and cursor=`,
      );
    }
    // Members whose user is gone are left out by the read; ids come in id order.
    return getUsersByIds(store, ids);
  }
  const matches = (user: StoredUser): boolean => predicate(userRepresentation(user, baseUrl));
  const plan = planUserQuery(filter, registry);
  const lookUp: Record<UserLookup, (value: string) => Promise<StoredUser[]>> = {
    id: asCandidates((id) => getUser(store, id)),
    userName: asCandidates((userName) => USER_READS.getByName(store, userName)),
    externalId: (externalId) => USER_READS.findByExternalId(store, externalId),
    email: (email) => findUsersByEmail(store, email),
  };
  if (plan.lookup) return matchingInIdOrder(await lookUp[plan.lookup.attribute](plan.lookup.value), matches);
  if (plan.userNamePrefix === undefined) return USER_READS.collect(store, matches);
  return matchingInIdOrder(await USER_READS.findByNamePrefix(store, plan.userNamePrefix), matches);
};
