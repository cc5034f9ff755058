/**
 * The provisioning-activity read endpoints (docs/ACTIVITY.md): query parameters → an activity
 * store page or hourly summary → the response body. Cursors are the signed, tenant-bound,
 * expiring cursors of scim/cursor.ts; the time range travels inside them, so every page of one
 * listing reads the same range. Bad parameters are 'invalidValue' (400), never a read.
 */
import { DomainError } from '../domain/errors';
import { decodeCursor, encodeCursor, queryHash } from '../scim/cursor';
import { DAY_MS, HOUR_MS } from '../scim/date-time';
import type { JsonObject } from '../scim/schema/json';
import {
  type ActivityPosition,
  type ActivityQuery,
  type ActivityRecord,
  countActivity,
  DEFAULT_ACTIVITY_RETENTION_DAYS,
  isActivityPosition,
  readActivityPage,
} from '../store/activity-store';
import type { StoreContext } from '../store/context';
import { type CursorKeys, cursorBindingFrom } from './list-pages';

export interface ActivityContext extends StoreContext {
  readonly cursorKeys?: CursorKeys;
  /** How long records are kept (ACTIVITY_RETENTION_DAYS); default DEFAULT_ACTIVITY_RETENTION_DAYS. */
  readonly retentionDays?: number;
}

type Params = Readonly<Record<string, string>>;

const MINUTE_MS = 60_000;
/** DynamoDB's TTL deletes expired items within a few days of their expiry. */
const TTL_LAG_DAYS = 2;
const COUNT = { min: 1, max: 200, default: 50 } as const;
const HOURS = { min: 1, max: 168, default: 24 } as const;
const MAX_RESOURCE_ID = 256;

/** GET /Activity: one page of records, newest first, with a cursor while there is more. */
export async function activityPage(
  context: ActivityContext,
  params: Params,
  now = new Date(),
): Promise<JsonObject> {
  const count = integer(params.count, 'count', COUNT);
  const status = parseStatus(params.status);
  const resourceId = parseResourceId(params.resourceId);
  const hash = queryHash({
    resourceType: 'Activity',
    filter: JSON.stringify([params.status ?? '', resourceId ?? '']),
  });
  const binding = await cursorBindingFrom(context.tenant, context.tableName, context.cursorKeys);
  let range: { since: Date; until: Date };
  let position: ActivityPosition | undefined;
  const cursor = params.cursor === undefined ? undefined : decodeCursor(params.cursor, hash, now, binding);
  if (cursor && 'afterId' in cursor) {
    ({ range, position } = readPosition(cursor.afterId));
  } else {
    // A retention below the default (or 0, recording off) may have been lowered: records written
    // before keep their TTL, so the bound is never below the default's.
    range = parseRange(params, now, Math.max(context.retentionDays ?? 0, DEFAULT_ACTIVITY_RETENTION_DAYS));
  }
  // A range that starts after now holds nothing (and DynamoDB refuses an inverted BETWEEN).
  if (range.since.getTime() > range.until.getTime()) return { records: [] };
  const query: ActivityQuery = {
    tenant: context.tenant,
    ...range,
    limit: count,
    ...(status ? { status } : {}),
    ...(resourceId ? { resourceId } : {}),
  };
  const page = await readActivityPage(context.db, context.tableName, query, position);
  return {
    records: page.records.map(present),
    ...(page.next
      ? { cursor: encodeCursor(hash, { afterId: writePosition(range, page.next) }, now, binding) }
      : {}),
  };
}

/** GET /Activity/Summary: per-hour counts for the last `hours` hours, oldest hour first. */
export async function activitySummary(
  context: StoreContext,
  params: Params,
  now = new Date(),
): Promise<JsonObject> {
  const hours = integer(params.hours, 'hours', HOURS);
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
  const counts = await countActivity(context.db, context.tableName, context.tenant, new Date(first), now);
  const buckets = Array.from({ length: hours }, (_, i) => {
    const hour = first + i * HOUR_MS;
    const bucket = counts.hours.get(hour) ?? { answered: 0, rejected: 0 };
    return { hour: new Date(hour).toISOString(), ...bucket };
  });
  return {
    hours: buckets,
    answered: buckets.reduce((sum, b) => sum + b.answered, 0),
    rejected: buckets.reduce((sum, b) => sum + b.rejected, 0),
    ...(counts.lastChange ? { lastChange: counts.lastChange } : {}),
    ...(counts.countedFrom ? { partial: true, countedFrom: counts.countedFrom } : {}),
  };
}

function present(record: ActivityRecord): JsonObject {
  const { tenant: _tenant, changedAttributes, ...rest } = record;
  return { ...rest, changedAttributes: [...changedAttributes] };
}

function integer(
  value: string | undefined,
  name: string,
  bounds: { min: number; max: number; default: number },
): number {
  if (value === undefined || value === '') return bounds.default;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < bounds.min || n > bounds.max) {
    throw new DomainError(
      'invalidValue',
      `${name} must be a whole number from ${bounds.min} to ${bounds.max}`,
    );
  }
  return n;
}

function parseStatus(value: string | undefined): ActivityQuery['status'] {
  if (value === undefined || value === '') return undefined;
  const klass = /^([1-5])xx$/i.exec(value);
  if (klass) return { class: Number(klass[1]) };
  if (/^[1-5]\d\d$/.test(value)) return { exact: Number(value) };
  throw new DomainError(
    'invalidValue',
    'status must be a class (2xx, 4xx, 5xx) or a status code such as 404',
  );
}

function parseResourceId(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_RESOURCE_ID) {
    throw new DomainError('invalidValue', `resourceId is longer than ${MAX_RESOURCE_ID} characters`);
  }
  return value;
}

/**
 * The range asked for, within the days records can exist: none are written after now (a minute
 * of clock skew allowed), and none outlive the retention (TTL deletes them a few days late), so a
 * range longer than that before its end holds nothing more. A page walks one day per Query: an
 * unbounded range (`until=2100-01-01`, `since=1970-01-01`) would hand out cursors through
 * decades of empty days. Records written under a longer retention than today's (lowered since)
 * past that bound are not listed, though they stay until their TTL (docs/ACTIVITY.md).
 */
function parseRange(params: Params, now: Date, retentionDays: number): { since: Date; until: Date } {
  const asked = params.until ? time(params.until, 'until') : now;
  const until = new Date(Math.min(asked.getTime(), now.getTime() + MINUTE_MS));
  const since = params.since ? time(params.since, 'since') : new Date(until.getTime() - DAY_MS);
  if (since.getTime() > asked.getTime())
    throw new DomainError('invalidValue', 'since must not be after until');
  const earliest = until.getTime() - (retentionDays + TTL_LAG_DAYS) * DAY_MS;
  return { since: new Date(Math.max(since.getTime(), earliest)), until };
}

function time(value: string, name: string): Date {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new DomainError('invalidValue', `${name} must be an ISO 8601 time such as 2026-12-04T15:00:00Z`);
  }
  return new Date(ms);
}

/** The cursor's payload: range and position, `since|until|day|afterKey` (times in ms). */
function writePosition(range: { since: Date; until: Date }, position: ActivityPosition): string {
  return [range.since.getTime(), range.until.getTime(), position.day ?? '', position.afterKey ?? ''].join(
    '|',
  );
}

function readPosition(text: string): { range: { since: Date; until: Date }; position: ActivityPosition } {
  const [since, until, day, afterKey, ...extra] = text.split('|');
  const position: ActivityPosition = { ...(day ? { day } : {}), ...(afterKey ? { afterKey } : {}) };
  const range = { since: new Date(Number(since)), until: new Date(Number(until)) };
  if (
    extra.length > 0 ||
    Number.isNaN(range.since.getTime()) ||
    Number.isNaN(range.until.getTime()) ||
    !isActivityPosition(position)
  ) {
    // Signed by this server, so only a change of format gets here.
    throw new DomainError('invalidValue', 'cursor is not a value this server issued');
  }
  return { range, position };
}
