/**
 * The change-feed and activity writers of the local stream follower, and its removal of orphan
 * memberships: the same feed mapping, store append, activity write and repair the deployed stream
 * consumer runs (docs/CONSUMING.md, docs/ACTIVITY.md), over DynamoDB Local. `npm start`, the
 * benchmarks and the tests that need a feed use it, so they write the feed the same way.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../lambdas/deployment';
import type { EventSink } from '../lambdas/events/event-sink';
import { feedSink } from '../lambdas/events/feed-events';
import type { TableWrites } from '../lambdas/events/stream-batch';
import { writeCarriedActivity } from '../lambdas/store/activity-store';
import { createDocumentClient } from '../lambdas/store/client';
import { appendToFeed, feedRetentionDays } from '../lambdas/store/feed-store';
import { removeOrphanMemberships } from '../lambdas/store/memberships-store';

/** Everything the deployed stream consumer writes to the table, through one document client. */
export interface ConsumerTableWrites extends Required<TableWrites> {
  /** Appends the change feed's entries (the consumer's sink besides EventBridge). */
  readonly feed: EventSink;
}

export function consumerTableWrites(db: DynamoDBDocumentClient, tableName: string): ConsumerTableWrites {
  const days = feedRetentionDays(process.env[ENV.feedRetentionDays]);
  return {
    feed: feedSink((tenant, sets) => appendToFeed({ db, tableName, tenant }, sets, days)),
    writeActivity: (items) => writeCarriedActivity(db, tableName, items),
    removeOrphanMemberships: (written) => removeOrphanMemberships(db, tableName, written),
  };
}

const writesAt = (endpoint: string, tableName: string): ConsumerTableWrites =>
  consumerTableWrites(createDocumentClient({ endpoint }), tableName);

/** The activity items single writes carry, written as the deployed stream consumer writes them. */
export function localActivityWriter(
  endpoint: string,
  tableName: string,
): ConsumerTableWrites['writeActivity'] {
  return writesAt(endpoint, tableName).writeActivity;
}

/** What the deployed stream consumer does with memberships of users deleted meanwhile. */
export function localOrphanMembershipRemover(
  endpoint: string,
  tableName: string,
): ConsumerTableWrites['removeOrphanMemberships'] {
  return writesAt(endpoint, tableName).removeOrphanMemberships;
}

export function localFeedWriter(endpoint: string, tableName: string): EventSink {
  return writesAt(endpoint, tableName).feed;
}
