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
import { type ChangeEvent, EVENT_SOURCE } from './change-events';

export interface EventSink {
  publish(events: readonly ChangeEvent[]): Promise<void>;
}

/** PutEvents accepts at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;
const MAX_ATTEMPTS = 3;

export function eventBridgeSink(client: EventBridgeClient, eventBusName: string): EventSink {
  return {
    async publish(events) {
      for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
        let pending: PutEventsRequestEntry[] = events
          .slice(start, start + PUT_EVENTS_BATCH)
          .map((event) => entryOf(event, eventBusName));
        for (let attempt = 1; pending.length > 0; attempt++) {
          const result = await client.send(new PutEventsCommand({ Entries: pending }));
          if (!result.FailedEntryCount) break;
          // Entries are answered positionally; keep only those that failed.
          pending = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode !== undefined);
          if (attempt >= MAX_ATTEMPTS) {
            throw new Error(`EventBridge rejected ${pending.length} event(s) after ${attempt} attempts`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
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
export function localEnvelope(event: ChangeEvent): Record<string, unknown> {
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
