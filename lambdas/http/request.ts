/**
 * API Gateway proxy event → ScimRequest: lower-cased headers, decoded query parameters,
 * JSON body checked for size, media type and syntax before any other work is done.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { badRequest, ScimError } from '../scim/errors';

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

/** Parses the JSON body; `required` bodies that are missing are a 400 invalidSyntax. */
export function jsonBody(request: ScimRequest): unknown {
  if (request.rawBody === undefined) throw badRequest('invalidSyntax', 'A JSON request body is required');
  if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_BODY_BYTES) {
    throw new ScimError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`, 'tooMany');
  }
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) {
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_MEDIA_TYPES.has(mediaType)) {
      throw new ScimError(415, `Unsupported Content-Type "${mediaType}"; use application/scim+json`);
    }
  }
  try {
    return JSON.parse(request.rawBody);
  } catch {
    throw badRequest('invalidSyntax', 'Request body is not valid JSON');
  }
}
