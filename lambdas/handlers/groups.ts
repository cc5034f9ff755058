/**
 * /Groups endpoints: the shared resource plumbing (resource-handler.ts) over the Groups service.
 * PATCH answers 204 No Content by default: Entra's documentation asks for 204 on group PATCH
 * ("returning a body with a list of all the members isn't advisable") and Okta accepts 204 or
 * 200. A client that wants the group back asks for it with `attributes` or
 * `excludedAttributes` and gets 200 with the group (members only if requested), RFC 7644
 * §3.5.2's "200 with the resource" option. See docs/GROUPS.md.
 */
import { etagOf } from '../scim/meta';
import { namesAttributes } from '../scim/schema/projection';
import {
  type GroupsContext,
  groupOperations,
  patchGroupResource,
  presentPatchedGroup,
} from '../service/groups-service';
import type { ResourceOperations } from '../service/resource-service';
import { resourceContextOf, resourceEndpoint } from './resource-handler';

const patchGroup: ResourceOperations<GroupsContext>['patch'] = async (ctx, id, body, projection, ifMatch) => {
  const patched = await patchGroupResource(ctx, id, body, ifMatch);
  if (namesAttributes(projection)) {
    return presentPatchedGroup(ctx, patched, projection);
  }
  // The ETag only when the new version is known without a read (groups-service PatchedGroup).
  return { acknowledged: true, ...(patched.version !== undefined ? { etag: etagOf(patched.version) } : {}) };
};

const groups = resourceEndpoint('groups', { ...groupOperations, patch: patchGroup }, resourceContextOf);

export const createGroupsOperations = groups.operations;
export const createGroupsHandler = groups.createHandler;
export const handler = groups.handler;
