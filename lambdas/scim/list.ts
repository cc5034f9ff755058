/**
 * List query parameters and the ListResponse envelope (RFC 7644 §3.4.2). Parsing is shared by
 * GET (query string) and POST /.search (SearchRequest body), so both behave identically.
 */
import { badRequest } from './errors';

const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** Page size when the client gives none, and the most one page may hold. */
export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;
export const MAX_FILTER_LENGTH = 4096;

export interface ListParameters {
  readonly filter?: string;
  /** 1-based; values below 1 are read as 1 (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  /** 0..MAX_COUNT; a negative count is read as 0. */
  readonly count: number;
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
  readonly sortBy?: string;
  readonly sortOrder?: 'ascending' | 'descending';
  /** RFC 9865: present (possibly empty) when the client asks for cursor paging. */
  readonly cursor?: string;
}

/** Raw values as they arrive: strings from a query string, JSON values from a SearchRequest. */
export type RawListInput = Readonly<Record<string, unknown>>;

export function parseListParameters(input: RawListInput): ListParameters {
  const filter = optionalString(input, 'filter');
  if (filter !== undefined && filter.length > MAX_FILTER_LENGTH) {
    throw badRequest('invalidFilter', `filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const startIndex = Math.max(1, integer(input, 'startIndex') ?? 1);
  const count = Math.min(MAX_COUNT, Math.max(0, integer(input, 'count') ?? DEFAULT_COUNT));
  const sortOrderRaw = optionalString(input, 'sortOrder');
  let sortOrder: 'ascending' | 'descending' | undefined;
  if (sortOrderRaw !== undefined) {
    const lower = sortOrderRaw.toLowerCase();
    if (lower !== 'ascending' && lower !== 'descending') {
      throw badRequest('invalidValue', 'sortOrder must be "ascending" or "descending"');
    }
    sortOrder = lower;
  }
  const attributes = attributeList(input, 'attributes');
  const excludedAttributes = attributeList(input, 'excludedAttributes');
  const sortBy = optionalString(input, 'sortBy');
  const cursor = optionalString(input, 'cursor');
  return {
    startIndex,
    count,
    ...(filter !== undefined && filter.trim() !== '' ? { filter } : {}),
    ...(attributes ? { attributes } : {}),
    ...(excludedAttributes ? { excludedAttributes } : {}),
    ...(sortBy ? { sortBy } : {}),
    ...(sortOrder ? { sortOrder } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

/** `attributes` / `excludedAttributes` for single-resource reads (GET /Users/{id}). */
export function parseProjection(
  input: RawListInput,
): Pick<ListParameters, 'attributes' | 'excludedAttributes'> {
  const attributes = attributeList(input, 'attributes');
  const excludedAttributes = attributeList(input, 'excludedAttributes');
  return { ...(attributes ? { attributes } : {}), ...(excludedAttributes ? { excludedAttributes } : {}) };
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  /** Absent only where counting would read everything (a group's members: docs/GROUPS.md). */
  totalResults?: number;
  /** Absent on RFC 9865 cursor pages, which have no index. */
  startIndex?: number;
  itemsPerPage: number;
  Resources: T[];
  nextCursor?: string;
  previousCursor?: string;
}

export function listResponse<T>(
  resources: T[],
  totalResults: number | undefined,
  startIndex: number | undefined,
  cursors: { nextCursor?: string; previousCursor?: string } = {},
): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    ...(totalResults !== undefined ? { totalResults } : {}),
    ...(startIndex !== undefined ? { startIndex } : {}),
    itemsPerPage: resources.length,
    Resources: resources,
    ...cursors,
  };
}

/**
 * The value of parameter `name`, whatever the case it was written in: SCIM names are
 * case-insensitive (RFC 7643 §2.1), and a `Filter=` that was ignored would answer an existence
 * check with the whole tenant. Two spellings of one name are invalidValue.
 */
function parameter(input: RawListInput, name: string): unknown {
  const lower = name.toLowerCase();
  const keys = Object.keys(input).filter((key) => key.toLowerCase() === lower);
  if (keys.length > 1) throw badRequest('invalidValue', `${name} is given more than once`);
  return keys.length === 1 ? input[keys[0] as string] : undefined;
}

function optionalString(input: RawListInput, name: string): string | undefined {
  const value = parameter(input, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest('invalidValue', `${name} must be a string`);
  return value;
}

/** An integer parameter; one beyond ±2^53 is clamped there (startIndex 10^20 is past any end). */
function integer(input: RawListInput, name: string): number | undefined {
  const value = parameter(input, name);
  if (value === undefined || value === null || value === '') return undefined;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(n)) throw badRequest('invalidValue', `${name} must be an integer`);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

function attributeList(input: RawListInput, name: string): string[] | undefined {
  const value = parameter(input, name);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((v) => typeof v !== 'string')) {
    throw badRequest('invalidValue', `${name} must be a comma-separated list of attribute names`);
  }
  const names = (items as string[]).map((v) => v.trim()).filter((v) => v !== '');
  return names.length > 0 ? names : undefined;
}
