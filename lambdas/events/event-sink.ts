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
import { sendInBatches } from './batch-send';
import { type ChangeEvent, EVENT_SOURCE } from './change-events';

export interface EventSink {
  publish(events: readonly ChangeEvent[]): Promise<void>;
}

/** PutEvents accepts at most 10 entries per call. */
const PUT_EVENTS_BATCH = 10;

export function eventBridgeSink(client: EventBridgeClient, eventBusName: string): EventSink {
  return {
    publish: (events) =>
      sendInBatches(
        events.map((event) => entryOf(event, eventBusName)),
        PUT_EVENTS_BATCH,
        'EventBridge',
        async (batch) => {
          const result = await client.send(new PutEventsCommand({ Entries: [...batch] }));
          if (!result.FailedEntryCount) return [];
          // Entries are answered positionally; keep only those that failed.
          return batch.filter((_, i) => result.Entries?.[i]?.ErrorCode !== undefined);
        },
      ),
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
