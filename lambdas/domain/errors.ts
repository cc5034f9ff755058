/**
 * Domain errors: what went wrong, in the service's own terms, with no HTTP status. The store,
 * auth, the resource services and the events consumer raise them; exactly one module
 * (lambdas/http/error-response.ts) maps them, and the SCIM protocol errors of scim/errors.ts,
 * to SCIM error responses. docs/ARCHITECTURE.md lists the mapping.
 */

export type DomainErrorCode =
  /** No resource (or route) by that name in this tenant. */
  | 'notFound'
  /** The route exists but not with this method; `allow` lists the methods it has. */
  | 'methodNotAllowed'
  /** No valid credential. */
  | 'unauthenticated'
  /** A valid credential without the scope the operation needs. */
  | 'forbidden'
  /** If-Match names a version other than the current one (or the race after the check was lost). */
  | 'preconditionFailed'
  /** An optimistic-concurrency race was lost; the operation may simply be run again. */
  | 'versionConflict'
  /** A value that must be unique in the tenant is taken. */
  | 'uniqueness'
  /** Members name resources that do not exist or cannot be members. */
  | 'unknownMember'
  /** A value the operation cannot accept (missing, too long, wrong type, too large to store). */
  | 'invalidValue'
  /** A request body or parameter that cannot be read. */
  | 'invalidSyntax'
  /** More results or more work than one request may cause. */
  | 'tooMany'
  /** The request body is larger than the limit. */
  | 'payloadTooLarge'
  /** The request body's media type is not JSON. */
  | 'unsupportedMediaType'
  /** Other requests keep changing the same resource; retry after `retryAfterSeconds`. */
  | 'busy'
  /** A dependency (DynamoDB, Secrets Manager) is throttled or unreachable; retry later. */
  | 'unavailable'
  /** The caller (a tenant, or callers without a valid token) is over its request rate; retry after `retryAfterSeconds`. */
  | 'throttled'
  /** An operation the protocol defines that this service does not offer (/Me, /Bulk). */
  | 'notImplemented';

export interface DomainErrorOptions {
  /** For 'busy', 'unavailable' and 'throttled': when a retry makes sense. */
  readonly retryAfterSeconds?: number;
  /** For 'methodNotAllowed': the methods the route has. */
  readonly allow?: readonly string[];
  readonly cause?: unknown;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly allow: readonly string[] | undefined;

  /** `detail` is safe to show the caller: it names the fault, never secrets or internals. */
  constructor(code: DomainErrorCode, detail: string, options: DomainErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.allow = options.allow;
  }
}

export function isDomainError(value: unknown, code?: DomainErrorCode): value is DomainError {
  return value instanceof DomainError && (code === undefined || value.code === code);
}
