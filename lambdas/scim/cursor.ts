/**
 * RFC 9865 cursors. A cursor says where the next page resumes: after a resource id in the
 * listing's stable (time-ordered) order, or at an offset when results are sorted in memory.
 *
 * The cursor is opaque to clients but not secret, so it carries nothing that grants access: the
 * store rebuilds DynamoDB keys from the caller's tenant and the id, and an edited cursor can at
 * most move within the caller's own listing. It is bound to the query that issued it (a hash of
 * filter and sort), so reusing it with another filter is rejected instead of returning a page of
 * a different result set. Cursors expire after CURSOR_TIMEOUT_SECONDS, advertised in
 * /ServiceProviderConfig.
 */
import { createHash } from 'node:crypto';
import { badRequest } from './errors';

export const CURSOR_TIMEOUT_SECONDS = 3600;
const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 1024;

export type CursorPosition = { readonly afterId: string } | { readonly offset: number };

interface CursorPayload {
  v: number;
  q: string;
  t: number;
  a?: string;
  o?: number;
}

/** Hash of everything that defines a result set; paging state is only valid within one. */
export function queryHash(parts: {
  resourceType: string;
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
}): string {
  const canonical = JSON.stringify([
    parts.resourceType,
    parts.filter ?? '',
    parts.sortBy?.toLowerCase() ?? '',
    parts.sortOrder ?? '',
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

export function encodeCursor(hash: string, position: CursorPosition, now: Date = new Date()): string {
  const payload: CursorPayload = {
    v: CURSOR_VERSION,
    q: hash,
    t: Math.floor(now.getTime() / 1000),
    ...('afterId' in position ? { a: position.afterId } : { o: position.offset }),
  };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * Reads a cursor a client sent back. An empty cursor asks for the first page (RFC 9865 §2:
 * `cursor` with no value). Anything unreadable, issued for another query, or too old is a
 * 400 with the RFC's scimType, never a silent restart from the first page.
 */
export function decodeCursor(
  cursor: string,
  expectedHash: string,
  now: Date = new Date(),
): CursorPosition | undefined {
  if (cursor === '') return undefined;
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  }
  if (!isPayload(payload)) throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  if (payload.q !== expectedHash) {
    throw badRequest('invalidCursor', 'cursor belongs to a different filter or sort order');
  }
  if (now.getTime() / 1000 - payload.t > CURSOR_TIMEOUT_SECONDS) {
    throw badRequest('expiredCursor', `cursor is older than ${CURSOR_TIMEOUT_SECONDS} seconds`);
  }
  return payload.a !== undefined ? { afterId: payload.a } : { offset: payload.o as number };
}

function isPayload(value: unknown): value is CursorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  if (p.v !== CURSOR_VERSION || typeof p.q !== 'string' || typeof p.t !== 'number') return false;
  const hasAfter = typeof p.a === 'string' && p.a.length > 0 && p.a.length <= 256;
  const hasOffset = typeof p.o === 'number' && Number.isSafeInteger(p.o) && p.o >= 1;
  return hasAfter !== hasOffset;
}
