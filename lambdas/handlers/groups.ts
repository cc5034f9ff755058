/**
 * /Groups endpoints. Thin: parse the request, call the service, shape the response.
 *
 * PATCH answers 204 No Content by default: Entra's documentation asks for 204 on group PATCH
 * ("returning a body with a list of all the members isn't advisable") and Okta accepts 204 or
 * 200. A client that wants the group back asks for it with `attributes` or
 * `excludedAttributes` and gets 200 with the group (members only if requested), RFC 7644
 * §3.5.2's "200 with the resource" option. See docs/GROUPS.md.
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
  createGroupResource,
  deleteGroupResource,
  type GroupResult,
  type GroupsContext,
  getGroupResource,
  listGroupResources,
  patchGroupResource,
  presentPatchedGroup,
  replaceGroupResource,
} from '../service/groups-service';

function groupsContext(context: OperationContext, registry: SchemaRegistry): GroupsContext {
  const { runtime, principal, request } = context;
  return {
    store: { db: runtime.db, tableName: runtime.tableName, tenant: principal.tenant },
    registry,
    baseUrl: request.baseUrl,
  };
}

function groupResponse(status: number, result: GroupResult, withLocation = false) {
  return jsonResponse(status, result.resource, {
    ETag: result.etag,
    ...(withLocation ? { Location: result.location } : {}),
  });
}

const idOf = (context: OperationContext): string => context.request.pathParameters.id ?? '';
const ifMatchOf = (context: OperationContext) => versionFromEtagHeader(context.request.headers['if-match']);

/** If-None-Match naming the current version → 304 without a body (RFC 7644 §3.14). */
function notModified(context: OperationContext, etag: string): boolean {
  const wanted = versionFromEtagHeader(context.request.headers['if-none-match']);
  return wanted === '*' || (typeof wanted === 'number' && etag === etagOf(wanted));
}

export function createGroupsOperations(registry: SchemaRegistry): OperationTable {
  return {
    create: async (context) => {
      const result = await createGroupResource(
        groupsContext(context, registry),
        jsonBody(context.request),
        parseProjection(context.request.query),
      );
      return groupResponse(201, result, true);
    },
    get: async (context) => {
      const result = await getGroupResource(
        groupsContext(context, registry),
        idOf(context),
        parseProjection(context.request.query),
      );
      if (notModified(context, result.etag)) return emptyResponse(304, { ETag: result.etag });
      return groupResponse(200, result);
    },
    list: async (context) => {
      const params = parseListParameters(context.request.query);
      return jsonResponse(200, await listGroupResources(groupsContext(context, registry), params));
    },
    search: async (context) => {
      const body = jsonBody(context.request);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw badRequest('invalidSyntax', 'The body of /.search must be a SearchRequest object');
      }
      // RFC 7644 §3.4.3: the SearchRequest carries the same parameters as the query string.
      const params = parseListParameters(body as Record<string, unknown>);
      return jsonResponse(200, await listGroupResources(groupsContext(context, registry), params));
    },
    replace: async (context) => {
      const result = await replaceGroupResource(
        groupsContext(context, registry),
        idOf(context),
        jsonBody(context.request),
        parseProjection(context.request.query),
        ifMatchOf(context),
      );
      return groupResponse(200, result);
    },
    patch: async (context) => {
      const ctx = groupsContext(context, registry);
      const projection = parseProjection(context.request.query);
      const patched = await patchGroupResource(
        ctx,
        idOf(context),
        jsonBody(context.request),
        ifMatchOf(context),
      );
      const wantsBody = projection.attributes !== undefined || projection.excludedAttributes !== undefined;
      // The ETag only when the new version is known without a read (groups-service PatchedGroup).
      if (!wantsBody) {
        return emptyResponse(204, patched.version !== undefined ? { ETag: etagOf(patched.version) } : {});
      }
      return groupResponse(200, await presentPatchedGroup(ctx, patched, projection));
    },
    delete: async (context) => {
      await deleteGroupResource(groupsContext(context, registry), idOf(context), ifMatchOf(context));
      return emptyResponse(204);
    },
  };
}

/** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS). */
export const createGroupsHandler = (
  runtime: () => Runtime,
  registry: SchemaRegistry = defaultSchemaRegistry(),
) => createHttpHandler('groups', createGroupsOperations(registry), runtime);

export const handler = createGroupsHandler(lazyRuntime());
