/**
 * Discovery documents (RFC 7644 §4; RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and
 * Schemas. Everything except the capability flags is generated from the schema registry, so
 * /Schemas describes exactly what the validators enforce — configured extensions included —
 * and Entra's schema discovery maps attributes that really exist.
 */

import { clipped } from './clip';
import { CURSOR_TIMEOUT_SECONDS } from './cursor';
import { notFound, ScimError } from './errors';
import { DEFAULT_COUNT, type ListResponse, listResponse, MAX_COUNT } from './list';
import type { SchemaRegistry } from './schema/registry';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './schema/types';

const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/**
 * What this server supports, stated once (RFC 7643 §5). Whoever builds sorting or ETag
 * preconditions flips the flag here, in the same change.
 */
const CAPABILITIES = {
  documentationUri: 'https://github.com/scim-serverless/scim-serverless#readme',
  patch: { supported: true },
  // maxPayloadSize mirrors MAX_BODY_BYTES of http/request.ts (scim/ may not import http/).
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 1_048_576 },
  filter: { supported: true, maxResults: MAX_COUNT },
  changePassword: { supported: false },
  sort: { supported: true },
  etag: { supported: true },
  // RFC 9865 §4: both paging methods; cursors expire after CURSOR_TIMEOUT_SECONDS.
  pagination: {
    cursor: true,
    index: true,
    defaultPaginationMethod: 'index',
    defaultPageSize: DEFAULT_COUNT,
    maxPageSize: MAX_COUNT,
    cursorTimeout: CURSOR_TIMEOUT_SECONDS,
  },
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'Bearer token',
      description: 'A per-tenant bearer token in the Authorization header (Authorization: Bearer scim_…)',
      primary: true,
    },
  ],
} as const;

export function serviceProviderConfig(baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...CAPABILITIES,
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/**
 * RFC 7644 §4: discovery endpoints do not filter, and a server SHOULD answer 403 to a filter
 * so a client cannot believe its conditions were applied.
 */
export function rejectDiscoveryFilter(query: Readonly<Record<string, string | undefined>>): void {
  if (query.filter !== undefined) {
    throw new ScimError(403, 'Filtering is not supported on discovery endpoints (RFC 7644 §4)');
  }
}

type Document = Record<string, unknown>;

/**
 * One discovery collection (/ResourceTypes, /Schemas): every document as a list response, or
 * one by id (404 when unknown). `describe` gives a document's own attributes; the collection adds
 * `schemas`, `id` and `meta`.
 */
function discoveryCollection<T extends { readonly id: string }>(spec: {
  readonly resourceType: 'ResourceType' | 'Schema';
  readonly schema: string;
  readonly endpoint: string;
  readonly all: (registry: SchemaRegistry) => readonly T[];
  readonly find: (registry: SchemaRegistry, id: string) => T | undefined;
  readonly describe: (definition: T) => Document;
}) {
  const present = (definition: T, baseUrl: string): Document => ({
    schemas: [spec.schema],
    id: definition.id,
    ...spec.describe(definition),
    meta: { resourceType: spec.resourceType, location: `${baseUrl}/${spec.endpoint}/${definition.id}` },
  });
  return {
    list(registry: SchemaRegistry, baseUrl: string): ListResponse<Document> {
      const resources = spec.all(registry).map((d) => present(d, baseUrl));
      return listResponse(resources, resources.length, 1);
    },
    get(registry: SchemaRegistry, baseUrl: string, id: string): Document {
      const definition = spec.find(registry, id);
      if (!definition) throw notFound(`${spec.resourceType} ${clipped(id)} not found`);
      return present(definition, baseUrl);
    },
  };
}

const resourceTypes = discoveryCollection<ResourceTypeDefinition>({
  resourceType: 'ResourceType',
  schema: RESOURCE_TYPE_SCHEMA,
  endpoint: 'ResourceTypes',
  all: (registry) => registry.resourceTypes(),
  find: (registry, id) => registry.resourceTypes().find((d) => d.id.toLowerCase() === id.toLowerCase()),
  describe: (definition) => ({
    name: definition.name,
    endpoint: definition.endpoint,
    description: definition.description,
    schema: definition.schema,
    schemaExtensions: definition.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required })),
  }),
});

const schemas = discoveryCollection<SchemaDefinition>({
  resourceType: 'Schema',
  schema: SCHEMA_SCHEMA,
  endpoint: 'Schemas',
  all: (registry) => registry.schemas(),
  find: (registry, urn) => registry.schema(urn),
  describe: (definition) => ({
    name: definition.name,
    description: definition.description,
    attributes: definition.attributes.map(attributeResource),
  }),
});

export const listResourceTypes = resourceTypes.list;
export const getResourceType = resourceTypes.get;
export const listSchemas = schemas.list;
export const getSchema = schemas.get;

/** RFC 7643 §7 attribute representation, every characteristic explicit. */
function attributeResource(a: AttributeDefinition): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.referenceTypes ? { referenceTypes: [...a.referenceTypes] } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attributeResource) } : {}),
  };
}
