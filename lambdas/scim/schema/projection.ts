/**
 * Attribute projection of returned resources (RFC 7644 §3.4.2.5, §3.9) driven by the
 * `returned` characteristic (RFC 7643 §7):
 * - `always` (id, schemas) is returned whatever the query says;
 * - `never` (password) is never returned, even if stored by mistake;
 * - `default` is returned unless excluded, or unless `attributes` names other attributes;
 * - `request` only when named in `attributes`.
 * Names may be sub-attributes (`name.givenName`, `emails.value`), URN-qualified
 * (`urn:…:enterprise:2.0:User:manager`), or a whole extension URN, in any case. Unknown names
 * are ignored rather than rejected: RFC 7644 does not make them an error, and clients send
 * attribute lists written for other servers.
 *
 * Keys the registry does not define are dropped from the output, so internal fields a store
 * might keep beside the resource can never leak to clients.
 */
import type { ResourceTypeName } from '../meta';
import { isPlainObject, type JsonObject, type JsonValue } from './json';
import type { ResolvedAttribute, SchemaRegistry } from './registry';
import type { AttributeDefinition } from './types';

export interface Projection {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

/** Whether the client named attributes at all (a group PATCH then answers 200 with the group). */
export const namesAttributes = (projection: Projection): boolean =>
  projection.attributes !== undefined || projection.excludedAttributes !== undefined;

export function projectResource(
  resource: JsonObject,
  resourceType: ResourceTypeName,
  projection: Projection,
  registry: SchemaRegistry,
): JsonObject {
  const selection = selectionOf(resourceType, projection, registry);
  const { core } = registry.resourceSchemas(resourceType);
  const out: JsonObject = {};
  const extensionsPresent: string[] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (value === null || value === undefined) continue;
    const extension = registry.extension(resourceType, key);
    if (extension) {
      if (!isPlainObject(value)) continue;
      const projected: JsonObject = {};
      for (const [attrKey, attrValue] of Object.entries(value)) {
        const resolved = registry.resolve(resourceType, { schema: extension.id, attribute: attrKey });
        if (!resolved) continue;
        const kept = projectAttribute(resolved, attrValue as JsonValue, selection);
        if (kept !== undefined) projected[resolved.attribute.name] = kept;
      }
      if (Object.keys(projected).length > 0) {
        out[extension.id] = projected;
        extensionsPresent.push(extension.id);
      }
      continue;
    }
    const resolved = registry.resolve(resourceType, { schema: core.id, attribute: key });
    if (!resolved || resolved.attribute.name === 'schemas') continue;
    const kept = projectAttribute(resolved, value, selection);
    if (kept !== undefined) out[resolved.attribute.name] = kept;
  }
  return { schemas: [core.id, ...extensionsPresent], ...out };
}

/**
 * Whether any part of `name` (e.g. "members") would be in a projected resource. Lets a service
 * skip expensive reads — the Groups service does not load membership items for
 * `excludedAttributes=members`.
 */
export function isAttributeRequested(
  name: string,
  resourceType: ResourceTypeName,
  projection: Projection,
  registry: SchemaRegistry,
): boolean {
  const path = registry.parsePath(resourceType, name);
  const resolved = registry.resolve(resourceType, path);
  if (!resolved) return false;
  const plan = planFor(resolved, selectionOf(resourceType, projection, registry));
  if (!plan) return false;
  if (!resolved.subAttribute) return true;
  return subIncluded(resolved.subAttribute, plan);
}

// ---------------------------------------------------------------------------------------------

/** One parsed name of `attributes` / `excludedAttributes`. */
interface Selector {
  /** Lower-cased canonical schema URN. */
  readonly schema: string;
  /** Lower-cased canonical attribute name; undefined selects a whole extension. */
  readonly attribute?: string;
  readonly subAttribute?: string;
}

interface Selection {
  readonly include?: readonly Selector[];
  readonly exclude: readonly Selector[];
}

function selectionOf(
  resourceType: ResourceTypeName,
  projection: Projection,
  registry: SchemaRegistry,
): Selection {
  const parse = (names: readonly string[]): Selector[] =>
    names.flatMap((name): Selector[] => {
      const path = registry.parsePath(resourceType, name.trim());
      if (path.schema !== undefined && path.attribute === '') {
        const extension = registry.extension(resourceType, path.schema);
        return extension ? [{ schema: extension.id.toLowerCase() }] : [];
      }
      const resolved = registry.resolve(resourceType, path);
      if (!resolved) return [];
      return [
        {
          schema: resolved.schema.toLowerCase(),
          attribute: resolved.attribute.name.toLowerCase(),
          ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute.name.toLowerCase() } : {}),
        },
      ];
    });
  // RFC 7644 §3.4.2.5: an `attributes` list that names nothing we know still replaces the
  // default set, so keep an empty list as "only always-returned attributes".
  return {
    ...(projection.attributes !== undefined ? { include: parse(projection.attributes) } : {}),
    exclude: parse(projection.excludedAttributes ?? []),
  };
}

/** What to keep of one attribute: undefined = nothing; `subs` undefined = every sub-attribute. */
interface Plan {
  readonly subs?: ReadonlySet<string>;
  readonly excludedSubs: ReadonlySet<string>;
}

function matching(selectors: readonly Selector[], resolved: ResolvedAttribute): Selector[] {
  const schema = resolved.schema.toLowerCase();
  const name = resolved.attribute.name.toLowerCase();
  return selectors.filter(
    (s) => s.schema === schema && (s.attribute === name || (s.attribute === undefined && resolved.extension)),
  );
}

function planFor(resolved: ResolvedAttribute, selection: Selection): Plan | undefined {
  const { returned } = resolved.attribute;
  if (returned === 'never') return undefined;
  if (returned === 'always') return { excludedSubs: new Set() };
  let subs: Set<string> | undefined;
  if (selection.include) {
    const hits = matching(selection.include, resolved);
    if (hits.length === 0) return undefined;
    const whole = hits.some((h) => h.subAttribute === undefined);
    if (!whole) subs = new Set(hits.map((h) => h.subAttribute as string));
  } else if (returned === 'request') {
    return undefined;
  }
  const excluded = matching(selection.exclude, resolved);
  if (excluded.some((h) => h.subAttribute === undefined)) return undefined;
  const excludedSubs = new Set(excluded.map((h) => h.subAttribute as string));
  // Everything named in `attributes` is excluded again: nothing of the attribute remains.
  if (subs && [...subs].every((s) => excludedSubs.has(s))) return undefined;
  return { ...(subs ? { subs } : {}), excludedSubs };
}

function subIncluded(sub: AttributeDefinition, plan: Plan): boolean {
  const name = sub.name.toLowerCase();
  if (sub.returned === 'never') return false;
  if (sub.returned === 'always') return true;
  if (plan.excludedSubs.has(name)) return false;
  if (plan.subs) return plan.subs.has(name);
  return sub.returned !== 'request';
}

function projectAttribute(
  resolved: ResolvedAttribute,
  value: JsonValue,
  selection: Selection,
): JsonValue | undefined {
  const plan = planFor(resolved, selection);
  if (!plan) return undefined;
  const definition = resolved.attribute;
  if (definition.type !== 'complex') return value;
  const subAttributes = definition.subAttributes ?? [];
  const projectOne = (item: JsonValue): JsonValue | undefined => {
    if (!isPlainObject(item)) return undefined;
    const out: JsonObject = {};
    for (const [key, subValue] of Object.entries(item)) {
      const lower = key.toLowerCase();
      const sub = subAttributes.find((s) => s.name.toLowerCase() === lower);
      if (sub && subValue !== undefined && subIncluded(sub, plan)) out[sub.name] = subValue as JsonValue;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  if (Array.isArray(value)) {
    const items = value.map(projectOne).filter((v): v is JsonValue => v !== undefined);
    // A multi-valued attribute kept whole stays, even empty (Okta's `members: []`).
    return items.length > 0 || (value.length === 0 && !plan.subs) ? items : undefined;
  }
  return projectOne(value);
}
