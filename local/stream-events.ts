/**
 * Follows the table's stream on DynamoDB Local and publishes change events through the same
 * mapping the Lambda publisher uses, so `npm start` shows provisioning as it happens.
 *
 * A restart must not replay yesterday's events, but DynamoDB Local's LATEST iterator fails with
 * TrimmedDataAccessException on a shard that has no records yet. So shards that exist at start
 * are read from TRIM_HORIZON and their backlog is skipped before followTableStream returns
 * (callers start it before accepting writes); shards that appear later are published from their
 * start. Polling is fine here: it is a developer's machine, not the production path.
 * The consumer gets only the records the deployed event filter passes (users, groups,
 * memberships: isChangeItemSortKey); `onChanges` (local webhooks) gets every record.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { CHANGE_STREAM_BATCH_SIZE } from '../lambdas/deployment';
import type { ChangeEvent } from '../lambdas/events/change-events';
import type { EventSink } from '../lambdas/events/event-sink';
import { publishStreamBatch, type SequencedChange, type TableWrites } from '../lambdas/events/stream-batch';
import { type RawStreamRecord, sequencedChangeOf } from '../lambdas/events/stream-record';
import { localDynamoCredentials } from '../lambdas/store/client';
import { isChangeItemSortKey } from '../lambdas/store/keys';
import { escapeControl } from './escape-control';

export interface StreamFollower {
  /**
   * Resolves once every record written so far has been published (tests use it), to the number
   * of consumer invocations that took: batches the deployed event filter would pass (the bench).
   */
  drain(): Promise<number>;
  /** Moves past every record written so far without publishing it (the benchmarks' set-up). */
  skip(): Promise<void>;
  stop(): Promise<void>;
}

/** The table writes the deployed consumer makes too (activity items, orphan memberships). */
export interface FollowOptions extends TableWrites {
  readonly admin: DynamoDBClient;
  readonly endpoint: string;
  readonly tableName: string;
  readonly sink: EventSink;
  readonly includeResource?: boolean;
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Also told of every record once its events are published (local webhook delivery). */
  readonly onChanges?: (changes: readonly SequencedChange[]) => void;
}

export async function followTableStream(options: FollowOptions): Promise<StreamFollower> {
  const table = await options.admin.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: localDynamoCredentials(),
  });
  interface ShardState {
    iterator: string | undefined;
    /** Highest sequence number already handled: re-reads after an iterator reset skip up to it. */
    last: bigint | undefined;
  }
  const shards = new Map<string, ShardState>();
  /** Batches handed to the consumer so far. */
  let invocations = 0;
  const closed = new Set<string>();

  const trimHorizon = async (shardId: string): Promise<string | undefined> => {
    const response = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    return response.ShardIterator;
  };

  // DynamoDB Local answers TrimmedDataAccessException for iterators positioned on a shard that
  // had no records when they were issued; start over from the horizon and skip what was handled.
  const readPage = async (shardId: string, state: ShardState): Promise<_Record[]> => {
    for (let attempt = 0; ; attempt++) {
      if (!state.iterator) return [];
      try {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator }));
        state.iterator = page.NextShardIterator;
        return (page.Records ?? []).filter((record) => {
          const sequence = record.dynamodb?.SequenceNumber;
          return sequence !== undefined && (state.last === undefined || BigInt(sequence) > state.last);
        });
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (attempt > 0 || (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException'))
          throw error;
        state.iterator = await trimHorizon(shardId);
      }
    }
  };

  const maxSequence = (records: readonly _Record[], state: ShardState): bigint | undefined =>
    records.reduce<bigint | undefined>((max, record) => {
      const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
      return max === undefined || sequence > max ? sequence : max;
    }, state.last);

  const skipBacklog = async (shardId: string, state: ShardState): Promise<void> => {
    for (;;) {
      const records = await readPage(shardId, state);
      if (records.length === 0) return;
      state.last = maxSequence(records, state);
    }
  };

  const discoverShards = async (initial: boolean): Promise<void> => {
    const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId;
      if (!id || shards.has(id) || closed.has(id)) continue;
      const state: ShardState = { iterator: await trimHorizon(id), last: undefined };
      // Skip the backlog a restart would otherwise replay.
      if (initial) await skipBacklog(id, state);
      shards.set(id, state);
    }
  };

  /** Reads one page of each shard and publishes it; resolves to the number of records read. */
  const pollOnce = async (): Promise<number> => {
    let read = 0;
    await discoverShards(false);
    for (const [shardId, state] of shards) {
      if (!state.iterator) {
        shards.delete(shardId);
        closed.add(shardId);
        continue;
      }
      const records = await readPage(shardId, state);
      read += records.length;
      const changes = records.map(toChange).filter((c): c is SequencedChange => c !== undefined);
      // What the deployed event filter passes to the consumer (lib/constructs/change-events.ts);
      // each image holds the item's keys.
      const consumed = changes.filter((c) => isChangeItemSortKey((c.newImage ?? c.oldImage)?.SK));
      // In the deployed batch size: as many invocations, feed appends and activity writes.
      for (let at = 0; at < consumed.length; at += CHANGE_STREAM_BATCH_SIZE) {
        invocations++;
        const outcome = await publishStreamBatch(
          consumed.slice(at, at + CHANGE_STREAM_BATCH_SIZE),
          options.sink,
          {
            includeResource: options.includeResource ?? false,
            ...(options.writeActivity ? { writeActivity: options.writeActivity } : {}),
            ...(options.removeOrphanMemberships
              ? { removeOrphanMemberships: options.removeOrphanMemberships }
              : {}),
          },
        );
        if (outcome.error) {
          // Resume from the first unpublished record on the next poll; the records before it
          // count as handled, so onChanges gets them now (the filter may have passed none of them).
          state.iterator = await trimHorizon(shardId);
          if (outcome.failedFrom !== undefined) {
            const failedFrom = BigInt(outcome.failedFrom);
            state.last = failedFrom - 1n;
            const handled = changes.filter((c) => BigInt(c.sequenceNumber) < failedFrom);
            if (handled.length > 0) options.onChanges?.(handled);
          }
          throw outcome.error;
        }
      }
      if (changes.length > 0) options.onChanges?.(changes);
      state.last = maxSequence(records, state);
    }
    return read;
  };

  await discoverShards(true);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Polls run one after another (a shard iterator must not be read twice), whether the timer
  // or drain() asked for them.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch((error: unknown) => options.onError?.(error));
    return next;
  };
  // A page holds at most 1,000 records (GetRecords' limit): poll until one finds nothing new
  // (so it does not resolve while something keeps writing: tests and the bench call it after).
  const drain = async (): Promise<number> => {
    const before = invocations;
    while ((await enqueue(pollOnce)) > 0);
    return invocations - before;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void enqueue(pollOnce)
        .catch(() => undefined)
        .finally(schedule);
    }, options.pollMs ?? 250);
  };
  schedule();

  return {
    drain,
    skip: () =>
      enqueue(async () => {
        await discoverShards(false);
        for (const [shardId, state] of shards) await skipBacklog(shardId, state);
      }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await queue;
      streams.destroy();
    },
  };
}

function toChange(record: _Record): SequencedChange | undefined {
  const d = record.dynamodb;
  return sequencedChangeOf({
    ...(record.eventID ? { eventID: record.eventID } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    ...(d?.SequenceNumber ? { sequenceNumber: d.SequenceNumber } : {}),
    ...(d?.ApproximateCreationDateTime ? { approximateTime: new Date(d.ApproximateCreationDateTime) } : {}),
    ...(d?.OldImage ? { oldImage: repairImage(d.OldImage) as RawStreamRecord['oldImage'] } : {}),
    ...(d?.NewImage ? { newImage: repairImage(d.NewImage) as RawStreamRecord['newImage'] } : {}),
  });
}

/**
 * The Streams client hands an empty map back as `{}` (no type key), which unmarshall rejects
 * ("No value defined"), and the follower would retry that record for ever. `{}` is only ever an
 * empty map: every other type keeps its key even when empty (`{"L": []}`).
 */
function repairImage(image: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const repair = (value: AttributeValue): AttributeValue => {
    if (value.M) return { M: repairImage(value.M) };
    if (value.L) return { L: value.L.map(repair) };
    return Object.keys(value).length === 0 ? { M: {} } : value;
  };
  return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, repair(value)]));
}

/** One line per event for the terminal: no attribute values beyond the name that identifies it. */
export function summarizeEvent(event: ChangeEvent): string {
  const d = event.detail;
  const name = d.userName ?? d.displayName ?? '';
  const extra = d.memberId
    ? ` member ${d.memberId}`
    : d.changedAttributes
      ? ` (${d.changedAttributes.join(', ')})`
      : '';
  // Names and attributes come from requests: escaped, so they cannot forge a line of their own.
  return escapeControl(`event ${event.type}: ${d.tenant}/${d.resourceId}${name ? ` "${name}"` : ''}${extra}`);
}
