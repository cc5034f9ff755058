/**
 * DynamoDB failures → DomainErrors, each translated exactly once. translateDynamoError runs in a
 * middleware on the store's client (client.ts), so every call of every store module is covered:
 * throttling, timeouts and outages become 'unavailable' (retry after 2 s), a lost transaction
 * race 'versionConflict', an item over 400 KB 'invalidValue'.
 *
 * A failed condition is the one failure the client cannot name: only the write knows what its
 * items mean (the resource's version, a uniqueness guard…), and the SDK reports a cancelled
 * transaction as one exception whose per-item CancellationReasons say WHICH condition failed.
 * So the middleware leaves failed conditions alone and the write decodes them with its items'
 * roles (translateConditionFailure). Anything unrecognised is rethrown untouched: a fault of
 * ours, not of the request.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DomainError, isDomainError } from '../domain/errors';

/** What a failed condition on one transaction item means. */
export type ItemRole =
  /** The resource item's version condition: a lost race (retryable) or a deleted resource. */
  | { readonly kind: 'version' }
  /** A uniqueness guard that must not exist yet. */
  | { readonly kind: 'unique'; readonly detail: string }
  /** A guard or item whose condition protects bookkeeping only: treat as a lost race. */
  | { readonly kind: 'other' };

const VERSION_ROLE: ItemRole = { kind: 'version' };
const OTHER_ROLE: ItemRole = { kind: 'other' };

/** How long a client should wait before retrying a throttled or unreachable store. */
const STORE_RETRY_AFTER_SECONDS = 2;

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
 * request was fine, so the client should retry later, not be told we broke. Names are the
 * SDK's (TimeoutError from the request handler's timeouts) and DynamoDB's server-side errors;
 * codes are Node's socket errors.
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

const ITEM_TOO_LARGE = /item size|exceeds.*size|size.*exceed/i;

interface CancellationReason {
  readonly Code?: string;
  readonly Message?: string;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return UNAVAILABLE_NAMES.has(error.name) || (typeof code === 'string' && UNAVAILABLE_CODES.has(code));
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

/**
 * A number or string attribute of the item a failed condition found, when the write asked for
 * it (ReturnValuesOnConditionCheckFailure ALL_OLD): of a cancelled transaction's action `index`,
 * or of a single write (`index` omitted). The SDK leaves it raw ({ N: "3" }); DynamoDB Local
 * sometimes plain.
 */
export function attributeOfFailedItem(
  error: unknown,
  attribute: string,
  index?: number,
): number | string | undefined {
  let item: unknown;
  if (index === undefined) {
    if (!isConditionalCheckFailed(error)) return undefined;
    item = (error as { Item?: unknown }).Item;
  } else {
    if (errorName(error) !== 'TransactionCanceledException') return undefined;
    item = (error as { CancellationReasons?: { Item?: unknown }[] }).CancellationReasons?.[index]?.Item;
  }
  if (typeof item !== 'object' || item === null) return undefined;
  const value = (item as Record<string, unknown>)[attribute];
  if (typeof value === 'number' || typeof value === 'string') return value;
  const raw = value as { N?: unknown; S?: unknown } | undefined;
  if (typeof raw?.N === 'string') return Number(raw.N);
  return typeof raw?.S === 'string' ? raw.S : undefined;
}

/** A failed condition (of a single write or of a transaction item): the write's to decode. */
function isConditionFailure(error: unknown): boolean {
  return (
    isConditionalCheckFailed(error) ||
    (cancellationReasons(error)?.includes('ConditionalCheckFailed') ?? false)
  );
}

/**
 * The one translation of a DynamoDB failure: returns the DomainError it means, or `error`
 * itself when it is a failed condition (see translateConditionFailure), already translated,
 * or unknown (a 500).
 */
export function translateDynamoError(error: unknown): unknown {
  if (isDomainError(error) || isConditionFailure(error)) return error;
  const reasons = cancellationReasons(error);
  const name = errorName(error);
  if (reasons?.includes('TransactionConflict') || name === 'TransactionConflictException') {
    return lostRace(error);
  }
  if (
    reasons ? reasons.some((code) => code !== undefined && THROTTLING.has(code)) : THROTTLING.has(name ?? '')
  ) {
    return unavailable('The directory is busy; retry after the indicated time', error);
  }
  if (!reasons && isUnavailable(error)) {
    return unavailable(
      'The directory store is temporarily unavailable; retry after the indicated time',
      error,
    );
  }
  if (
    reasons
      ? reasons.includes('ValidationError')
      : name === 'ValidationException' && ITEM_TOO_LARGE.test((error as Error).message)
  ) {
    // DynamoDB keeps at most 400 KB per item; the request body limit (1 MB) is larger.
    return new DomainError('invalidValue', 'The resource is too large to store (more than 400 KB)', {
      cause: error,
    });
  }
  return error;
}

/**
 * Decodes a failed conditional write whose items have the given roles (one per transaction
 * item, in order; a single write has one). Any other error reaches here translated already and
 * is rethrown. Always throws.
 */
export function translateConditionFailure(
  error: unknown,
  roles: readonly ItemRole[] = [VERSION_ROLE],
): never {
  if (isConditionalCheckFailed(error)) throw roleError(roles[0] ?? VERSION_ROLE, error);
  const reasons = cancellationReasons(error);
  const failed = (reasons ?? []).flatMap((code, i) =>
    code === 'ConditionalCheckFailed' ? [roles[i] ?? OTHER_ROLE] : [],
  );
  // A uniqueness failure is the client's to fix, so it wins over any lost race reported beside it.
  const role = failed.find((r) => r.kind === 'unique') ?? failed[0];
  if (role) throw roleError(role, error);
  throw error;
}

/**
 * The version conflict of a lost optimistic-concurrency race: services re-read and retry on it;
 * when it escapes, the client may simply retry.
 */
export function lostRace(cause?: unknown): DomainError {
  return new DomainError('versionConflict', 'The resource was modified concurrently; retry the request', {
    cause,
  });
}

function roleError(role: ItemRole, cause: unknown): DomainError {
  if (role.kind === 'unique') return new DomainError('uniqueness', role.detail, { cause });
  return lostRace(cause);
}

export function unavailable(
  detail: string,
  cause?: unknown,
  retryAfterSeconds: number = STORE_RETRY_AFTER_SECONDS,
): DomainError {
  return new DomainError('unavailable', detail, { retryAfterSeconds, cause });
}

const MIDDLEWARE_NAME = 'scimStoreErrorTranslation';

/**
 * Adds the translation to a client's stack, in the initialize step: outside the SDK's retries
 * (which must see DynamoDB's own errors) and, added before the cost meter, outside it too (the
 * meter reads the attempts of the raw error). Idempotent.
 */
export function attachErrorTranslation(client: DynamoDBClient): void {
  const stack = client.middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(MIDDLEWARE_NAME))) return;
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw translateDynamoError(error);
      }
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, priority: 'high' },
  );
}
