/**
 * Stream consumer: DynamoDB stream batch → the activity items its writes carry (docs/ACTIVITY.md),
 * the tenants' change feeds (docs/CONSUMING.md), then change events on the stack's EventBridge bus. Partial failures are reported per record
 * (ReportBatchItemFailures), so Lambda retries from the first record not fully written; after
 * the mapping's retries the batch goes to the DLQ. Emits FeedLagMilliseconds per batch.
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { ENV, EVENTS_ENV, METRIC_NAMESPACE } from '../deployment';
import { type EventSink, eventBridgeSink } from '../events/event-sink';
import { feedSink, sinks } from '../events/feed-events';
import { type PublishOptions, publishStreamBatch, type SequencedChange } from '../events/stream-batch';
import { batchResponse, sequencedChanges } from '../events/stream-record';
import { publishMetrics } from '../observability/emf';
import { logger } from '../observability/logger';
import { writeCarriedActivity } from '../store/activity-store';
import { createDocumentClient } from '../store/client';
import { appendToFeed, feedRetentionDays } from '../store/feed-store';

/** now − the newest record's ApproximateCreationDateTime: how far the feed trails the table. */
export function feedLagMs(changes: readonly SequencedChange[], now: number = Date.now()): number | undefined {
  const newest = changes.reduce((max, c) => Math.max(max, c.time?.getTime() ?? 0), 0);
  return newest > 0 ? Math.max(now - newest, 0) : undefined;
}

export function createEventsHandler(
  sink: () => EventSink,
  includeResource: boolean,
  reportLag: (ms: number) => void = () => undefined,
  writeActivity?: PublishOptions['writeActivity'],
) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = sequencedChanges(event);
    const outcome = await publishStreamBatch(changes, sink(), {
      includeResource,
      ...(writeActivity ? { writeActivity } : {}),
    });
    if (outcome.failedFrom === undefined) {
      const lag = feedLagMs(changes);
      if (lag !== undefined && outcome.published > 0) reportLag(lag);
      logger.info('change events published', { records: event.Records.length, events: outcome.published });
    }
    return batchResponse(event, outcome, 'publishing change events failed', { published: outcome.published });
  };
}

let production: EventSink | undefined;
let db: DynamoDBDocumentClient | undefined;
const productionTable = (): { db: DynamoDBDocumentClient; tableName: string } => {
  const tableName = process.env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  db ??= createDocumentClient();
  return { db, tableName };
};
const productionSink = (): EventSink => {
  if (!production) {
    const busName = process.env[EVENTS_ENV.busName];
    if (!busName) throw new Error(`${EVENTS_ENV.busName} is not set`);
    const { db, tableName } = productionTable();
    const days = feedRetentionDays(process.env[ENV.feedRetentionDays]);
    production = sinks(
      feedSink((tenant, sets) => appendToFeed({ db, tableName, tenant }, sets, days)),
      eventBridgeSink(new EventBridgeClient({}), busName),
    );
  }
  return production;
};

const publishLag = (ms: number): void =>
  publishMetrics({
    namespace: METRIC_NAMESPACE,
    service: 'scim-events',
    metrics: [{ name: 'FeedLagMilliseconds', unit: 'Milliseconds', value: ms }],
  });

export const handler = createEventsHandler(
  productionSink,
  process.env[EVENTS_ENV.includeResource] === 'true',
  publishLag,
  (items) => {
    const { db, tableName } = productionTable();
    return writeCarriedActivity(db, tableName, items);
  },
);
