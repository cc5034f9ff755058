/**
 * One page of the change feed (GET /Events, docs/CONSUMING.md): parameters, the signed cursor
 * (the list cursors' HMAC, valid as long as the feed's retention), one Query, and the rule that
 * makes a follower gap-free even against a read that overlaps a commit: positions are dense, so
 * a hole followed by a recent entry means a write still landing — the page stops before it.
 * Each SET served gets its `iss` (RFC 8417 §2.2) here: the SCIM base URL it is read under.
 */
import { DomainError } from '../domain/errors';
import { clipped } from '../scim/clip';
import { decodeCursor, encodeCursor, queryHash } from '../scim/cursor';
import type { JsonObject } from '../scim/schema/json';
import { KNOWN_EVENT_URIS } from '../scim/set-events';
import type { StoreContext } from '../store/context';
import { type FeedEntry, readFeed, readFeedHead } from '../store/feed-store';
import { type CursorKeys, cursorBindingFrom } from './list-pages';

const DEFAULT_FEED_COUNT = 100;
const MAX_FEED_COUNT = 1000;
/** A hole younger than this is a commit in flight, older ones are expired entries. */
const IN_FLIGHT_MS = 30_000;
const DAY_SECONDS = 86_400;
const FEED_CURSOR_HASH = queryHash({ resourceType: 'Events' });

export interface FeedContext {
  readonly store: StoreContext;
  /** The SETs' `iss`: the SCIM base URL the feed is served under, which `sub_id.uri` is relative to. */
  readonly issuer: string;
  readonly retentionDays: number;
  readonly cursorKeys?: CursorKeys;
}

export interface FeedQuery {
  readonly cursor?: string;
  readonly startNow: boolean;
  readonly count: number;
  readonly eventTypes?: ReadonlySet<string>;
  readonly resourceType?: 'User' | 'Group';
}

export interface FeedPage {
  readonly events: JsonObject[];
  readonly cursor: string;
  readonly more: boolean;
}

export function parseFeedQuery(query: Readonly<Record<string, string>>): FeedQuery {
  const { cursor, start, count, eventType, resourceType } = query;
  if (start !== undefined && start !== 'now')
    throw new DomainError('invalidValue', 'start takes the value "now"');
  if (start !== undefined && cursor !== undefined)
    throw new DomainError('invalidValue', 'Give either start=now or cursor, not both');
  let size = DEFAULT_FEED_COUNT;
  if (count !== undefined) {
    size = /^\d{1,4}$/.test(count) ? Number(count) : Number.NaN;
    if (!(size >= 1 && size <= MAX_FEED_COUNT))
      throw new DomainError('invalidValue', `count must be a whole number from 1 to ${MAX_FEED_COUNT}`);
  }
  if (resourceType !== undefined && resourceType !== 'User' && resourceType !== 'Group')
    throw new DomainError('invalidValue', 'resourceType must be User or Group');
  let eventTypes: Set<string> | undefined;
  if (eventType !== undefined) {
    eventTypes = new Set(eventType.split(',').map((uri) => uri.trim()));
    for (const uri of eventTypes) {
      if (!KNOWN_EVENT_URIS.has(uri))
        throw new DomainError('invalidValue', `eventType ${clipped(uri)} is not an event this feed emits`);
    }
  }
  return {
    ...(cursor !== undefined ? { cursor } : {}),
    startNow: start === 'now',
    count: size,
    ...(eventTypes ? { eventTypes } : {}),
    ...(resourceType ? { resourceType } : {}),
  };
}

function matches(set: JsonObject, query: FeedQuery): boolean {
  if (query.resourceType) {
    const uri = (set.sub_id as JsonObject | undefined)?.uri;
    const prefix = query.resourceType === 'User' ? '/Users/' : '/Groups/';
    if (typeof uri !== 'string' || !uri.startsWith(prefix)) return false;
  }
  if (query.eventTypes) {
    const events = set.events as JsonObject | undefined;
    const wanted = query.eventTypes;
    if (!events || !Object.keys(events).some((uri) => wanted.has(uri))) return false;
  }
  return true;
}

export async function feedPage(
  ctx: FeedContext,
  query: FeedQuery,
  now: Date = new Date(),
): Promise<FeedPage> {
  const binding = await cursorBindingFrom(ctx.store.tenant, ctx.store.tableName, ctx.cursorKeys);
  const cursorAt = (position: number): string =>
    encodeCursor(FEED_CURSOR_HASH, { afterId: String(position) }, now, binding);
  if (query.startNow) {
    return { events: [], cursor: cursorAt(await readFeedHead(ctx.store)), more: false };
  }
  // A cursor is good while the entries after it are retained; an older one is expiredCursor.
  const maxAge = Math.max(ctx.retentionDays * DAY_SECONDS - IN_FLIGHT_MS / 1000, 1);
  const at = query.cursor ? decodeCursor(query.cursor, FEED_CURSOR_HASH, now, binding, maxAge) : undefined;
  const after = at && 'afterId' in at ? Number(at.afterId) : undefined;
  if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0))
    throw new DomainError('invalidValue', 'cursor is not a value this server issued');
  const read = await readFeed(ctx.store, after, query.count);
  const { kept, last, stopped } = contiguous(read.entries, after, now.getTime());
  return {
    events: kept.filter((set) => matches(set, query)).map((set) => ({ iss: ctx.issuer, ...set })),
    cursor: cursorAt(last),
    more: read.more || stopped,
  };
}

/** The entries up to the first in-flight hole, without expired ones, and the position reached. */
function contiguous(
  entries: readonly FeedEntry[],
  after: number | undefined,
  nowMs: number,
): { kept: JsonObject[]; last: number; stopped: boolean } {
  let last = after ?? Math.max((entries[0]?.position ?? 1) - 1, 0);
  const kept: JsonObject[] = [];
  for (const entry of entries) {
    if (entry.position !== last + 1 && nowMs - entry.written < IN_FLIGHT_MS) {
      return { kept, last, stopped: true };
    }
    last = entry.position;
    // TTL deletes some time after expiry: an expired entry is passed over, not served.
    if (entry.expires * 1000 > nowMs) kept.push(entry.set);
  }
  return { kept, last, stopped: false };
}
