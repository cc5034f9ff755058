/**
 * The request side of a SCIM resource endpoint (/Users, /Groups), written once: path id,
 * If-Match and If-None-Match (RFC 7644 §3.14), the projection, the `.search` body (§3.4.3),
 * and the responses — 201 with Location and ETag, 200 with ETag, 304, 204. A resource handler
 * passes its service's operations and a function building the service context; what differs
 * (a group PATCH's 204-vs-200) is in the service's `patch`, which may answer without a body.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { OperationContext, OperationTable } from '../http/handler';
import { jsonBody, searchRequestBody } from '../http/request';
import { created, noContent, notModified, ok } from '../http/response';
import { type ListParameters, type ListResponse, parseListParameters, parseProjection } from '../scim/list';
import { etagOf, versionFromEtagHeader } from '../scim/meta';
import type { JsonObject } from '../scim/schema/json';
import type { Projection } from '../scim/schema/projection';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { ResourceContext, ResourceResult } from '../service/resource-service';
import type { IfMatch } from '../service/write-retries';

/** A PATCH answered without a body (204), with the ETag when the new version is known. */
export interface NoContent {
  readonly noContent: true;
  readonly etag?: string;
}

/** One resource type's service operations, in the service's own terms (no HTTP). */
export interface ResourceOperations<C> {
  create(ctx: C, body: unknown, projection: Projection): Promise<ResourceResult>;
  get(ctx: C, id: string, projection: Projection): Promise<ResourceResult>;
  list(ctx: C, params: ListParameters): Promise<ListResponse<JsonObject>>;
  replace(
    ctx: C,
    id: string,
    body: unknown,
    projection: Projection,
    ifMatch: IfMatch,
  ): Promise<ResourceResult>;
  patch(
    ctx: C,
    id: string,
    body: unknown,
    projection: Projection,
    ifMatch: IfMatch,
  ): Promise<ResourceResult | NoContent>;
  delete(ctx: C, id: string, ifMatch: IfMatch): Promise<void>;
}

/** The service context of a request: the tenant's store, the schema registry, the base URL. */
export const resourceContextOf = (
  { runtime, principal, request }: OperationContext,
  registry: SchemaRegistry,
): ResourceContext => ({
  store: { db: runtime.db, tableName: runtime.tableName, tenant: principal.tenant },
  registry,
  baseUrl: request.baseUrl,
});

const idOf = (context: OperationContext): string => context.request.pathParameters.id ?? '';
const ifMatchOf = (context: OperationContext): IfMatch =>
  versionFromEtagHeader(context.request.headers['if-match']);
const projectionOf = (context: OperationContext): Projection => parseProjection(context.request.query);

/** If-None-Match naming the current version (or `*`): 304 without a body. */
function isNotModified(context: OperationContext, etag: string): boolean {
  const wanted = versionFromEtagHeader(context.request.headers['if-none-match']);
  return wanted === '*' || (typeof wanted === 'number' && etag === etagOf(wanted));
}

const withEtag = (result: ResourceResult): APIGatewayProxyResult =>
  ok(result.resource, { ETag: result.etag });

export function resourceOperations<C>(
  service: ResourceOperations<C>,
  contextOf: (context: OperationContext) => C,
): OperationTable {
  return {
    create: async (context) => {
      const result = await service.create(
        contextOf(context),
        jsonBody(context.request),
        projectionOf(context),
      );
      return created(result.resource, { ETag: result.etag, Location: result.location });
    },
    get: async (context) => {
      const result = await service.get(contextOf(context), idOf(context), projectionOf(context));
      return isNotModified(context, result.etag) ? notModified(result.etag) : withEtag(result);
    },
    list: async (context) =>
      ok(await service.list(contextOf(context), parseListParameters(context.request.query))),
    // RFC 7644 §3.4.3: the SearchRequest carries the same parameters as the query string.
    search: async (context) =>
      ok(await service.list(contextOf(context), parseListParameters(searchRequestBody(context.request)))),
    replace: async (context) =>
      withEtag(
        await service.replace(
          contextOf(context),
          idOf(context),
          jsonBody(context.request),
          projectionOf(context),
          ifMatchOf(context),
        ),
      ),
    patch: async (context) => {
      const result = await service.patch(
        contextOf(context),
        idOf(context),
        jsonBody(context.request),
        projectionOf(context),
        ifMatchOf(context),
      );
      if (!('noContent' in result)) return withEtag(result);
      return noContent(result.etag !== undefined ? { ETag: result.etag } : {});
    },
    delete: async (context) => {
      await service.delete(contextOf(context), idOf(context), ifMatchOf(context));
      return noContent();
    },
  };
}
