/**
 * Turns a DynamoDB stream record of the single table into the change events the directory's
 * owning application consumes (docs/EVENTS.md). Deriving events from the stream, not from the
 * handlers, means an event exists exactly when a write committed: a failed or retried request
 * emits nothing, and nothing committed is missed.
 *
 * The mapping is pure so it can be tested without a stream: items are recognised by their key
 * shape (lambdas/store/keys.ts), and guards, counters and checkpoints produce no events. A
 * membership is two items written in one transaction (memberships-store.ts); only the
 * group-side item (`T#t#G#gid` / `M#uid`) yields an event, the user-side ref (`T#t#U#uid` /
 * `G#gid`) none, so one membership change is exactly one event.
 *
 * Each event id is derived from the stream record's own id, which DynamoDB keeps stable across
 * redeliveries, so a consumer can de-duplicate at-least-once delivery by `id`.
 */
import { createHash } from 'node:crypto';
import { isPlainObject } from '../scim/schema/json';
import { carriedActivityItem } from '../store/activity-store';
import { GROUP_ITEM_SK, MEMBERSHIP_SK_PREFIX, USER_ITEM_SK } from '../store/keys';

export const EVENT_SOURCE = 'scim.directory';

type ChangeEventType =
  | 'User Created'
  | 'User Updated'
  | 'User Deactivated'
  | 'User Reactivated'
  | 'User Deleted'
  | 'Group Created'
  | 'Group Updated'
  | 'Group Renamed'
  | 'Group Deleted'
  | 'Group Member Added'
  | 'Group Member Removed';

interface ChangeEventDetail {
  readonly eventId: string;
  /** The committed write (stream record) this event comes from; shared by its events. */
  readonly txn: string;
  readonly tenant: string;
  readonly resourceType: 'User' | 'Group';
  readonly resourceId: string;
  readonly time: string;
  readonly version?: number;
  readonly userName?: string;
  readonly displayName?: string;
  readonly previousDisplayName?: string;
  readonly changedAttributes?: readonly string[];
  readonly memberId?: string;
  /** The SCIM resource (without meta); only when the deployment opts in, as it is personal data. */
  readonly resource?: Readonly<Record<string, unknown>>;
}

export interface ChangeEvent {
  readonly type: ChangeEventType;
  readonly detail: ChangeEventDetail;
  /** What only the change feed's SETs carry (feed-events.ts); never published to EventBridge. */
  readonly feed?: FeedFacts;
}

interface FeedFacts {
  /** User/Group Created: names of the attributes the new resource holds (as changedAttributes). */
  readonly createdAttributes?: readonly string[];
  /**
   * The HTTP method of the request that made this write, read from the activity stamp the item
   * carries (store/activity-store.ts) when this very write put it there; absent otherwise.
   */
  readonly method?: string;
}

export interface StreamChange {
  /** The stream record's eventID: unique per record and stable across redelivery. */
  readonly recordId: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** ApproximateCreationDateTime of the record (for removals; writes carry their lastModified). */
  readonly time?: Date;
  readonly oldImage?: Readonly<Record<string, unknown>>;
  readonly newImage?: Readonly<Record<string, unknown>>;
}

export interface ChangeEventOptions {
  readonly includeResource?: boolean;
}

type Item = Readonly<Record<string, unknown>>;

interface ParsedKey {
  readonly tenant: string;
  readonly kind: 'User' | 'Group' | 'Membership';
  readonly id: string;
  readonly memberId?: string;
}

/** Reads tenant and ids back out of a key built by lambdas/store/keys.ts. */
export function parseItemKey(pk: unknown, sk: unknown): ParsedKey | undefined {
  if (typeof pk !== 'string' || typeof sk !== 'string') return undefined;
  const parts = pk.split('#');
  if (parts.length !== 4 || parts[0] !== 'T') return undefined;
  const tenant = (parts[1] ?? '').replace(/%23/g, '#');
  const kind = parts[2];
  const id = parts[3] ?? '';
  // Exact SKs: the user partition also holds `G#<gid>` membership refs, which are not the user.
  if (kind === 'U' && sk === USER_ITEM_SK) return { tenant, kind: 'User', id };
  if (kind === 'G' && sk === GROUP_ITEM_SK) return { tenant, kind: 'Group', id };
  if (kind === 'G' && sk.startsWith(MEMBERSHIP_SK_PREFIX))
    return { tenant, kind: 'Membership', id, memberId: sk.slice(MEMBERSHIP_SK_PREFIX.length) };
  return undefined;
}

export function changeEventsOf(change: StreamChange, options: ChangeEventOptions = {}): ChangeEvent[] {
  const image = change.newImage ?? change.oldImage;
  if (!image) return [];
  const key = parseItemKey(image.PK, image.SK);
  if (!key) return [];
  const types = eventTypes(key.kind, change);
  const current = (change.eventName === 'REMOVE' ? change.oldImage : change.newImage) ?? image;
  const resource = resourceOf(current);
  const method = types.length > 0 && change.eventName === 'MODIFY' ? methodOf(change) : undefined;
  return types.map(({ type, changedAttributes, previousDisplayName }, index) => {
    const detail: ChangeEventDetail = {
      eventId: eventIdOf(change.recordId, index),
      txn: eventIdOf(change.recordId, -1),
      tenant: key.tenant,
      resourceType: key.kind === 'User' ? 'User' : 'Group',
      resourceId: key.id,
      time: timeOf(change, current),
      ...(typeof current.version === 'number' ? { version: current.version } : {}),
      ...(key.kind === 'User' && typeof resource.userName === 'string'
        ? { userName: resource.userName }
        : {}),
      ...(key.kind === 'Group' && typeof resource.displayName === 'string'
        ? { displayName: resource.displayName }
        : {}),
      ...(previousDisplayName !== undefined ? { previousDisplayName } : {}),
      ...(changedAttributes ? { changedAttributes } : {}),
      ...(key.memberId !== undefined ? { memberId: key.memberId } : {}),
      ...(options.includeResource && key.kind !== 'Membership'
        ? { resource: { id: key.id, ...resource } }
        : {}),
    };
    const created = type === 'User Created' || type === 'Group Created';
    const feed: FeedFacts | undefined = created
      ? { createdAttributes: changedAttributeNames({}, resource) }
      : method !== undefined
        ? { method }
        : undefined;
    return { type, detail, ...(feed ? { feed } : {}) };
  });
}

/** The method the write's own activity stamp names (a stamp left by an earlier write is not it). */
function methodOf(change: StreamChange): string | undefined {
  const method = carriedActivityItem(change.oldImage, change.newImage)?.method;
  return typeof method === 'string' ? method : undefined;
}

interface TypedChange {
  type: ChangeEventType;
  changedAttributes?: string[];
  previousDisplayName?: string;
}

function eventTypes(kind: ParsedKey['kind'], change: StreamChange): TypedChange[] {
  const { eventName } = change;
  if (kind === 'Membership') {
    if (eventName === 'INSERT') return [{ type: 'Group Member Added' }];
    if (eventName === 'REMOVE') return [{ type: 'Group Member Removed' }];
    return [];
  }
  if (eventName === 'INSERT') return [{ type: kind === 'User' ? 'User Created' : 'Group Created' }];
  if (eventName === 'REMOVE') return [{ type: kind === 'User' ? 'User Deleted' : 'Group Deleted' }];
  const before = resourceOf(change.oldImage ?? {});
  const after = resourceOf(change.newImage ?? {});
  const changed = changedAttributeNames(before, after);
  if (kind === 'User') {
    // Deactivated: true (or never set) → false; Reactivated: false → true. Any other change of
    // `active` (set to true, or removed) is an attribute change like the rest, so none is lost.
    const deactivated = before.active !== false && after.active === false;
    const reactivated = before.active === false && after.active === true;
    const others = deactivated || reactivated ? changed.filter((name) => name !== 'active') : changed;
    const events: TypedChange[] = [];
    if (others.length > 0) events.push({ type: 'User Updated', changedAttributes: others });
    if (deactivated) events.push({ type: 'User Deactivated' });
    if (reactivated) events.push({ type: 'User Reactivated' });
    return events;
  }
  const events: TypedChange[] = [];
  const renamed = changed.includes('displayName');
  if (renamed) {
    events.push({
      type: 'Group Renamed',
      ...(typeof before.displayName === 'string' ? { previousDisplayName: before.displayName } : {}),
    });
  }
  const others = changed.filter((name) => name !== 'displayName');
  if (others.length > 0) events.push({ type: 'Group Updated', changedAttributes: others });
  return events;
}

function resourceOf(item: Item): Record<string, unknown> {
  return isPlainObject(item.resource) ? item.resource : {};
}

/**
 * Names of the attributes whose values differ. Extension attributes are named with their schema
 * URN (`urn:…:enterprise:2.0:User:manager`), as SCIM PATCH paths name them.
 */
export function changedAttributeNames(before: Item, after: Item): string[] {
  const names = new Set<string>();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'schemas') continue;
    const a = before[key];
    const b = after[key];
    if (key.startsWith('urn:') && isPlainObject(a ?? {}) && isPlainObject(b ?? {})) {
      for (const inner of changedAttributeNames((a ?? {}) as Item, (b ?? {}) as Item))
        names.add(`${key}:${inner}`);
    } else if (!deepEqual(a, b)) {
      names.add(key);
    }
  }
  return [...names].sort();
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((value, i) => deepEqual(value, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/**
 * When the change was committed: the written item's lastModified (milliseconds, set by the write
 * itself; membership items carry one too). A removal has no new lastModified: the stream record's
 * time (whole seconds on AWS, minutes on DynamoDB Local, rounded down), but never earlier than the
 * removed item's last write, so a delete is never dated before the create or change it follows.
 */
function timeOf(change: StreamChange, item: Item): string {
  const written = typeof item.lastModified === 'string' ? item.lastModified : undefined;
  if (change.eventName !== 'REMOVE' && written !== undefined) return written;
  const streamed = (change.time ?? new Date()).toISOString();
  // Both are ISO-8601 UTC with milliseconds: they compare as strings.
  return written !== undefined && written > streamed ? written : streamed;
}

function eventIdOf(recordId: string, index: number): string {
  return createHash('sha256').update(`${recordId}/${index}`).digest('hex').slice(0, 32);
}
