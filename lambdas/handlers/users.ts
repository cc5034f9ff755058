/**
 * /Users endpoints. Thin: parse the request, call the service, shape the response.
 */
import { createHttpHandler, type OperationContext, type OperationTable } from '../http/handler';
import { jsonBody } from '../http/request';
import { emptyResponse, jsonResponse } from '../http/response';
import { lazyRuntime, type Runtime } from '../runtime';
import { badRequest } from '../scim/errors';
import { parseListParameters, parseProjection } from '../scim/list';
import { etagOf, versionFromEtagHeader } from '../scim/meta';
import { defaultSchemaRegistry, type SchemaRegistry } from '../scim/schema/registry';
import {
  createUserResource,
  deleteUserResource,
  getUserResource,
  listUserResources,
  patchUserResource,
  replaceUserResource,
  type UserMemberships,
  type UserResult,
  type UsersContext,
} from '../service/users-service';
import { groupReferences, removeMembershipsOfUser } from '../store/memberships-store';

/** Memberships of a user, from the memberships store (User.groups is readOnly). */
function membershipsFor(context: OperationContext): UserMemberships {
  const store = {
    db: context.runtime.db,
    tableName: context.runtime.tableName,
    tenant: context.principal.tenant,
  };
  return {
    groupReferences: (groupIds) => groupReferences(store, groupIds, context.request.baseUrl),
    removeMemberships: (userId, groupIds) => removeMembershipsOfUser(store, userId, groupIds),
  };
}

function usersContext(context: OperationContext, registry: SchemaRegistry): UsersContext {
  const { runtime, principal, request } = context;
  return {
    store: { db: runtime.db, tableName: runtime.tableName, tenant: principal.tenant },
    registry,
    baseUrl: request.baseUrl,
    memberships: membershipsFor(context),
  };
}

function userResponse(status: number, result: UserResult, withLocation = false) {
  return jsonResponse(status, result.resource, {
    ETag: result.etag,
    ...(withLocation ? { Location: result.location } : {}),
  });
}

const idOf = (context: OperationContext): string => context.request.pathParameters.id ?? '';
const ifMatchOf = (context: OperationContext) => versionFromEtagHeader(context.request.headers['if-match']);

/** RFC 7232 §3.2 via RFC 7644 §3.14: If-None-Match naming the current version → 304, no body. */
function notModified(context: OperationContext, result: UserResult): boolean {
  const wanted = versionFromEtagHeader(context.request.headers['if-none-match']);
  return wanted === '*' || (typeof wanted === 'number' && result.etag === etagOf(wanted));
}

export function createUsersOperations(registry: SchemaRegistry): OperationTable {
  return {
    create: async (context) => {
      const result = await createUserResource(
        usersContext(context, registry),
        jsonBody(context.request),
        parseProjection(context.request.query),
      );
      return userResponse(201, result, true);
    },
    get: async (context) => {
      const result = await getUserResource(
        usersContext(context, registry),
        idOf(context),
        parseProjection(context.request.query),
      );
      if (notModified(context, result)) return emptyResponse(304, { ETag: result.etag });
      return userResponse(200, result);
    },
    list: async (context) => {
      const params = parseListParameters(context.request.query);
      return jsonResponse(200, await listUserResources(usersContext(context, registry), params));
    },
    search: async (context) => {
      const body = jsonBody(context.request);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw badRequest('invalidSyntax', 'The body of /.search must be a SearchRequest object');
      }
      // RFC 7644 §3.4.3: the SearchRequest carries the same parameters as the query string.
      const params = parseListParameters(body as Record<string, unknown>);
      return jsonResponse(200, await listUserResources(usersContext(context, registry), params));
    },
    replace: async (context) => {
      const result = await replaceUserResource(
        usersContext(context, registry),
        idOf(context),
        jsonBody(context.request),
        parseProjection(context.request.query),
        ifMatchOf(context),
      );
      return userResponse(200, result);
    },
    patch: async (context) => {
      const result = await patchUserResource(
        usersContext(context, registry),
        idOf(context),
        jsonBody(context.request),
        parseProjection(context.request.query),
        ifMatchOf(context),
      );
      return userResponse(200, result);
    },
    delete: async (context) => {
      await deleteUserResource(usersContext(context, registry), idOf(context), ifMatchOf(context));
      return emptyResponse(204);
    },
  };
}

/** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS). */
export const createUsersHandler = (
  runtime: () => Runtime,
  registry: SchemaRegistry = defaultSchemaRegistry(),
) => createHttpHandler('users', createUsersOperations(registry), runtime);

export const handler = createUsersHandler(lazyRuntime());
