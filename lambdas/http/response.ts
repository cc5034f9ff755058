/**
 * SCIM responses: `application/scim+json`, no caching, no sniffing. The success statuses live
 * here (ok, created, noContent, notModified); error responses only in error-response.ts.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from '../domain/errors';

const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** HSTS: the API is HTTPS only when deployed; a browser (the console's fetches) keeps to it. */
export const STRICT_TRANSPORT_SECURITY = { 'Strict-Transport-Security': 'max-age=31536000' } as const;

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  ...STRICT_TRANSPORT_SECURITY,
};

/**
 * Largest body a response may carry: Lambda refuses a result over 6 MB (API Gateway then answers
 * a bare 502), and the body travels JSON-escaped inside that result, next to the headers.
 */
export const MAX_RESPONSE_BODY_BYTES = 6 * 1024 * 1024 - 64 * 1024;

/** Whether a body's text is over MAX_RESPONSE_BODY_BYTES (measured only when it could be). */
const oversize = (text: string): boolean =>
  // A UTF-16 unit is at most 3 bytes once JSON-escaped.
  text.length * 3 > MAX_RESPONSE_BODY_BYTES &&
  Buffer.byteLength(JSON.stringify(text)) > MAX_RESPONSE_BODY_BYTES;

/**
 * A body's text within MAX_RESPONSE_BODY_BYTES, serialised once. A read that would not fit is
 * refused (the client can ask for less). A committed write's group whose member list (with its
 * users' display names) would not fit is answered without `members`, which the client reads by
 * pages, rather than refused after the write (its retry would then conflict).
 */
function bodyText(body: unknown, committedWrite: boolean): string {
  const text = JSON.stringify(body);
  if (!oversize(text)) return text;
  if (committedWrite && typeof body === 'object' && body !== null && 'members' in body) {
    const { members: _omitted, ...rest } = body as Record<string, unknown>;
    const slim = JSON.stringify(rest);
    if (!oversize(slim)) return slim;
  }
  throw new DomainError(
    'tooMany',
    'The response would exceed the 6 MB a response may carry: ask for fewer resources (count) or fewer attributes (attributes, excludedAttributes)',
  );
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
  committedWrite = false,
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'Content-Type': SCIM_CONTENT_TYPE, ...headers },
    body: bodyText(body, committedWrite),
  };
}

export function emptyResponse(
  statusCode: number,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: '' };
}

export const ok = (body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult =>
  jsonResponse(200, body, headers);

export const created = (body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult =>
  jsonResponse(201, body, headers, true);

/** 200 with the resource a committed write produced (PUT, PATCH). */
export const written = (body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult =>
  jsonResponse(200, body, headers, true);

export const noContent = (headers: Record<string, string> = {}): APIGatewayProxyResult =>
  emptyResponse(204, headers);

/** RFC 7232 §4.1: no body, the current ETag. */
export const notModified = (etag: string): APIGatewayProxyResult => emptyResponse(304, { ETag: etag });

/** Whether a response is a 201 Created (its body names the new resource). */
export const isCreated = (result: APIGatewayProxyResult): boolean => result.statusCode === 201;
