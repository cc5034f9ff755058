/**
 * The schema registry: the one source of truth for what a User and a Group are. /Schemas and
 * /ResourceTypes, the input validators (json-schema.ts, validators.ts), projection, filters
 * (caseExact, type) and PATCH (mutability, multiValued) all read their attribute
 * characteristics from here, so a characteristic cannot differ between two parts of the service.
 *
 * Names resolve case-insensitively (RFC 7643 §2.1) and to the canonical spelling of the
 * definitions; an unqualified name is looked up among the common attributes, then the core
 * schema, then the extensions in configuration order (RFC 7644 §3.10).
 */
import type { AttributeLookup, AttributePath } from '../filter/ast';
import type { ResourceTypeName } from '../meta';
import { COMMON_ATTRIBUTES } from './common-attributes';
import { ENTERPRISE_USER_SCHEMA, enterpriseUserSchema } from './enterprise-user-schema';
import {
  type ExtensionConfig,
  type ExtensionInput,
  parseExtensionsConfig,
  validateExtension,
} from './extension-config';
import { GROUP_SCHEMA, groupSchema } from './group-schema';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './types';
import { USER_SCHEMA, userSchema } from './user-schema';

export type { ExtensionConfig, ExtensionInput, ResourceTypeName };
export { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA };

/** Env variable holding a JSON array of ExtensionConfig. */
export const SCHEMA_EXTENSIONS_ENV = 'SCIM_SCHEMA_EXTENSIONS';

export interface ResolvedAttribute {
  /** Canonical URN of the schema defining the attribute (the core URN for common attributes). */
  readonly schema: string;
  readonly attribute: AttributeDefinition;
  /** Set when the path named a sub-attribute and it exists. */
  readonly subAttribute?: AttributeDefinition;
  /** True when the attribute lives in an extension schema (stored under the URN key). */
  readonly extension: boolean;
  /** True for id, externalId, meta and schemas (RFC 7643 §3.1). */
  readonly common: boolean;
}

/** The schemas of one resource type, core first. */
export interface ResourceSchemas {
  readonly core: SchemaDefinition;
  readonly extensions: readonly { readonly schema: SchemaDefinition; readonly required: boolean }[];
}

export interface SchemaRegistry {
  resourceType(name: ResourceTypeName): ResourceTypeDefinition;
  resourceTypes(): ResourceTypeDefinition[];
  /** Every schema served at /Schemas: User, Group, then extensions. */
  schemas(): SchemaDefinition[];
  /** Case-insensitive URN look-up. */
  schema(urn: string): SchemaDefinition | undefined;
  resourceSchemas(resourceType: ResourceTypeName): ResourceSchemas;
  /** The extension of a resource type with this URN (case-insensitive), if any. */
  extension(resourceType: ResourceTypeName, urn: string): SchemaDefinition | undefined;
  resolve(resourceType: ResourceTypeName, path: AttributePath): ResolvedAttribute | undefined;
  lookup(resourceType: ResourceTypeName): AttributeLookup;
  /**
   * Splits a written attribute name — `name.givenName`, `emails.value`,
   * `urn:…:enterprise:2.0:User:manager.value`, `urn:…:core:2.0:User:userName` — into a path.
   * A URN prefix is recognised when it is one of the resource type's schemas; a bare
   * extension URN yields `{schema, attribute: ''}`.
   */
  parsePath(resourceType: ResourceTypeName, name: string): AttributePath;
}

const RESOURCE_TYPE_INFO: Record<ResourceTypeName, { endpoint: '/Users' | '/Groups'; description: string }> =
  {
    User: { endpoint: '/Users', description: 'User Account' },
    Group: { endpoint: '/Groups', description: 'Group' },
  };

/**
 * Builds a registry with the built-in schemas plus `extensions`, which are validated (and
 * completed with defaults) here, so a bad definition throws before any request is served.
 */
export function createSchemaRegistry(
  options: { extensions?: readonly (ExtensionConfig | ExtensionInput)[] } = {},
): SchemaRegistry {
  const perType: Record<ResourceTypeName, { core: SchemaDefinition; extensions: ExtensionEntry[] }> = {
    User: { core: userSchema, extensions: [{ schema: enterpriseUserSchema, required: false }] },
    Group: { core: groupSchema, extensions: [] },
  };
  const all: SchemaDefinition[] = [userSchema, groupSchema, enterpriseUserSchema];
  const byUrn = new Map(all.map((s) => [s.id.toLowerCase(), s]));
  for (const [i, raw] of (options.extensions ?? []).entries()) {
    const ext = validateExtension(raw, `extensions[${i}]`);
    const key = ext.schema.id.toLowerCase();
    if (byUrn.has(key)) throw new Error(`extensions[${i}].schema.id ${ext.schema.id} is already defined`);
    byUrn.set(key, ext.schema);
    all.push(ext.schema);
    perType[ext.resourceType].extensions.push({ schema: ext.schema, required: ext.required === true });
  }

  const resourceTypes = new Map<ResourceTypeName, ResourceTypeDefinition>();
  const indexes = new Map<ResourceTypeName, TypeIndex>();
  const lookups = new Map<ResourceTypeName, AttributeLookup>();
  for (const name of ['User', 'Group'] as const) {
    const { core, extensions } = perType[name];
    resourceTypes.set(name, {
      id: name,
      name,
      endpoint: RESOURCE_TYPE_INFO[name].endpoint,
      description: RESOURCE_TYPE_INFO[name].description,
      schema: core.id,
      schemaExtensions: extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    });
    indexes.set(name, buildIndex(core, extensions));
  }

  const index = (rt: ResourceTypeName): TypeIndex => {
    const found = indexes.get(rt);
    if (!found) throw new Error(`Unknown resource type ${String(rt)}`);
    return found;
  };

  const registry: SchemaRegistry = {
    resourceType(name) {
      const found = resourceTypes.get(name);
      if (!found) throw new Error(`Unknown resource type ${String(name)}`);
      return found;
    },
    resourceTypes: () => [...resourceTypes.values()],
    schemas: () => [...all],
    schema: (urn) => byUrn.get(urn.toLowerCase()),
    resourceSchemas(rt) {
      const { core, extensions } = perType[rt];
      return { core, extensions };
    },
    extension: (rt, urn) => index(rt).extensions.get(urn.toLowerCase())?.schema,
    resolve: (rt, path) => resolveIn(index(rt), path),
    // One lookup function per resource type: compileFilter caches compiled filters per lookup,
    // so handing out the same function is what makes that cache hit.
    lookup(rt) {
      let lookup = lookups.get(rt);
      if (!lookup) {
        const idx = index(rt);
        lookup = (path) => {
          const resolved = resolveIn(idx, path);
          if (!resolved) return undefined;
          if (path.subAttribute !== undefined) return resolved.subAttribute;
          return resolved.attribute;
        };
        lookups.set(rt, lookup);
      }
      return lookup;
    },
    parsePath: (rt, name) => splitAttributeName(name, index(rt).urns),
  };
  return registry;
}

let memoized: { text: string | undefined; registry: SchemaRegistry } | undefined;

/**
 * The registry of this process, configured from SCIM_SCHEMA_EXTENSIONS. Memoized per env value
 * so a Lambda container builds it (and picks its validators) once; an invalid value throws at first use,
 * which handlers trigger at module load.
 */
export function defaultSchemaRegistry(env: NodeJS.ProcessEnv = process.env): SchemaRegistry {
  const text = env[SCHEMA_EXTENSIONS_ENV];
  if (memoized && memoized.text === text) return memoized.registry;
  const registry = createSchemaRegistry({ extensions: parseExtensionsConfig(text, SCHEMA_EXTENSIONS_ENV) });
  memoized = { text, registry };
  return registry;
}

interface ExtensionEntry {
  readonly schema: SchemaDefinition;
  readonly required: boolean;
}

interface SchemaIndex {
  readonly schema: SchemaDefinition;
  readonly extension: boolean;
  readonly attributes: ReadonlyMap<string, AttributeDefinition>;
}

interface TypeIndex {
  readonly core: SchemaIndex;
  readonly common: ReadonlyMap<string, AttributeDefinition>;
  /** Lower-cased URN → extension. */
  readonly extensions: ReadonlyMap<string, SchemaIndex>;
  /** Known URNs of this type, longest first, for prefix matching. */
  readonly urns: readonly string[];
}

function byLowerName(attributes: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  return new Map(attributes.map((a) => [a.name.toLowerCase(), a]));
}

function buildIndex(core: SchemaDefinition, extensions: readonly ExtensionEntry[]): TypeIndex {
  const ext = new Map(
    extensions.map((e) => [
      e.schema.id.toLowerCase(),
      { schema: e.schema, extension: true, attributes: byLowerName(e.schema.attributes) },
    ]),
  );
  return {
    core: { schema: core, extension: false, attributes: byLowerName(core.attributes) },
    common: byLowerName(COMMON_ATTRIBUTES),
    extensions: ext,
    urns: [core.id, ...extensions.map((e) => e.schema.id)].sort((a, b) => b.length - a.length),
  };
}

function withSub(
  schema: SchemaIndex,
  attribute: AttributeDefinition,
  subName: string | undefined,
  common: boolean,
): ResolvedAttribute | undefined {
  const base = { schema: schema.schema.id, attribute, extension: schema.extension, common };
  if (subName === undefined) return base;
  const lower = subName.toLowerCase();
  const sub = attribute.subAttributes?.find((s) => s.name.toLowerCase() === lower);
  return sub ? { ...base, subAttribute: sub } : undefined;
}

function resolveIn(idx: TypeIndex, given: AttributePath): ResolvedAttribute | undefined {
  // Tolerate a dotted name in `attribute` ("name.givenName") from callers that did not split it.
  const path =
    given.subAttribute === undefined && given.attribute.includes('.')
      ? { ...given, ...splitDotted(given.attribute) }
      : given;
  const name = path.attribute.toLowerCase();
  if (path.schema !== undefined) {
    const urn = path.schema.toLowerCase();
    if (urn === idx.core.schema.id.toLowerCase()) {
      const common = idx.common.get(name);
      if (common) return withSub(idx.core, common, path.subAttribute, true);
      const attr = idx.core.attributes.get(name);
      return attr ? withSub(idx.core, attr, path.subAttribute, false) : undefined;
    }
    const ext = idx.extensions.get(urn);
    const attr = ext?.attributes.get(name);
    return ext && attr ? withSub(ext, attr, path.subAttribute, false) : undefined;
  }
  const common = idx.common.get(name);
  if (common) return withSub(idx.core, common, path.subAttribute, true);
  const coreAttr = idx.core.attributes.get(name);
  if (coreAttr) return withSub(idx.core, coreAttr, path.subAttribute, false);
  for (const ext of idx.extensions.values()) {
    const attr = ext.attributes.get(name);
    if (attr) return withSub(ext, attr, path.subAttribute, false);
  }
  return undefined;
}

/**
 * Splits an attribute name at its schema URN (`urn:…:User:name.givenName`, `name.givenName`).
 * `urns` are the known schemas, longest first, so an extension URN that extends a core one wins.
 */
export function splitAttributeName(name: string, urns: readonly string[]): AttributePath {
  const lower = name.toLowerCase();
  for (const urn of urns) {
    const u = urn.toLowerCase();
    if (lower === u) return { schema: urn, attribute: '' };
    if (lower.startsWith(`${u}:`)) return { schema: urn, ...splitDotted(name.slice(urn.length + 1)) };
  }
  if (lower.startsWith('urn:')) {
    // An unknown schema: keep its URN so resolution fails instead of matching a core name.
    const cut = name.lastIndexOf(':');
    return { schema: name.slice(0, cut), ...splitDotted(name.slice(cut + 1)) };
  }
  return splitDotted(name);
}

export function splitDotted(text: string): { attribute: string; subAttribute?: string } {
  const dot = text.indexOf('.');
  if (dot < 0) return { attribute: text };
  return { attribute: text.slice(0, dot), subAttribute: text.slice(dot + 1) };
}
