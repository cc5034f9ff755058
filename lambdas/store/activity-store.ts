/**
 * Provisioning activity: one item per mutating SCIM request, so an administrator can answer
 * "did Okta's deactivate arrive, and what did we answer?" without reading logs. Items hold
 * names and outcomes only (never attribute values or tokens) and expire through TTL.
 *
 * Partitions are per tenant and UTC day, sorted by time, so "the last hour" is one Query read
 * newest first; a resource's history is a Query of the sparse lookup index (GSI2). A page is
 * at most ACTIVITY_PAGE_REQUESTS Queries; the hourly summary at most SUMMARY_MAX_ITEMS items
 * (docs/ACTIVITY.md gives the costs).
 */

import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DAY_MS, HOUR_MS } from '../scim/date-time';
import type { CompanionWrite } from './context';
import { isConditionalCheckFailed } from './errors';
import { activityPk, activityResourcePk } from './keys';
import { LOOKUP_INDEX, TTL_ATTRIBUTE } from './table-definition';

export const DEFAULT_ACTIVITY_RETENTION_DAYS = 90;

export interface ActivityRecord {
  readonly tenant: string;
  readonly time: string;
  readonly tokenId: string;
  readonly tokenLabel: string;
  readonly method: string;
  /** Path without query string: ids only, no filter values. */
  readonly path: string;
  readonly operation: string;
  readonly resourceType: string;
  readonly resourceId?: string;
  readonly status: number;
  /** On 4xx/5xx: the SCIM error's scimType and detail (the detail at most 512 characters). */
  readonly scimType?: string;
  readonly detail?: string;
  readonly changedAttributes: readonly string[];
}

/**
 * The attribute of a User or Group item that carries the activity item of the single write
 * that wrote it, for the stream consumer to write (carriedActivityItem, writeCarriedActivity).
 */
export const ACTIVITY_STAMP = 'activityStamp';

/** A new entry key: keeps two records of the same millisecond apart. */
const newEntry = (): string => randomBytes(4).toString('hex');

/** The item of one record; `entry` is its key's suffix (newEntry). */
function activityItem(record: ActivityRecord, retentionDays: number, entry: string): Record<string, unknown> {
  return {
    PK: activityPk(record.tenant, record.time.slice(0, 10)),
    SK: `${record.time}#${entry}`,
    type: 'Activity',
    ...record,
    ...(record.resourceId
      ? { GSI2PK: activityResourcePk(record.tenant, record.resourceId), GSI2SK: record.time }
      : {}),
    [TTL_ATTRIBUTE]: expiryOf(record.time, retentionDays),
  };
}

/** The TTL (epoch seconds) of a record written at `time`. */
const expiryOf = (time: string, retentionDays: number): number =>
  Math.floor(Date.parse(time) / 1000) + retentionDays * 86_400;

/** Writes one record on its own (one PutItem). */
export async function recordActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  record: ActivityRecord,
  retentionDays: number = DEFAULT_ACTIVITY_RETENTION_DAYS,
  entry: string = newEntry(),
): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: activityItem(record, retentionDays, entry) }));
}

/** The activity of one write request: its companion item, then the answer it got. */
export interface RequestActivity extends CompanionWrite {
  /**
   * Makes the log say what the request was answered: nothing more to write when a transaction
   * carried the record and the answer is the one it predicted; otherwise one PutItem (a
   * rejected request, a write that changed nothing, or an answer that differs, overwriting).
   */
  finish(record: ActivityRecord): Promise<void>;
}

/**
 * Starts the activity of a write request. `draft` is its record as the operation answers it
 * when it succeeds, for the resource a transaction writes (a create's id is known only then).
 */
export function requestActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
  draft: (resourceId: string) => ActivityRecord,
  viaStream = false,
): RequestActivity {
  const entry = newEntry();
  let drafted: ActivityRecord | undefined;
  let written: ActivityRecord | undefined;
  return {
    viaStream,
    pending(resourceId) {
      if (written) return undefined;
      drafted ??= draft(resourceId);
      return activityItem(drafted, retentionDays, entry);
    },
    stamp(resourceId) {
      if (written) return undefined;
      drafted ??= draft(resourceId);
      return { ...stampOf(drafted, retentionDays, entry) };
    },
    committed() {
      written = drafted;
    },
    async finish(record) {
      if (written && sameOutcome(written, record)) return;
      // Same key as the carried record, so a differing answer replaces it rather than adds one.
      await recordActivity(
        db,
        tableName,
        written ? { ...record, time: written.time } : record,
        retentionDays,
        entry,
      );
    },
  };
}

/**
 * The activity item a stream record's new image carries that its old image did not: built from
 * the stamp of the single write that made the record and the item's own tenant, id and type. A
 * write that left an older stamp in place (a membership transaction's version bump) carries none.
 */
export function carriedActivityItem(
  oldImage: Readonly<Record<string, unknown>> | undefined,
  newImage: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  const stamp = stampIn(newImage);
  if (!stamp || !newImage) return undefined;
  const old = stampIn(oldImage);
  if (old && old.time === stamp.time && old.entry === stamp.entry) return undefined;
  const { tenant, id, type } = newImage;
  if (typeof tenant !== 'string' || typeof id !== 'string' || (type !== 'User' && type !== 'Group'))
    return undefined;
  const { entry, expires, ...fields } = stamp;
  const record = { tenant, resourceType: type, resourceId: id, ...fields } as ActivityRecord;
  return { ...activityItem(record, 0, entry), [TTL_ATTRIBUTE]: expires };
}

/** What a single write stamps on its item: the record less what the item itself holds. */
interface ActivityStamp extends Omit<ActivityRecord, 'tenant' | 'resourceType' | 'resourceId'> {
  readonly entry: string;
  readonly expires: number;
}

function stampOf(record: ActivityRecord, retentionDays: number, entry: string): ActivityStamp {
  const { tenant: _tenant, resourceType: _type, resourceId: _id, ...fields } = record;
  return { ...fields, entry, expires: expiryOf(record.time, retentionDays) };
}

function stampIn(image: Readonly<Record<string, unknown>> | undefined): ActivityStamp | undefined {
  const stamp = image?.[ACTIVITY_STAMP];
  if (typeof stamp !== 'object' || stamp === null || Array.isArray(stamp)) return undefined;
  const { time, entry, expires } = stamp as Record<string, unknown>;
  const valid = typeof time === 'string' && typeof entry === 'string' && typeof expires === 'number';
  return valid ? (stamp as ActivityStamp) : undefined;
}

/**
 * Writes carried activity items (stream consumer). Each Put is conditional on the item not
 * existing: a redelivered record, or a record the request already replaced with its real
 * answer (finish), is left as it is.
 */
export async function writeCarriedActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  await Promise.all(
    items.map((item) =>
      db
        .send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionalCheckFailed(error)) throw error;
        }),
    ),
  );
}

/** Whether two records of one request say the same answer (the rest is the request's own). */
const sameOutcome = (a: ActivityRecord, b: ActivityRecord): boolean =>
  a.status === b.status &&
  a.resourceId === b.resourceId &&
  a.scimType === b.scimType &&
  a.detail === b.detail;

export interface ActivityQuery {
  readonly tenant: string;
  readonly since: Date;
  readonly until?: Date;
  readonly resourceId?: string;
  /** Exact status (404) or a class given by its first digit (4 for 4xx). */
  readonly status?: { readonly exact: number } | { readonly class: number };
  readonly limit?: number;
}

/**
 * Where a page resumes, newest first: below the item `afterKey` (its SK) of the day partition
 * `day`, or at the top of `day` when there is no `afterKey`. Resource queries use `afterKey` only.
 */
export interface ActivityPosition {
  readonly day?: string;
  readonly afterKey?: string;
}

export interface ActivityPage {
  readonly records: ActivityRecord[];
  /** Absent when the range is exhausted. */
  readonly next?: ActivityPosition;
}

/** Query requests one page may send (empty days each cost one); docs/ACTIVITY.md. */
export const ACTIVITY_PAGE_REQUESTS = 4;
/** Items one Query reads when a status filter may skip most of them. */
const FILTERED_READ = 400;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ACTIVITY_SK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{8}$/;

/** Whether a position names a day and item key this store could have issued. */
export function isActivityPosition(position: ActivityPosition): boolean {
  return (
    (position.day === undefined || DAY_PATTERN.test(position.day)) &&
    (position.afterKey === undefined || ACTIVITY_SK.test(position.afterKey))
  );
}

/**
 * One page of at most `query.limit` records, newest first, from `position` (the newest end of
 * the range when absent). It sends at most ACTIVITY_PAGE_REQUESTS Queries, so a sparse filter
 * or a long run of empty days may give fewer records than asked, with `next` to go on.
 */
export async function readActivityPage(
  db: DynamoDBDocumentClient,
  tableName: string,
  query: ActivityQuery,
  position?: ActivityPosition,
): Promise<ActivityPage> {
  const limit = query.limit ?? 100;
  const until = query.until ?? new Date();
  const range = { ':from': query.since.toISOString(), ':to': `${until.toISOString()}~` };
  const matches = statusMatcher(query.status);
  const out: ActivityRecord[] = [];
  const readSize = () => (query.status ? FILTERED_READ : limit - out.length);
  let requests = 0;
  if (query.resourceId) {
    const pk = activityResourcePk(query.tenant, query.resourceId);
    let afterKey = position?.afterKey;
    while (requests < ACTIVITY_PAGE_REQUESTS) {
      requests++;
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: LOOKUP_INDEX.indexName,
          KeyConditionExpression: `${LOOKUP_INDEX.partitionKey} = :pk AND ${LOOKUP_INDEX.sortKey} BETWEEN :from AND :to`,
          ExpressionAttributeValues: { ':pk': pk, ...range },
          ScanIndexForward: false,
          Limit: readSize(),
          ...(afterKey ? { ExclusiveStartKey: resourceStartKey(query.tenant, pk, afterKey) } : {}),
        }),
      );
      const taken = take(page.Items ?? [], matches, out, limit);
      if (taken.full) return { records: out, next: { afterKey: taken.lastKey } };
      if (!page.LastEvaluatedKey) return { records: out };
      afterKey = String(page.LastEvaluatedKey.SK);
    }
    return { records: out, next: afterKey ? { afterKey } : {} };
  }
  const oldest = startOfDay(query.since);
  let day = position?.day ? Date.parse(`${position.day}T00:00:00.000Z`) : startOfDay(until);
  let afterKey = position?.afterKey;
  while (day >= oldest) {
    if (requests >= ACTIVITY_PAGE_REQUESTS) return { records: out, next: dayPosition(day, afterKey) };
    requests++;
    const pk = activityPk(query.tenant, dayOf(day));
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ...range },
        ScanIndexForward: false,
        Limit: readSize(),
        ...(afterKey ? { ExclusiveStartKey: { PK: pk, SK: afterKey } } : {}),
      }),
    );
    const taken = take(page.Items ?? [], matches, out, limit);
    if (taken.full) return { records: out, next: dayPosition(day, taken.lastKey) };
    if (page.LastEvaluatedKey) {
      afterKey = String(page.LastEvaluatedKey.SK);
    } else {
      day -= DAY_MS;
      afterKey = undefined;
    }
  }
  return { records: out };
}

/** Every record of the range, newest first, up to `query.limit` (the CLI; pages as needed). */
export async function listActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  query: ActivityQuery,
): Promise<ActivityRecord[]> {
  const limit = query.limit ?? 100;
  const out: ActivityRecord[] = [];
  let position: ActivityPosition | undefined;
  do {
    const page = await readActivityPage(db, tableName, { ...query, limit: limit - out.length }, position);
    out.push(...page.records);
    position = page.next;
  } while (position && out.length < limit);
  return out;
}

/** Counts per UTC hour of the summary window, and how far back they are complete. */
export interface ActivityCounts {
  /** Per hour start (ms since the epoch): answered (status < 400) and rejected (≥ 400). */
  readonly hours: Map<number, { answered: number; rejected: number }>;
  /** Time of the newest record with a 2xx status (a successful write). */
  readonly lastChange?: string;
  /** Set when SUMMARY_MAX_ITEMS was reached: records older than this were not counted. */
  readonly countedFrom?: string;
}

/** Items the summary reads at most; past it the older hours are reported as not counted. */
export const SUMMARY_MAX_ITEMS = 20_000;

/**
 * Counts the records from `since` (an hour start) to now, newest first, reading only the sort
 * key and status (a projected Query of each day partition the range spans, about 1 MB per
 * request), and at most SUMMARY_MAX_ITEMS items.
 */
export async function countActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenant: string,
  since: Date,
  now: Date = new Date(),
  maxItems: number = SUMMARY_MAX_ITEMS,
): Promise<ActivityCounts> {
  const hours = new Map<number, { answered: number; rejected: number }>();
  let lastChange: string | undefined;
  let read = 0;
  for (let day = startOfDay(now); day >= startOfDay(since); day -= DAY_MS) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': activityPk(tenant, dayOf(day)),
            ':from': since.toISOString(),
            ':to': `${now.toISOString()}~`,
          },
          ProjectionExpression: 'SK, #status',
          ExpressionAttributeNames: { '#status': 'status' },
          ScanIndexForward: false,
          Limit: maxItems - read,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        read++;
        const time = String(item.SK).slice(0, 24);
        const status = typeof item.status === 'number' ? item.status : 0;
        const hour = Math.floor(Date.parse(time) / HOUR_MS) * HOUR_MS;
        const bucket = hours.get(hour) ?? { answered: 0, rejected: 0 };
        if (status >= 400) bucket.rejected++;
        else bucket.answered++;
        hours.set(hour, bucket);
        if (lastChange === undefined && status >= 200 && status < 300) lastChange = time;
        if (read >= maxItems) {
          return { hours, ...(lastChange ? { lastChange } : {}), countedFrom: time };
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return { hours, ...(lastChange ? { lastChange } : {}) };
}

function statusMatcher(status: ActivityQuery['status']): (record: ActivityRecord) => boolean {
  if (status === undefined) return () => true;
  if ('exact' in status) return (record) => record.status === status.exact;
  return (record) => Math.floor(record.status / 100) === status.class;
}

/** Appends the matching records of `items` until `out` holds `limit`; says where it stopped. */
function take(
  items: readonly Record<string, unknown>[],
  matches: (record: ActivityRecord) => boolean,
  out: ActivityRecord[],
  limit: number,
): { full: true; lastKey: string } | { full: false } {
  for (const item of items) {
    const record = toRecord(item);
    if (matches(record)) out.push(record);
    if (out.length >= limit) return { full: true, lastKey: String(item.SK) };
  }
  return { full: false };
}

/** GSI2 start key of the item `sk`: index keys plus the table keys DynamoDB asks for. */
function resourceStartKey(tenant: string, gsiPk: string, sk: string): Record<string, unknown> {
  return {
    PK: activityPk(tenant, sk.slice(0, 10)),
    SK: sk,
    [LOOKUP_INDEX.partitionKey]: gsiPk,
    [LOOKUP_INDEX.sortKey]: sk.slice(0, 24),
  };
}

function dayPosition(day: number, afterKey: string | undefined): ActivityPosition {
  return { day: dayOf(day), ...(afterKey ? { afterKey } : {}) };
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function startOfDay(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS) * DAY_MS;
}

function toRecord(item: Record<string, unknown>): ActivityRecord {
  const text = (name: string): string => (typeof item[name] === 'string' ? (item[name] as string) : '');
  return {
    tenant: text('tenant'),
    time: text('time'),
    tokenId: text('tokenId'),
    tokenLabel: text('tokenLabel'),
    method: text('method'),
    path: text('path'),
    operation: text('operation'),
    resourceType: text('resourceType'),
    ...(typeof item.resourceId === 'string' ? { resourceId: item.resourceId } : {}),
    status: typeof item.status === 'number' ? item.status : 0,
    ...(typeof item.scimType === 'string' ? { scimType: item.scimType } : {}),
    ...(typeof item.detail === 'string' ? { detail: item.detail } : {}),
    changedAttributes: Array.isArray(item.changedAttributes)
      ? item.changedAttributes.filter((v): v is string => typeof v === 'string')
      : [],
  };
}
