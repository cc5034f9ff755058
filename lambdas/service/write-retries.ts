/**
 * Read-modify-write under optimistic concurrency, shared by Users and Groups.
 *
 * Every write is conditional on the version read. Without a precondition, a lost race is simply
 * re-run (two PATCHes of different attributes both land); after a few attempts the client gets
 * a 409 it may retry. With `If-Match` (RFC 7644 §3.14) the client has said which version it
 * means: a mismatch, or a race lost after the check, is a 412 — never a silent retry that would
 * overwrite a change the client has not seen. The check is made atomic by the conditional write
 * itself: the version compared is the version the write is conditioned on.
 */
import { preconditionFailed } from '../scim/errors';
import { etagOf } from '../scim/meta';
import { VersionConflictError } from '../store/errors';

/** Parsed If-Match: a version, '*' (any existing version), null (a value naming no version). */
export type IfMatch = number | '*' | null | undefined;

export const WRITE_ATTEMPTS = 6;

export async function writeWithRetries<T>(ifMatch: IfMatch, attempt: () => Promise<T>): Promise<T> {
  const conditional = ifMatch !== undefined && ifMatch !== '*';
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
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
