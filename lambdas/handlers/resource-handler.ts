/**
 * The request side of a SCIM resource endpoint (/Users, /Groups), written once: path id,
 * If-Match and If-None-Match (RFC 7644 §3.14), the projection, the `.search` body (§3.4.3),
 * and the responses — 201 with Location and ETag, 200 with ETag, 304, 204. A resource handler
 * passes its service's operations and a function building the service context; what differs
 * (a group PATCH's 204-vs-200) is in the service's `patch`, which may answer without a body.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from '../domain/errors';
import {
  createHttpHandler,
  type LambdaHandler,
  type OperationContext,
  type OperationTable,
} from '../http/handler';
import { jsonBody, searchRequestBody } from '../http/request';
import { created, noContent, notModified, ok, written } from '../http/response';
import { lazyRuntime, type Runtime } from '../runtime';
import { parseListParameters, parseProjection } from '../scim/list';
import { type EntityTagCondition, entityTagCondition, etagOf } from '../scim/meta';
import type { Projection } from '../scim/schema/projection';
import { defaultSchemaRegistry, type SchemaRegistry } from '../scim/schema/registry';
import type { ResourceContext, ResourceOperations, ResourceResult } from '../service/resource-service';
import type { IfMatch } from '../service/write-retries';

/** The service context of a request: the tenant's store, the schema registry, the base URL. */
export const resourceContextOf = (
  { runtime, principal, request }: OperationContext,
  registry: SchemaRegistry,
): ResourceContext => ({
  store: {
    db: runtime.db,
    tableName: runtime.tableName,
    tenant: principal.tenant,
    ...(runtime.companion ? { companion: runtime.companion } : {}),
  },
  registry,
  baseUrl: request.baseUrl,
  ...(runtime.cursorKeys ? { cursorKeys: runtime.cursorKeys } : {}),
});

const idOf = (context: OperationContext): string => context.request.pathParameters.id ?? '';
const ifMatchOf = (context: OperationContext): IfMatch =>
  entityTagCondition(context.request.headers['if-match']);
const ifNoneMatchOf = (context: OperationContext): EntityTagCondition =>
  entityTagCondition(context.request.headers['if-none-match']);
const projectionOf = (context: OperationContext): Projection => parseProjection(context.request.query);

/** Whether a present If-Match / If-None-Match condition names this ETag ('*': any). */
const names = (condition: '*' | readonly number[], etag: string): boolean =>
  condition === '*' || condition.some((version) => etagOf(version) === etag);

/**
 * Preconditions decided on a read (RFC 9110 §13.2.2): If-Match naming no current version fails
 * (writes enforce it atomically in the service); If-None-Match naming it is 304 for a read and
 * fails a write.
 */
function failsIfMatch(context: OperationContext, etag: string): boolean {
  const condition = ifMatchOf(context);
  return condition !== undefined && !names(condition, etag);
}

function failsIfNoneMatch(context: OperationContext, etag: string): boolean {
  const condition = ifNoneMatchOf(context);
  return condition !== undefined && names(condition, etag);
}

const preconditionFailed = (header: string): DomainError =>
  new DomainError('preconditionFailed', `${header} does not hold for the current version of the resource`);

const withEtag = (result: ResourceResult): APIGatewayProxyResult =>
  ok(result.resource, { ETag: result.etag });
/** The answer of a committed PUT or PATCH (http/response.ts keeps it within the response limit). */
const writtenWithEtag = (result: ResourceResult): APIGatewayProxyResult =>
  written(result.resource, { ETag: result.etag });

/** A resource endpoint: its operation table for a registry, and its Lambda handler. */
export function resourceEndpoint<C>(
  target: 'users' | 'groups',
  service: ResourceOperations<C>,
  contextOf: (context: OperationContext, registry: SchemaRegistry) => C,
  more: (registry: SchemaRegistry) => OperationTable = () => ({}),
) {
  const operations = (registry: SchemaRegistry): OperationTable => ({
    ...resourceOperations(service, (context) => contextOf(context, registry)),
    ...more(registry),
  });
  /** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS). */
  const createHandler = (runtime: () => Runtime, registry = defaultSchemaRegistry()): LambdaHandler =>
    createHttpHandler(target, operations(registry), runtime);
  return { operations, createHandler, handler: createHandler(lazyRuntime()) };
}

function resourceOperations<C>(
  service: ResourceOperations<C>,
  contextOf: (context: OperationContext) => C,
): OperationTable {
  /**
   * If-None-Match on a write (RFC 9110 §13.1.2): preconditionFailed when the resource exists
   * with a version it names ('*': at all). One read more, only for requests that carry it;
   * unlike If-Match it is checked before the write, not inside it.
   */
  const checkIfNoneMatch = async (context: OperationContext): Promise<void> => {
    if (ifNoneMatchOf(context) === undefined) return;
    const current = await service.get(contextOf(context), idOf(context), { attributes: ['id'] });
    if (failsIfNoneMatch(context, current.etag)) throw preconditionFailed('If-None-Match');
  };
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
      if (failsIfMatch(context, result.etag)) throw preconditionFailed('If-Match');
      return failsIfNoneMatch(context, result.etag) ? notModified(result.etag) : withEtag(result);
    },
    list: async (context) =>
      ok(await service.list(contextOf(context), parseListParameters(context.request.query))),
    // RFC 7644 §3.4.3: the SearchRequest carries the same parameters as the query string.
    search: async (context) =>
      ok(await service.list(contextOf(context), parseListParameters(searchRequestBody(context.request)))),
    replace: async (context) => {
      await checkIfNoneMatch(context);
      return writtenWithEtag(
        await service.replace(
          contextOf(context),
          idOf(context),
          jsonBody(context.request),
          projectionOf(context),
          ifMatchOf(context),
        ),
      );
    },
    patch: async (context) => {
      await checkIfNoneMatch(context);
      const result = await service.patch(
        contextOf(context),
        idOf(context),
        jsonBody(context.request),
        projectionOf(context),
        ifMatchOf(context),
      );
      if (!('acknowledged' in result)) return writtenWithEtag(result);
      return noContent(result.etag !== undefined ? { ETag: result.etag } : {});
    },
    delete: async (context) => {
      await checkIfNoneMatch(context);
      await service.delete(contextOf(context), idOf(context), ifMatchOf(context));
      return noContent();
    },
  };
}
