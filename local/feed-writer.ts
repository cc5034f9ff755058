/**
 * The change-feed writer of the local stream follower: the same feed mapping and store append the
 * deployed stream consumer runs (docs/CONSUMING.md), over DynamoDB Local. `npm start` and the
 * tests that need a feed use it, so they write the feed the same way.
 */
import { ENV } from '../lambdas/deployment';
import type { EventSink } from '../lambdas/events/event-sink';
import { feedSink } from '../lambdas/events/feed-events';
import { createDocumentClient } from '../lambdas/store/client';
import { appendToFeed, feedRetentionDays } from '../lambdas/store/feed-store';

export function localFeedWriter(endpoint: string, tableName: string): EventSink {
  const db = createDocumentClient({ endpoint });
  const days = feedRetentionDays(process.env[ENV.feedRetentionDays]);
  return feedSink((tenant, sets) => appendToFeed({ db, tableName, tenant }, sets, days));
}
