/**
 * Stream consumer: DynamoDB stream batch → the activity items its writes carry (docs/ACTIVITY.md),
 * the removal of memberships written for a user deleted meanwhile (docs/GROUPS.md),
 * the tenants' change feeds (docs/CONSUMING.md), then change events on the stack's EventBridge
 * bus (createEventsHandler says how failures are reported). Emits FeedLagMilliseconds per batch.
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, EVENTS_ENV, METRIC_NAMESPACE } from '../deployment';
import { type EventSink, eventBridgeSink } from '../events/event-sink';
import { feedSink, sinks } from '../events/feed-events';
import { createEventsHandler } from '../events/stream-record';
import { publishMetrics } from '../observability/emf';
import { writeCarriedActivity } from '../store/activity-store';
import { createDocumentClient } from '../store/client';
import { appendToFeed, feedRetentionDays } from '../store/feed-store';
import { removeOrphanMemberships } from '../store/memberships-store';

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
  {
    writeActivity: (items) => {
      const { db, tableName } = productionTable();
      return writeCarriedActivity(db, tableName, items);
    },
    removeOrphanMemberships: (written) => {
      const { db, tableName } = productionTable();
      return removeOrphanMemberships(db, tableName, written);
    },
  },
);
