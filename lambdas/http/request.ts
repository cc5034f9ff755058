/**
 * API Gateway proxy event → ScimRequest: lower-cased headers, decoded query parameters,
 * JSON body checked for size, media type and syntax before any other work is done. The body
 * is parsed at most once per request: the operation and the activity record share the parse.
 * Request data lands in prototype-free maps (a parameter named `constructor` is just a name);
 * bodies must be valid UTF-8 and no string may hold a lone surrogate; more than one
 * credential (two Authorization headers, or a comma list in one) authenticates nobody.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DomainError } from '../domain/errors';
import { clipped } from '../scim/clip';

/** RFC 7644 gives no limit; 1 MB keeps parsing cheap and is advertised as bulk.maxPayloadSize. */
export const MAX_BODY_BYTES = 1_048_576;

export interface ScimRequest {
  readonly method: string;
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** Query parameters; names as sent (SCIM's are case-sensitive in practice: filter, startIndex…). */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Absolute base URL of the SCIM API, e.g. https://x.execute-api…/prod/scim/v2 */
  readonly baseUrl: string;
  readonly rawBody: string | undefined;
}

export function toScimRequest(event: APIGatewayProxyEvent, configuredBaseUrl?: string): ScimRequest {
  const headers = emptyMap<string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const authorization = singleAuthorization(event);
  if (authorization === undefined) delete headers.authorization;
  else headers.authorization = authorization;
  // A parameter given twice (`count=1&count=3`) would silently keep its last value.
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (values !== undefined && values.length > 1) {
      throw new DomainError('invalidValue', `The query parameter ${clipped(name)} is given more than once`);
    }
  }
  const query = emptyMap<string>();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value === undefined) continue;
    if (!isWellFormed(name) || !isWellFormed(value)) {
      throw new DomainError('invalidValue', 'A query parameter holds a lone UTF-16 surrogate');
    }
    query[name] = value;
  }
  let rawBody: string | undefined;
  if (event.body !== null && event.body !== undefined && event.body !== '') {
    rawBody = event.isBase64Encoded ? decodeUtf8(Buffer.from(event.body, 'base64')) : event.body;
  }
  const pathParameters = emptyMap<string>();
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) pathParameters[name] = value;
  }
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    pathParameters,
    query,
    headers,
    baseUrl: configuredBaseUrl ?? deriveBaseUrl(event, headers),
    rawBody,
  };
}

/** A map with no prototype: `map.constructor` or `map.__proto__` are only ever own keys. */
export function emptyMap<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as UTF-8 text; bytes that are not UTF-8 are refused, never repaired to U+FFFD. */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new DomainError('invalidSyntax', 'Request body is not valid UTF-8');
  }
}

const unauthenticated = (): DomainError =>
  new DomainError('unauthenticated', 'Authentication failed: a valid bearer token is required');

/** The header maps of a proxy event or an authorizer's REQUEST event. */
interface HeaderMaps {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/**
 * The one Authorization value of the request, or undefined when it has none. API Gateway keeps
 * only the last of repeated headers in `headers` but all of them in `multiValueHeaders`, so
 * both are counted (names compared case-insensitively); more than one value, or one value
 * listing several credentials, is refused rather than letting one of them pick the tenant.
 */
export function singleAuthorization(event: HeaderMaps): string | undefined {
  const values: string[] = [];
  const multi = event.multiValueHeaders;
  const source: Record<string, readonly (string | undefined)[] | string | undefined> =
    multi && Object.keys(multi).length > 0 ? multi : (event.headers ?? {});
  for (const [name, value] of Object.entries(source)) {
    if (name.toLowerCase() !== 'authorization' || value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) if (v !== undefined) values.push(v);
  }
  // A header that only multiValueHeaders lacks (a hand-built event) still counts.
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && value !== undefined && !values.includes(value)) {
      values.push(value);
    }
  }
  if (values.length === 0) return undefined;
  const [only] = values;
  if (values.length > 1 || only === undefined || only.includes(',')) throw unauthenticated();
  return only;
}

/**
 * The base URL as the client reached it: the request context's full path minus the resource
 * path leaves the stage (or custom-domain base path) prefix.
 */
function deriveBaseUrl(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const host = event.requestContext?.domainName ?? headers.host ?? 'localhost';
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const fullPath = event.requestContext?.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${proto}://${host}${prefix}/scim/v2`;
}

const JSON_MEDIA_TYPES = new Set(['application/scim+json', 'application/json']);

type ParsedBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false };
const parsedBodies = new WeakMap<ScimRequest, ParsedBody>();

/** The body as JSON, parsed once per request; `ok: false` when absent or not JSON. */
export function parsedBody(request: ScimRequest): ParsedBody {
  let parsed = parsedBodies.get(request);
  if (parsed === undefined) {
    parsed = { ok: false };
    if (request.rawBody !== undefined) {
      try {
        parsed = { ok: true, value: JSON.parse(request.rawBody) };
      } catch {
        // stays { ok: false }
      }
    }
    parsedBodies.set(request, parsed);
  }
  return parsed;
}

/** The JSON body, checked for presence, size and media type; otherwise a DomainError. */
export function jsonBody(request: ScimRequest): unknown {
  if (request.rawBody === undefined)
    throw new DomainError('invalidSyntax', 'A JSON request body is required');
  if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('payloadTooLarge', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) {
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_MEDIA_TYPES.has(mediaType)) {
      throw new DomainError(
        'unsupportedMediaType',
        `Unsupported Content-Type "${mediaType}"; use application/scim+json`,
      );
    }
  }
  const parsed = parsedBody(request);
  if (!parsed.ok) throw new DomainError('invalidSyntax', 'Request body is not valid JSON');
  if (!isWellFormedJson(parsed.value)) {
    throw new DomainError('invalidValue', 'A string in the request body holds a lone UTF-16 surrogate');
  }
  return parsed.value;
}

/** In a `u` regex a lone surrogate is a code point of its own, category Cs; pairs are not. */
const LONE_SURROGATE = /\p{Cs}/u;

/** String.prototype.isWellFormed (Node 20), without raising the compiler's lib to ES2024. */
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Whether every string (member names included) in a parsed JSON value is well-formed UTF-16. */
function isWellFormedJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isWellFormed(next)) return false;
    } else if (Array.isArray(next)) {
      pending.push(...next);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, inner] of Object.entries(next)) {
        if (!isWellFormed(key)) return false;
        pending.push(inner);
      }
    }
  }
  return true;
}

/** RFC 7644 §3.4.3: the body of POST /.search is a SearchRequest object. */
export function searchRequestBody(request: ScimRequest): Record<string, unknown> {
  const body = jsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('invalidSyntax', 'The body of /.search must be a SearchRequest object');
  }
  return body as Record<string, unknown>;
}
