/**
 * DynamoDB failures → what the SCIM layer must say about them. Shared by every store module so a
 * failed condition, a lost race or a throttle is reported the same way for Users and Groups.
 *
 * Why a module of its own: the AWS SDK reports a failed transaction as one
 * TransactionCanceledException with a per-item `CancellationReasons` list, and only the index
 * of the failed item says WHICH condition failed (the resource's version, a uniqueness guard…).
 * Callers name each transaction item's meaning; this module reads the reasons against them.
 *
 * Errors the client can act on become ScimErrors (rendered by the HTTP layer); capacity,
 * throttling, timeouts and DynamoDB/network outages become 503 with Retry-After; anything
 * else is rethrown untouched and ends as a generic 500, because it is a fault of ours, not of
 * the request.
 */
import { conflict, ScimError, serviceUnavailable } from '../scim/errors';

/**
 * The resource changed (or vanished) between our read and our conditional write. Services
 * retry their read-modify-write on it; when it escapes it is a 409 (RFC 7644 §3.12 gives no
 * scimType for a lost race, and the client may simply retry).
 */
export class VersionConflictError extends ScimError {
  constructor(detail = 'The resource was modified concurrently; retry the request') {
    super(409, detail);
    this.name = 'VersionConflictError';
  }
}

/** What a failed condition on one transaction item means. */
export type ItemRole =
  /** The resource item's version condition: a lost race (retryable) or a deleted resource. */
  | { readonly kind: 'version' }
  /** A uniqueness guard that must not exist yet: 409 uniqueness. */
  | { readonly kind: 'unique'; readonly detail: string }
  /** A guard or item whose condition protects bookkeeping only: treat as a lost race. */
  | { readonly kind: 'other' };

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  // The per-item codes of a cancelled transaction's CancellationReasons.
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/**
 * Failures of DynamoDB itself or of the way to it, left after the SDK's own retries: the
 * request was fine, so the client should retry later (503), not be told we broke (500).
 * Names are the SDK's (TimeoutError from the request handler's timeouts) and DynamoDB's
 * server-side errors; codes are Node's socket errors.
 */
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return UNAVAILABLE_NAMES.has(error.name) || (typeof code === 'string' && UNAVAILABLE_CODES.has(code));
}

interface CancellationReason {
  readonly Code?: string;
  readonly Message?: string;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** Per-item reason codes of a cancelled transaction, or undefined for any other error. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  if (reasons) return reasons.map((r) => r.Code);
  // Some SDK/Local versions only put the codes in the message: "… [ConditionalCheckFailed, None]".
  const match = /\[([^\]]*)\]/.exec((error as Error).message);
  return match?.[1]?.split(',').map((code) => code.trim() || undefined);
}

const ITEM_TOO_LARGE = /item size|exceeds.*size|size.*exceed/i;

/**
 * Translates a failed single write (Put/Update/Delete with a condition on the version) or a
 * failed transaction whose items have the given roles. Always throws.
 */
export function translateWriteError(
  error: unknown,
  roles: readonly ItemRole[] = [{ kind: 'version' }],
): never {
  if (isConditionalCheckFailed(error)) {
    throw roleError(roles[0] ?? { kind: 'version' });
  }
  const reasons = cancellationReasons(error);
  if (reasons) {
    // A uniqueness failure is the client's to fix, so it wins over any lost race reported beside it.
    reasons.forEach((code, i) => {
      const role = roles[i];
      if (code === 'ConditionalCheckFailed' && role?.kind === 'unique') throw conflict(role.detail);
    });
    reasons.forEach((code, i) => {
      if (code === 'ConditionalCheckFailed') throw roleError(roles[i] ?? { kind: 'other' });
    });
    if (reasons.some((code) => code === 'TransactionConflict')) throw new VersionConflictError();
    if (reasons.some((code) => code !== undefined && THROTTLING.has(code))) throw throttled();
    if (reasons.some((code) => code === 'ValidationError')) throw tooLarge();
    throw error;
  }
  throw translateCommonError(error);
}

/** Read-side and generic failures: throttling → 503, oversized items → 400, else unchanged. */
export function translateCommonError(error: unknown): unknown {
  const name = errorName(error);
  if (name !== undefined && THROTTLING.has(name)) return throttled();
  if (isUnavailable(error)) return unavailable();
  if (name === 'TransactionConflictException') return new VersionConflictError();
  if (name === 'ValidationException' && ITEM_TOO_LARGE.test((error as Error).message)) return tooLarge();
  return error;
}

function roleError(role: ItemRole): ScimError {
  if (role.kind === 'unique') return conflict(role.detail);
  return new VersionConflictError();
}

function throttled(): ScimError {
  return serviceUnavailable('The directory is busy; retry after the indicated time', 2);
}

function unavailable(): ScimError {
  return serviceUnavailable(
    'The directory store is temporarily unavailable; retry after the indicated time',
    2,
  );
}

function tooLarge(): ScimError {
  // DynamoDB keeps at most 400 KB per item; the request body limit (1 MB) is larger.
  return new ScimError(400, 'The resource is too large to store (more than 400 KB)', 'invalidValue');
}

/** Runs a read and translates its failure. */
export async function guardRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw translateCommonError(error);
  }
}
