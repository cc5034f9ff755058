/**
 * RFC 9865 cursors. A cursor says where the next page resumes: after a resource id in the
 * listing's stable (time-ordered) order, or at an offset when results are sorted in memory.
 *
 * The cursor is opaque to clients and carries nothing that grants access: the store rebuilds
 * DynamoDB keys from the caller's tenant and the id. It is tamper-evident and bound to the
 * tenant and the query: an HMAC over tenant, query hash and payload, keyed by the deployment's
 * cursor key, must match, so an edited cursor, one issued for another filter or sort, or one
 * replayed by another tenant is a 400 invalidCursor rather than a page of some other result.
 * Cursors expire after CURSOR_TIMEOUT_SECONDS, advertised in /ServiceProviderConfig.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/** Who a cursor is for and the key that signs it (see cursorBinding in list-pages.ts). */
export interface CursorBinding {
  readonly tenant: string;
  readonly key: string;
  /** Keys that signed earlier cursors (a rotated-out key): still accepted, never used to sign. */
  readonly previousKeys?: readonly string[];
}

const UNBOUND: CursorBinding = { tenant: '', key: '' };

function signature(binding: CursorBinding, body: string): string {
  return createHmac('sha256', binding.key)
    .update(`${binding.tenant}\n${body}`)
    .digest('base64url')
    .slice(0, 22);
}

export function encodeCursor(
  hash: string,
  position: CursorPosition,
  now: Date = new Date(),
  binding: CursorBinding = UNBOUND,
): string {
  const payload: CursorPayload = {
    v: CURSOR_VERSION,
    q: hash,
    t: Math.floor(now.getTime() / 1000),
    ...('afterId' in position ? { a: position.afterId } : { o: position.offset }),
  };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${signature(binding, body)}`;
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
  binding: CursorBinding = UNBOUND,
  maxAgeSeconds: number = CURSOR_TIMEOUT_SECONDS,
): CursorPosition | undefined {
  if (cursor === '') return undefined;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (cursor.length > MAX_CURSOR_LENGTH || !match) {
    throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  }
  const body = match[1] as string;
  const given = Buffer.from(match[2] as string);
  const signedBy = (key: string): boolean => {
    const expected = Buffer.from(signature({ tenant: binding.tenant, key }, body));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  if (![binding.key, ...(binding.previousKeys ?? [])].some(signedBy)) {
    throw badRequest('invalidCursor', 'cursor is not a value this server issued for this tenant');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  }
  if (!isPayload(payload)) throw badRequest('invalidCursor', 'cursor is not a value this server issued');
  if (payload.q !== expectedHash) {
    throw badRequest('invalidCursor', 'cursor belongs to a different filter or sort order');
  }
  if (now.getTime() / 1000 - payload.t > maxAgeSeconds) {
    throw badRequest('expiredCursor', `cursor is older than ${maxAgeSeconds} seconds`);
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
