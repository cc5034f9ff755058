/**
 * Hand-made provisioning-activity records for tests that seed or compare the log directly:
 * a user PATCH of tenant `tenant`, by that tenant's test token (scim-client.ts names them).
 */
import type { ActivityRecord } from '../../lambdas/store/activity-store';

export function patchRecord(
  tenant: string,
  resourceId: string,
  status: number,
  time: Date = new Date(),
): ActivityRecord {
  return {
    tenant,
    time: time.toISOString(),
    tokenId: `tok-${tenant}`,
    tokenLabel: `test ${tenant}`,
    method: 'PATCH',
    path: `/scim/v2/Users/${resourceId}`,
    operation: 'patch',
    resourceType: 'User',
    resourceId,
    status,
    changedAttributes: ['active'],
  };
}
