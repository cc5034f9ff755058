/**
 * /Groups endpoints: the shared resource plumbing (resource-handler.ts) over the Groups service.
 * PATCH answers 204 No Content by default: Entra's documentation asks for 204 on group PATCH
 * ("returning a body with a list of all the members isn't advisable") and Okta accepts 204 or
 * 200. A client that wants the group back asks for it with `attributes` or
 * `excludedAttributes` and gets 200 with the group (members only if requested), RFC 7644
 * §3.5.2's "200 with the resource" option. See docs/GROUPS.md.
 */
import { createHttpHandler, type OperationTable } from '../http/handler';
import { lazyRuntime, type Runtime } from '../runtime';
import { etagOf } from '../scim/meta';
import { defaultSchemaRegistry, type SchemaRegistry } from '../scim/schema/registry';
import {
  createGroupResource,
  deleteGroupResource,
  type GroupsContext,
  getGroupResource,
  listGroupResources,
  patchGroupResource,
  presentPatchedGroup,
  replaceGroupResource,
} from '../service/groups-service';
import { type ResourceOperations, resourceContextOf, resourceOperations } from './resource-handler';

const patchGroup: ResourceOperations<GroupsContext>['patch'] = async (ctx, id, body, projection, ifMatch) => {
  const patched = await patchGroupResource(ctx, id, body, ifMatch);
  if (projection.attributes !== undefined || projection.excludedAttributes !== undefined) {
    return presentPatchedGroup(ctx, patched, projection);
  }
  // The ETag only when the new version is known without a read (groups-service PatchedGroup).
  return { noContent: true, ...(patched.version !== undefined ? { etag: etagOf(patched.version) } : {}) };
};

export const createGroupsOperations = (registry: SchemaRegistry): OperationTable =>
  resourceOperations(
    {
      create: createGroupResource,
      get: getGroupResource,
      list: listGroupResources,
      replace: replaceGroupResource,
      patch: patchGroup,
      delete: deleteGroupResource,
    },
    (context) => resourceContextOf(context, registry),
  );

/** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS). */
export const createGroupsHandler = (
  runtime: () => Runtime,
  registry: SchemaRegistry = defaultSchemaRegistry(),
) => createHttpHandler('groups', createGroupsOperations(registry), runtime);

export const handler = createGroupsHandler(lazyRuntime());
