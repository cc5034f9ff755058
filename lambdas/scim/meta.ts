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
 * Reads the version out of an If-Match / If-None-Match value. Returns '*' for the wildcard,
 * undefined when the header is absent, and null when it names no version of ours (it can
 * then match nothing).
 */
export function versionFromEtagHeader(header: string | undefined): number | '*' | null | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(trimmed);
  return match ? Number(match[1]) : null;
}
