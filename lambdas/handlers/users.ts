/**
 * /Users endpoints: the shared resource plumbing (resource-handler.ts) over the Users service,
 * with the user's memberships wired from the memberships store (User.groups is readOnly). The
 * users function also answers the root operations (root-operations.ts: /.search, /Me, /Bulk).
 */
import type { OperationContext } from '../http/handler';
import type { SchemaRegistry } from '../scim/schema/registry';
import { type UsersContext, userOperations } from '../service/users-service';
import { groupIdsOfMember, groupReferences, removeMembershipsOfUser } from '../store/memberships-store';
import { resourceContextOf, resourceEndpoint } from './resource-handler';
import { rootOperations } from './root-operations';

function usersContext(context: OperationContext, registry: SchemaRegistry): UsersContext {
  const resource = resourceContextOf(context, registry);
  const { store, baseUrl } = resource;
  return {
    ...resource,
    memberships: {
      groupReferences: (groupIds) => groupReferences(store, groupIds, baseUrl),
      groupIdsOf: (userId) => groupIdsOfMember(store, userId),
      removeMemberships: (userId, groupIds) => removeMembershipsOfUser(store, userId, groupIds),
    },
  };
}

const users = resourceEndpoint('users', userOperations, usersContext, rootOperations(usersContext));

export const createUsersOperations = users.operations;
export const createUsersHandler = users.createHandler;
export const handler = users.handler;
