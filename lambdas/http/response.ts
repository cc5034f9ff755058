/**
 * SCIM responses: `application/scim+json`, no caching, no sniffing, and errors rendered as
 * RFC 7644 §3.12 Error bodies. Internal faults become a generic 500 without internal details.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ScimError, toErrorBody } from '../scim/errors';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'Content-Type': SCIM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(
  statusCode: number,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: '' };
}

export function errorResponse(error: ScimError): APIGatewayProxyResult {
  return jsonResponse(error.status, toErrorBody(error), { ...error.headers });
}

export function internalErrorResponse(): APIGatewayProxyResult {
  return errorResponse(new ScimError(500, 'Internal server error'));
}
