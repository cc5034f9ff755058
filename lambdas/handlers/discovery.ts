/**
 * Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas. Thin: the
 * documents come from scim/discovery.ts and the schema registry.
 */
import { createHttpHandler, type OperationTable } from '../http/handler';
import { jsonResponse } from '../http/response';
import type { Runtime } from '../runtime';
import { onFirstUse, tableFreeRuntimeFromEnv } from '../runtime-auth';
import {
  getResourceType,
  getSchema,
  listResourceTypes,
  listSchemas,
  rejectDiscoveryFilter,
  serviceProviderConfig,
} from '../scim/discovery';
import { defaultSchemaRegistry, type SchemaRegistry } from '../scim/schema/registry';

export function discoveryOperations(registry: SchemaRegistry): OperationTable {
  return {
    serviceProviderConfig: async ({ request }) => {
      rejectDiscoveryFilter(request.query);
      return jsonResponse(200, serviceProviderConfig(request.baseUrl));
    },
    listResourceTypes: async ({ request }) => {
      rejectDiscoveryFilter(request.query);
      return jsonResponse(200, listResourceTypes(registry, request.baseUrl));
    },
    getResourceType: async ({ request }) =>
      jsonResponse(200, getResourceType(registry, request.baseUrl, request.pathParameters.id ?? '')),
    listSchemas: async ({ request }) => {
      rejectDiscoveryFilter(request.query);
      return jsonResponse(200, listSchemas(registry, request.baseUrl));
    },
    getSchema: async ({ request }) =>
      jsonResponse(200, getSchema(registry, request.baseUrl, request.pathParameters.id ?? '')),
  };
}

/** `registry` defaults to the process registry (SCIM_SCHEMA_EXTENSIONS), built here so a bad configuration fails at start-up. */
export const createDiscoveryHandler = (
  runtime: () => Runtime,
  registry: SchemaRegistry = defaultSchemaRegistry(),
) => createHttpHandler('discovery', discoveryOperations(registry), runtime);

// Discovery reads no table: its runtime carries no DynamoDB client (a smaller, faster cold start).
export const handler = createDiscoveryHandler(onFirstUse(() => tableFreeRuntimeFromEnv()));
