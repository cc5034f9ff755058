/**
 * Publishes one batch of stream records, in order, and says which record to redeliver from when
 * publishing fails part-way. Lambda's ReportBatchItemFailures then retries from that record, so
 * events already accepted are not re-sent needlessly and none after it are skipped; consumers
 * still de-duplicate by event id because a retry can repeat the failing batch's first events.
 * The activity items the writes carry are written first (docs/ACTIVITY.md), and memberships
 * written for a user deleted meanwhile are removed (docs/GROUPS.md, "Races").
 */

import { carriedActivityItem } from '../store/activity-store';
import type { WrittenMembership } from '../store/memberships-store';
import {
  type ChangeEvent,
  type ChangeEventOptions,
  changeEventsOf,
  parseItemKey,
  type StreamChange,
} from './change-events';
import type { EventSink } from './event-sink';

export interface SequencedChange extends StreamChange {
  /** The record's SequenceNumber: what ReportBatchItemFailures names. */
  readonly sequenceNumber: string;
}

export interface BatchOutcome {
  readonly published: number;
  /** Sequence number of the first record whose events were not all accepted. */
  readonly failedFrom?: string;
  readonly error?: unknown;
}

/** The table writes a stream consumer makes for a batch before publishing its events. */
export type TableWrites = Pick<PublishOptions, 'writeActivity' | 'removeOrphanMemberships'>;

export interface PublishOptions extends ChangeEventOptions {
  /**
   * Writes the activity items the batch's writes carry (carriedActivityItem), before any event
   * is published; when it fails the whole batch is redelivered (the writes are idempotent).
   */
  readonly writeActivity?: (items: readonly Record<string, unknown>[]) => Promise<void>;
  /**
   * Given every membership the batch writes (group-side INSERTs), removes those whose user no
   * longer exists, before any event is published; when it fails the whole batch is redelivered
   * (a second pass finds nothing left to remove).
   */
  readonly removeOrphanMemberships?: (written: readonly WrittenMembership[]) => Promise<unknown>;
}

/** The memberships a batch writes: the group-side items it inserts. */
function writtenMemberships(changes: readonly SequencedChange[]): WrittenMembership[] {
  return changes.flatMap((change) => {
    if (change.eventName !== 'INSERT' || !change.newImage) return [];
    const key = parseItemKey(change.newImage.PK, change.newImage.SK);
    return key?.kind === 'Membership' && key.memberId !== undefined
      ? [{ tenant: key.tenant, userId: key.memberId }]
      : [];
  });
}

export async function publishStreamBatch(
  changes: readonly SequencedChange[],
  sink: EventSink,
  options: PublishOptions = {},
  chunkSize = 10,
): Promise<BatchOutcome> {
  const first = changes[0];
  // The batch's own table writes, before any event: a failure redelivers the whole batch (both
  // are idempotent).
  if (first) {
    try {
      const carried = options.writeActivity
        ? changes.flatMap((c) => {
            const item = carriedActivityItem(c.oldImage, c.newImage);
            return item ? [item] : [];
          })
        : [];
      if (options.writeActivity && carried.length > 0) await options.writeActivity(carried);
      const memberships = options.removeOrphanMemberships ? writtenMemberships(changes) : [];
      if (options.removeOrphanMemberships && memberships.length > 0)
        await options.removeOrphanMemberships(memberships);
    } catch (error) {
      return { published: 0, failedFrom: first.sequenceNumber, error };
    }
  }
  let published = 0;
  // Chunks never split a record's events, so a failure can always be pinned to a record.
  let chunk: { events: ChangeEvent[]; firstSequence: string } | undefined;
  const flush = async (): Promise<void> => {
    if (!chunk || chunk.events.length === 0) return;
    await sink.publish(chunk.events);
    published += chunk.events.length;
    chunk = undefined;
  };
  for (const change of changes) {
    const events = changeEventsOf(change, options);
    if (events.length === 0) continue;
    if (chunk && chunk.events.length + events.length > chunkSize) {
      const failedFrom = chunk.firstSequence;
      try {
        await flush();
      } catch (error) {
        return { published, failedFrom, error };
      }
    }
    chunk ??= { events: [], firstSequence: change.sequenceNumber };
    chunk.events.push(...events);
  }
  if (chunk) {
    const failedFrom = chunk.firstSequence;
    try {
      await flush();
    } catch (error) {
      return { published, failedFrom, error };
    }
  }
  return { published };
}
