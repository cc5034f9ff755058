/**
 * Read-modify-write under optimistic concurrency, shared by Users and Groups, on the one retry
 * loop (lambdas/retry.ts) with two named policies.
 *
 * VERSION_RACE: every write is conditional on the version read. Without a precondition a lost
 * race is re-run (two PATCHes of different attributes both land); after WRITE_ATTEMPTS it is
 * 'busy' with Retry-After (the client's retry will most likely succeed). With `If-Match`
 * (RFC 7644 §3.14) a lost race is preconditionFailed at once — never a silent retry over a
 * change the client has not seen. The conditional write itself makes the If-Match check atomic.
 *
 * BUSY_GROUP: a membership transaction's only race is a TransactionConflict with another
 * transaction on the group item, which says nothing about versions (its If-Match is the
 * transaction's own condition, re-evaluated each time), so it is re-run even under If-Match;
 * if the group stays busy, 'busy' with Retry-After.
 */
import { DomainError, isDomainError } from '../domain/errors';
import { type RetryPolicy, retry } from '../retry';
import { type EntityTagCondition, etagOf } from '../scim/meta';

/** Parsed If-Match: '*' (any existing version), the versions it names (scim/meta.ts), or absent. */
export type IfMatch = EntityTagCondition;

const WRITE_ATTEMPTS = 6;
/** Attempts of one membership transaction that keeps meeting concurrent transactions. */
const BUSY_ATTEMPTS = 10;

const VERSION_RACE: RetryPolicy = { attempts: WRITE_ATTEMPTS, baseMs: 10, capMs: 1000 };
const BUSY_GROUP: RetryPolicy = { attempts: BUSY_ATTEMPTS, baseMs: 20, capMs: 1000 };

/** A lost optimistic-concurrency race (the store's versionConflict). */
const isVersionConflict = (error: unknown): boolean => isDomainError(error, 'versionConflict');

/** Whether If-Match names versions (anything but absent or '*'). */
export const namesVersion = (ifMatch: IfMatch): ifMatch is readonly number[] => Array.isArray(ifMatch);

export function writeWithRetries<T>(ifMatch: IfMatch, attempt: () => Promise<T>): Promise<T> {
  const conditional = namesVersion(ifMatch);
  return retry(VERSION_RACE, attempt, { retryIf: (error) => !conditional && isVersionConflict(error) }).catch(
    (error: unknown) => {
      if (!isVersionConflict(error)) throw error;
      if (conditional) {
        throw new DomainError(
          'preconditionFailed',
          'The resource changed after If-Match was checked; read it again',
          { cause: error },
        );
      }
      // Every attempt lost to other writers: the client's retry will most likely succeed.
      throw new DomainError(
        'busy',
        'The resource is being changed by other requests; retry after the indicated time',
        {
          retryAfterSeconds: 1,
          cause: error,
        },
      );
    },
  );
}

/** preconditionFailed unless the current version satisfies If-Match. */
export function checkIfMatch(ifMatch: IfMatch, currentVersion: number): void {
  if (!namesVersion(ifMatch)) return;
  if (!ifMatch.includes(currentVersion)) {
    throw new DomainError(
      'preconditionFailed',
      `If-Match does not match the current version ${etagOf(currentVersion)}`,
    );
  }
}

/**
 * Runs `attempt` again while it loses to concurrent transactions on the group, with the
 * BUSY_GROUP backoff (capped exponential, full jitter); then 'busy' with Retry-After: 1.
 */
export function retryWhileBusy<T>(attempt: () => Promise<T>, attempts = BUSY_ATTEMPTS): Promise<T> {
  return retry({ ...BUSY_GROUP, attempts }, attempt, { retryIf: isVersionConflict }).catch(
    (error: unknown) => {
      if (!isVersionConflict(error)) throw error;
      throw new DomainError(
        'busy',
        'The group is being changed by other requests; retry after the indicated time',
        { retryAfterSeconds: 1, cause: error },
      );
    },
  );
}
