/**
 * A stored user → the SCIM User a client sees (RFC 7643 §4.1): `id` and `meta` are rebuilt
 * from the item's own fields rather than stored inside the resource, so they can never drift
 * from the key, the version or the request's base URL; `groups` (readOnly) comes from the
 * membership refs in the user's own partition, not from anything the client wrote.
 */
import type { JsonObject, JsonValue } from '../scim/schema/json';
import type { StoredUser } from '../store/users-store';
import { representation } from './resource-service';

/** An entry of User.groups (RFC 7643 §4.1.2). */
export interface UserGroupRef {
  readonly value: string;
  readonly display?: string;
  readonly $ref?: string;
  readonly type?: string;
}

export function userRepresentation(
  stored: StoredUser,
  baseUrl: string,
  groups?: readonly UserGroupRef[],
): JsonObject {
  const computed: JsonObject =
    groups && groups.length > 0 ? { groups: groups.map((g) => ({ ...g })) as JsonValue[] } : {};
  return representation('User', 'userName', stored, baseUrl, computed);
}
