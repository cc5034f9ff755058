/**
 * Where change events go: EventBridge in AWS, a JSON-lines file locally. Both take events in
 * order and either accept all of them or throw, so the caller can report exactly which stream
 * records to redeliver.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type RetryPolicy, retry } from '../retry';
import { type ChangeEvent, EVENT_SOURCE } from './change-events';

export interface EventSink {
  publish(events: readonly ChangeEvent[]): Promise<void>;
}

/** PutEvents accepts at most 10 entries per call. */
const PUT_EVENTS_BATCH = 10;
/** Entries PutEvents rejected are sent again, up to three attempts in all. */
const PUT_EVENTS_RETRY: RetryPolicy = { attempts: 3, baseMs: 100, capMs: 1000 };

/** Some entries of a PutEvents call failed; `pending` holds those, to send again. */
class EntriesRejected extends Error {
  constructor(readonly count: number) {
    super(`EventBridge rejected ${count} event(s)`);
    this.name = 'EntriesRejected';
  }
}

export function eventBridgeSink(client: EventBridgeClient, eventBusName: string): EventSink {
  return {
    async publish(events) {
      for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
        let pending: PutEventsRequestEntry[] = events
          .slice(start, start + PUT_EVENTS_BATCH)
          .map((event) => entryOf(event, eventBusName));
        const sendPending = async (): Promise<void> => {
          const result = await client.send(new PutEventsCommand({ Entries: pending }));
          if (!result.FailedEntryCount) return;
          // Entries are answered positionally; keep only those that failed.
          pending = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode !== undefined);
          if (pending.length > 0) throw new EntriesRejected(pending.length);
        };
        await retry(PUT_EVENTS_RETRY, sendPending, {
          retryIf: (error) => error instanceof EntriesRejected,
        }).catch((error: unknown) => {
          if (!(error instanceof EntriesRejected)) throw error;
          throw new Error(`${error.message} after ${PUT_EVENTS_RETRY.attempts} attempts`);
        });
      }
    },
  };
}

function entryOf(event: ChangeEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Time: new Date(event.detail.time),
    Detail: JSON.stringify(event.detail),
  };
}

/** The envelope written locally mirrors what an EventBridge rule would receive. */
function localEnvelope(event: ChangeEvent): Record<string, unknown> {
  return {
    id: event.detail.eventId,
    source: EVENT_SOURCE,
    'detail-type': event.type,
    time: event.detail.time,
    detail: event.detail,
  };
}

export function jsonLinesSink(file: string): EventSink {
  return {
    async publish(events) {
      if (events.length === 0) return;
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, events.map((event) => `${JSON.stringify(localEnvelope(event))}\n`).join(''), {
        mode: 0o600,
      });
    },
  };
}
