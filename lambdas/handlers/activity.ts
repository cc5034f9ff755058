/**
 * GET /Activity and /Activity/Summary: the provisioning activity of the caller's tenant, read
 * only (docs/ACTIVITY.md). Thin: parameters and paging live in service/activity-service.ts.
 */
import { createHttpHandler, type OperationContext, type OperationTable } from '../http/handler';
import { ok } from '../http/response';
import { lazyRuntime, type Runtime } from '../runtime';
import { type ActivityContext, activityPage, activitySummary } from '../service/activity-service';

const contextOf = ({ runtime, principal }: OperationContext): ActivityContext => ({
  db: runtime.db,
  tableName: runtime.tableName,
  tenant: principal.tenant,
  ...(runtime.cursorKeys ? { cursorKeys: runtime.cursorKeys } : {}),
  ...(runtime.activityRetentionDays !== undefined ? { retentionDays: runtime.activityRetentionDays } : {}),
});

const operations: OperationTable = {
  listActivity: async (context) => ok(await activityPage(contextOf(context), context.request.query)),
  activitySummary: async (context) => ok(await activitySummary(contextOf(context), context.request.query)),
};

export const createActivityHandler = (runtime: () => Runtime) =>
  createHttpHandler('activity', operations, runtime);

export const handler = createActivityHandler(lazyRuntime());
