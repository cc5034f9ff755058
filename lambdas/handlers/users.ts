/**
 * /Users endpoints: the shared resource plumbing (resource-handler.ts) over the Users service,
 * with the user's memberships wired from the memberships store (User.groups is readOnly).
 */
import { createHttpHandler, type OperationContext, type OperationTable } from '../http/handler';
import { lazyRuntime, type Runtime } from '../runtime';
import { defaultSchemaRegistry, type SchemaRegistry } from '../scim/schema/registry';
import {
  createUserResource,
  deleteUserResource,
  getUserResource,
  listUserResources,
  patchUserResource,
  replaceUserResource,
  type UsersContext,
} from '../service/users-service';
import { groupReferences, removeMembershipsOfUser } from '../store/memberships-store';
import { resourceContextOf, resourceOperations } from './resource-handler';

function usersContext(context: OperationContext, registry: SchemaRegistry): UsersContext {
  const resource = resourceContextOf(context, registry);
  const { store, baseUrl } = resource;
  return {
    ...resource,
    memberships: {
      groupReferences: (groupIds) => groupReferences(store, groupIds, baseUrl),
      removeMemberships: (userId, groupIds) => removeMembershipsOfUser(store, userId, groupIds),
    },
  };
}

export const createUsersOperations = (registry: SchemaRegistry): OperationTable =>
  resourceOperations(
    {
      create: createUserResource,
      get: getUserResource,
      list: listUserResources,
      replace: replaceUserResource,
      patch: patchUserResource,
      delete: deleteUserResource,
    },
    (context) => usersContext(context, registry),
  );

/** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS). */
export const createUsersHandler = (
  runtime: () => Runtime,
  registry: SchemaRegistry = defaultSchemaRegistry(),
) => createHttpHandler('users', createUsersOperations(registry), runtime);

export const handler = createUsersHandler(lazyRuntime());
