/**
 * A stored group → the SCIM Group a client sees (RFC 7643 §4.2). `id` and `meta` are rebuilt
 * from the item's own fields (never stored in the resource), and `members` comes from the
 * membership items, not from the group item, which never holds a member list.
 */
import { resourceLocation } from '../scim/meta';
import type { JsonObject, JsonValue } from '../scim/schema/json';
import type { StoredGroup } from '../store/groups-store';
import type { MemberDetail } from '../store/memberships-store';
import { representation } from './resource-service';

/** A member as returned: `value` (the user id), `display`, `$ref` and `type` (RFC 7643 §4.2). */
export function memberReference(baseUrl: string, id: string, detail: MemberDetail | undefined): JsonObject {
  return {
    value: id,
    ...(detail?.display !== undefined ? { display: detail.display } : {}),
    $ref: resourceLocation(baseUrl, 'User', id),
    type: 'User',
  };
}

/**
 * `members` is included only when given: undefined means "not read" (excluded by the client),
 * which is different from [] (read, and empty — Entra and Okta expect `members: []` then).
 */
export function groupRepresentation(
  stored: StoredGroup,
  baseUrl: string,
  members?: readonly JsonObject[],
): JsonObject {
  return representation(
    'Group',
    'displayName',
    stored,
    baseUrl,
    members !== undefined ? { members: members as JsonValue[] } : {},
  );
}
