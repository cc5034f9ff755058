/**
 * GET /Events: the tenant's change feed (docs/CONSUMING.md), read-only. Thin: parameters and
 * paging are the feed service's; entries are written by the stream consumer (events.ts).
 */
import { ENV } from '../deployment';
import { DomainError } from '../domain/errors';
import { createHttpHandler, type OperationTable } from '../http/handler';
import { ok } from '../http/response';
import { lazyRuntime, type Runtime } from '../runtime';
import { feedPage, parseFeedQuery } from '../service/feed-service';
import { feedRetentionDays } from '../store/feed-store';

function feedOperations(retentionDays: number, written: boolean): OperationTable {
  return {
    readFeed: async ({ request, principal, runtime }) => {
      if (!written) {
        throw new DomainError(
          'notFound',
          'This deployment has no change feed: it was deployed with changeEvents off (docs/DEPLOY.md)',
        );
      }
      return ok(
        await feedPage(
          {
            store: { db: runtime.db, tableName: runtime.tableName, tenant: principal.tenant },
            issuer: request.baseUrl,
            retentionDays,
            ...(runtime.cursorKeys ? { cursorKeys: runtime.cursorKeys } : {}),
          },
          parseFeedQuery(request.query),
        ),
      );
    },
  };
}

/** `retentionDays` defaults to FEED_RETENTION_DAYS (30 when unset); FEED_DISABLED=1 turns it off. */
export const createFeedHandler = (
  runtime: () => Runtime,
  retentionDays: number = feedRetentionDays(process.env[ENV.feedRetentionDays]),
  written: boolean = process.env[ENV.feedDisabled] !== '1',
) => createHttpHandler('feed', feedOperations(retentionDays, written), runtime);

export const handler = createFeedHandler(lazyRuntime());
