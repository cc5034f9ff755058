/**
 * The only place errors become responses. A DomainError (by its code) and a protocol ScimError
 * (scim/ raises them for filters, paths, cursors, schema validation) become RFC 7644 §3.12
 * Error bodies — string `status`, `scimType` where one applies, `detail` — with the headers
 * the status calls for: Retry-After on 503 and 429, WWW-Authenticate on 401, Allow on 405. Anything
 * else is a fault of ours: a generic 500 whose details go to the log only (by the caller).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { BEARER_CHALLENGE } from '../deployment';
import { type DomainError, type DomainErrorCode, isDomainError } from '../domain/errors';
import { ERROR_SCHEMA, isScimError, type ScimType } from '../scim/errors';
import { jsonResponse } from './response';

interface ErrorStatus {
  readonly status: number;
  readonly scimType?: ScimType;
}

const BY_CODE: Readonly<Record<DomainErrorCode, ErrorStatus>> = {
  notFound: { status: 404 },
  methodNotAllowed: { status: 405 },
  unauthenticated: { status: 401 },
  forbidden: { status: 403 },
  preconditionFailed: { status: 412 },
  // A lost race: RFC 7644 §3.12 gives no scimType, and the client may simply retry.
  versionConflict: { status: 409 },
  uniqueness: { status: 409, scimType: 'uniqueness' },
  unknownMember: { status: 400, scimType: 'invalidValue' },
  invalidValue: { status: 400, scimType: 'invalidValue' },
  invalidSyntax: { status: 400, scimType: 'invalidSyntax' },
  tooMany: { status: 400, scimType: 'tooMany' },
  // scimType values are for 400s (RFC 7644 §3.12); `tooMany` means too many results.
  payloadTooLarge: { status: 413 },
  notImplemented: { status: 501 },
  unsupportedMediaType: { status: 415 },
  busy: { status: 503 },
  unavailable: { status: 503 },
  // Over the caller's own request rate (docs/FAIRNESS.md); RFC 7644 §3.12 names no scimType for it.
  throttled: { status: 429 },
};

/** Retry-After when a busy or unavailable error does not say when to come back. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

function render(status: ErrorStatus, detail: string, headers: Record<string, string>): APIGatewayProxyResult {
  const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(status.status), detail };
  if (status.scimType) body.scimType = status.scimType;
  return jsonResponse(status.status, body, headers);
}

function domainHeaders(error: DomainError): Record<string, string> {
  switch (error.code) {
    case 'unauthenticated':
      return { 'WWW-Authenticate': BEARER_CHALLENGE };
    case 'methodNotAllowed':
      return { Allow: (error.allow ?? []).join(', ') };
    case 'busy':
    case 'unavailable':
    case 'throttled':
      return { 'Retry-After': String(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) };
    default:
      return {};
  }
}

/** Whether `error` is one the client caused or can act on (rendered with its own status). */
export function isExpectedError(error: unknown): boolean {
  return isDomainError(error) || isScimError(error);
}

/** The SCIM error response for `error`; a generic 500 for anything that is not a known error. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (isDomainError(error)) return render(BY_CODE[error.code], error.message, domainHeaders(error));
  if (isScimError(error)) {
    const status: ErrorStatus = {
      status: error.status,
      ...(error.scimType ? { scimType: error.scimType } : {}),
    };
    return render(status, error.detail, {});
  }
  return internalErrorResponse();
}

/**
 * The deployed 401 for a missing or unknown token: the authorizer's "Unauthorized" as the
 * UNAUTHORIZED gateway response renders it (SCIM JSON, the challenge not renamed). The local
 * server's gate (local/tenant-gate.ts) answers with it where the deployed authorizer would.
 */
export function gatewayUnauthorizedResponse(): APIGatewayProxyResult {
  return render({ status: 401 }, 'Unauthorized', { 'WWW-Authenticate': BEARER_CHALLENGE });
}

export function internalErrorResponse(): APIGatewayProxyResult {
  return render({ status: 500 }, 'Internal server error', {});
}

/**
 * Faults an HTTP front end finds before there is a request to route: header block too large,
 * a request line or header it cannot parse (control characters, a malformed chunked body), a
 * method token no server knows, a request that never finished arriving.
 */
export type ClientErrorKind = 'headersTooLarge' | 'malformed' | 'unknownMethod' | 'timeout';

const BY_CLIENT_ERROR: Readonly<Record<ClientErrorKind, { status: ErrorStatus; detail: string }>> = {
  headersTooLarge: { status: { status: 431 }, detail: 'Request header fields too large' },
  malformed: { status: { status: 400, scimType: 'invalidSyntax' }, detail: 'Malformed HTTP request' },
  unknownMethod: { status: { status: 501 }, detail: 'Request method not implemented' },
  timeout: { status: { status: 408 }, detail: 'Request not received in time' },
};

/** The SCIM error response for a fault of the HTTP exchange itself. */
export function clientErrorResponse(kind: ClientErrorKind): APIGatewayProxyResult {
  const { status, detail } = BY_CLIENT_ERROR[kind];
  return render(status, detail, {});
}
