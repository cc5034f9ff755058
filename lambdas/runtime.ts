/**
 * The composition root: everything a handler needs, built once per Lambda container (or local
 * server process) from environment variables. Tests build a Runtime directly with their own
 * table and tokens, so they run the same code paths as production.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from './deployment';
import type { ActivityLog } from './http/activity';
import { type AuthSettings, authSettingsFromEnv, onFirstUse } from './runtime-auth';
import { DEFAULT_ACTIVITY_RETENTION_DAYS, requestActivity } from './store/activity-store';
import { createDocumentClient } from './store/client';
import type { CompanionWrite } from './store/context';

/** What a Runtime is built from (createRuntime); tests and benchmarks may write one directly. */
export interface RuntimeSettings extends AuthSettings {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Days provisioning activity is kept (default 90); 0 turns recording off. */
  readonly activityRetentionDays?: number;
  /**
   * false: each activity record is a PutItem of its own after the operation instead of riding
   * along with the request's first write (`npm run bench` measures the two side by side).
   */
  readonly activityWithWrite?: boolean;
  /**
   * A stream consumer writes the activity records that writes stamp on the items they put or
   * update (ENV.activityFromStream); without one, transactions carry the record as a Put.
   */
  readonly activityFromStream?: boolean;
}

export interface Runtime extends RuntimeSettings {
  /** Records each mutating request's activity; without one nothing is recorded. */
  readonly activity?: ActivityLog;
  /** Set per request by the HTTP handler: the item its first committed transaction carries. */
  readonly companion?: CompanionWrite;
}

/** The Runtime for these settings, with the activity recorder they call for. */
export function createRuntime(settings: RuntimeSettings): Runtime {
  const { tableName } = settings;
  const days = settings.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  if (days === 0) return settings;
  const viaStream = settings.activityFromStream === true;
  return {
    ...settings,
    activity: { begin: (db, draft) => requestActivity(db, tableName, days, draft, viaStream) },
  };
}

function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const endpoint = env[ENV.dynamoEndpoint];
  return createRuntime({
    ...authSettingsFromEnv(env),
    db: createDocumentClient(endpoint ? { endpoint } : {}),
    tableName,
    ...(env[ENV.activityRetentionDays] !== undefined
      ? { activityRetentionDays: retentionDays(env[ENV.activityRetentionDays]) }
      : {}),
    activityFromStream: env[ENV.activityFromStream] === '1',
  });
}

/** Builds the runtime on first use and keeps it for the life of the container. */
export function lazyRuntime(build: () => Runtime = runtimeFromEnv): () => Runtime {
  return onFirstUse(build);
}

function retentionDays(value: string | undefined): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) {
    throw new Error(`${ENV.activityRetentionDays} must be a whole number of days (0 turns activity off)`);
  }
  return days;
}
