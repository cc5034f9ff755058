/**
 * `meta` (RFC 7643 §3.1) and ETags (RFC 7644 §3.14). The version is the item's write counter,
 * so `meta.version`, the ETag header and the conditional write all speak of the same number.
 */

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceMeta {
  resourceType: ResourceTypeName;
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

const ENDPOINT: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };

export function resourceLocation(baseUrl: string, resourceType: ResourceTypeName, id: string): string {
  return `${baseUrl}/${ENDPOINT[resourceType]}/${encodeURIComponent(id)}`;
}

export function buildMeta(
  baseUrl: string,
  resourceType: ResourceTypeName,
  id: string,
  created: string,
  lastModified: string,
  version: number,
): ResourceMeta {
  return {
    resourceType,
    created,
    lastModified,
    location: resourceLocation(baseUrl, resourceType, id),
    version: etagOf(version),
  };
}

/** Weak ETag of a version number: W/"3". */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * An If-Match / If-None-Match header (RFC 9110 §13.1.1–2): '*', the versions its entity tags
 * name, or undefined when absent. A list may name several; tags that name no version of ours
 * are left out (they match nothing), so an empty list matches nothing. Comparison is weak, as
 * RFC 7644 §3.14 uses it: `"3"` and `W/"3"` both name version 3.
 */
export type EntityTagCondition = '*' | readonly number[] | undefined;

export function entityTagCondition(header: string | undefined): EntityTagCondition {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const versions: number[] = [];
  for (const match of header.matchAll(/(?:W\/)?"([^"]*)"/g)) {
    const opaque = match[1] ?? '';
    // Tags are opaque strings: only the exact text of a version names it (`"01"` is not 1).
    if (/^(0|[1-9]\d{0,14})$/.test(opaque)) versions.push(Number(opaque));
  }
  return versions;
}
