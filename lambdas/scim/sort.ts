/**
 * `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3). Sorting applies to result sets that are already
 * bounded in memory (a filtered walk is capped; see lambdas/store/listing.ts), so it is a
 * comparator over SCIM representations, not a DynamoDB feature.
 *
 * The attribute's schema decides how values compare: strings case-insensitively unless
 * caseExact, dateTime as instants, numbers and booleans by value. A multi-valued attribute
 * sorts by its primary value, else its first (§3.4.2.3). Resources without a value sort last
 * when ascending and first when descending, as §3.4.2.3 says; ties keep id order, so the order
 * is total and paging through it is stable.
 */

import { clipped } from './clip';
import { parseInstant } from './date-time';
import { badRequest } from './errors';
import { getCi, isPlainObject } from './schema/json';
import type { ResourceTypeName, SchemaRegistry } from './schema/registry';

type ResourceObject = Readonly<Record<string, unknown>>;
export type ResourceComparator = (a: ResourceObject, b: ResourceObject) => number;

/**
 * `unsorted`: core attributes (lower-case names) the sorted representations do not carry, such
 * as values the service computes from other items; sorting by them is invalidValue rather than
 * an order that silently ignores them.
 */
export function compileSort(
  resourceType: ResourceTypeName,
  sortBy: string,
  sortOrder: 'ascending' | 'descending' | undefined,
  registry: SchemaRegistry,
  unsorted: ReadonlySet<string> = new Set(),
): ResourceComparator {
  let path: ReturnType<SchemaRegistry['parsePath']>;
  try {
    path = registry.parsePath(resourceType, sortBy);
  } catch {
    throw badRequest('invalidValue', `sortBy "${clipped(sortBy)}" is not an attribute path`);
  }
  const resolved = registry.resolve(resourceType, path);
  if (!resolved || (path.subAttribute !== undefined && !resolved.subAttribute)) {
    throw badRequest('invalidValue', `sortBy "${clipped(sortBy)}" names no ${resourceType} attribute`);
  }
  if (!resolved.extension && unsorted.has(resolved.attribute.name.toLowerCase())) {
    throw badRequest(
      'invalidValue',
      `sortBy "${clipped(sortBy)}" is not supported: listed ${resourceType} resources do not carry ${resolved.attribute.name}`,
    );
  }
  const leaf = resolved.subAttribute ?? resolved.attribute;
  if (leaf.type === 'complex' && !leaf.subAttributes?.some((s) => s.name === 'value')) {
    throw badRequest(
      'invalidValue',
      `sortBy "${clipped(sortBy)}" names a complex attribute; name a sub-attribute`,
    );
  }
  const direction = sortOrder === 'descending' ? -1 : 1;
  const keyOf = (resource: ResourceObject): SortKey | undefined => {
    const container = resolved.extension ? objectAt(resource, resolved.schema) : resource;
    if (!container) return undefined;
    let value = pick(getCi(container, resolved.attribute.name));
    if (resolved.subAttribute)
      value = isPlainObject(value) ? getCi(value, resolved.subAttribute.name) : undefined;
    else if (isPlainObject(value)) value = getCi(value, 'value');
    return sortKey(value, leaf.type, leaf.caseExact === true);
  };
  return (a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    if (ka === undefined || kb === undefined) {
      // No value: last ascending, first descending (RFC 7644 §3.4.2.3).
      if (ka !== kb) return (ka === undefined ? 1 : -1) * direction;
    } else {
      const order = ka < kb ? -1 : ka > kb ? 1 : 0;
      if (order !== 0) return order * direction;
    }
    return byId(a, b);
  };
}

type SortKey = string | number;

function sortKey(value: unknown, type: string, caseExact: boolean): SortKey | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  switch (type) {
    case 'dateTime': {
      const instant = parseInstant(value);
      return instant === undefined ? undefined : instant.ms + instant.nanos / 1e6;
    }
    case 'integer':
    case 'decimal':
      return typeof value === 'number' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? Number(value) : undefined;
    default:
      if (typeof value !== 'string') return undefined;
      return caseExact ? value : value.toLowerCase();
  }
}

/** The element a multi-valued attribute sorts by: the primary one, else the first. */
function pick(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.find((element) => isPlainObject(element) && element.primary === true) ?? value[0];
}

function byId(a: ResourceObject, b: ResourceObject): number {
  const ia = String(a.id ?? '');
  const ib = String(b.id ?? '');
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function objectAt(resource: ResourceObject, key: string): ResourceObject | undefined {
  const value = getCi(resource, key);
  return isPlainObject(value) ? value : undefined;
}
