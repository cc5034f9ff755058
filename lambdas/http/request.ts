/**
 * API Gateway proxy event → ScimRequest: lower-cased headers, decoded query parameters,
 * JSON body checked for size, media type and syntax before any other work is done. The body
 * is parsed at most once per request: the operation and the activity record share the parse.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DomainError } from '../domain/errors';

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
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  let rawBody: string | undefined;
  if (event.body !== null && event.body !== undefined && event.body !== '') {
    rawBody = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  }
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
    query,
    headers,
    baseUrl: configuredBaseUrl ?? deriveBaseUrl(event, headers),
    rawBody,
  };
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
  return parsed.value;
}

/** RFC 7644 §3.4.3: the body of POST /.search is a SearchRequest object. */
export function searchRequestBody(request: ScimRequest): Record<string, unknown> {
  const body = jsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('invalidSyntax', 'The body of /.search must be a SearchRequest object');
  }
  return body as Record<string, unknown>;
}
