/**
 * The change-feed and activity writers of the local stream follower, and its removal of orphan
 * memberships: the same feed mapping, store append, activity write and repair the deployed stream
 * consumer runs (docs/CONSUMING.md,
 * docs/ACTIVITY.md), over DynamoDB Local. `npm start` and the
 * tests that need a feed use it, so they write the feed the same way.
 */
import { ENV } from '../lambdas/deployment';
import type { EventSink } from '../lambdas/events/event-sink';
import { feedSink } from '../lambdas/events/feed-events';
import { writeCarriedActivity } from '../lambdas/store/activity-store';
import { createDocumentClient } from '../lambdas/store/client';
import { appendToFeed, feedRetentionDays } from '../lambdas/store/feed-store';
import { removeOrphanMemberships, type WrittenMembership } from '../lambdas/store/memberships-store';

/** The activity items single writes carry, written as the deployed stream consumer writes them. */
export function localActivityWriter(
  endpoint: string,
  tableName: string,
): (items: readonly Record<string, unknown>[]) => Promise<void> {
  const db = createDocumentClient({ endpoint });
  return (items) => writeCarriedActivity(db, tableName, items);
}

/** What the deployed stream consumer does with memberships of users deleted meanwhile. */
export function localOrphanMembershipRemover(
  endpoint: string,
  tableName: string,
): (written: readonly WrittenMembership[]) => Promise<number> {
  const db = createDocumentClient({ endpoint });
  return (written) => removeOrphanMemberships(db, tableName, written);
}

export function localFeedWriter(endpoint: string, tableName: string): EventSink {
  const db = createDocumentClient({ endpoint });
  const days = feedRetentionDays(process.env[ENV.feedRetentionDays]);
  return feedSink((tenant, sets) => appendToFeed({ db, tableName, tenant }, sets, days));
}
