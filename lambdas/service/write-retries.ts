/**
 * Read-modify-write under optimistic concurrency, shared by Users and Groups.
 *
 * Every write is conditional on the version read. Without a precondition, a lost race is simply
 * re-run (two PATCHes of different attributes both land); after a few attempts the client gets
 * a 409 it may retry. With `If-Match` (RFC 7644 §3.14) the client has said which version it
 * means: a mismatch, or a race lost after the check, is a 412 — never a silent retry that would
 * overwrite a change the client has not seen. The check is made atomic by the conditional write
 * itself: the version compared is the version the write is conditioned on.
 *
 * Membership transactions (memberships-store.ts) need a different loop: their only race is a
 * TransactionConflict with another transaction on the same group item, which says nothing about
 * versions (their If-Match is the transaction's own condition, re-evaluated on every attempt).
 * So they are re-run even under If-Match, with capped exponential backoff and full jitter so
 * a burst of parallel PATCHes spreads out; if the group stays busy, 503 with Retry-After.
 */
import { isDomainError } from '../domain/errors';
import { preconditionFailed, serviceUnavailable } from '../scim/errors';
import { etagOf } from '../scim/meta';

/** Parsed If-Match: a version, '*' (any existing version), null (a value naming no version). */
export type IfMatch = number | '*' | null | undefined;

export const WRITE_ATTEMPTS = 6;

export async function writeWithRetries<T>(ifMatch: IfMatch, attempt: () => Promise<T>): Promise<T> {
  const conditional = ifMatch !== undefined && ifMatch !== '*';
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDomainError(error, 'versionConflict')) throw error;
      if (conditional)
        throw preconditionFailed('The resource changed after If-Match was checked; read it again');
      if (i >= WRITE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * 2 ** i)));
    }
  }
}

/** Throws 412 unless the current version satisfies If-Match. */
export function checkIfMatch(ifMatch: IfMatch, currentVersion: number): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  if (ifMatch === null || ifMatch !== currentVersion) {
    throw preconditionFailed(`If-Match does not match the current version ${etagOf(currentVersion)}`);
  }
}

/** Attempts of one membership transaction that keeps meeting concurrent transactions. */
export const BUSY_ATTEMPTS = 10;
const BUSY_BASE_MS = 20;
const BUSY_CAP_MS = 1000;

/**
 * Runs `attempt` again while it fails with a transaction conflict (versionConflict from
 * the store), sleeping a random time in [0, min(cap, base·2^i)) between attempts (full jitter,
 * AWS Architecture Blog "Exponential Backoff And Jitter"). After BUSY_ATTEMPTS: 503 + Retry-After.
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, attempts = BUSY_ATTEMPTS): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDomainError(error, 'versionConflict')) throw error;
      if (i >= attempts) {
        throw serviceUnavailable(
          'The group is being changed by other requests; retry after the indicated time',
          1,
        );
      }
      const ms = Math.random() * Math.min(BUSY_CAP_MS, BUSY_BASE_MS * 2 ** i);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}
