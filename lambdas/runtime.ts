/**
 * The composition root: everything a handler needs, built once per Lambda container (or local
 * server process) from environment variables. Tests build a Runtime directly with their own
 * table and tokens, so they run the same code paths as production.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Authenticate, createAuthenticator } from './auth/authenticator';
import { secretsManagerCursorKeys } from './auth/cursor-keys';
import { fileTokenSource } from './auth/file-token-source';
import { secretsManagerTokenSource, tokenCacheSettingsFromEnv } from './auth/secrets-manager-token-source';
import { ENV } from './deployment';
import type { RecordActivity } from './http/activity';
import { logger } from './observability/logger';
import { DEFAULT_ACTIVITY_RETENTION_DAYS, recordActivity } from './store/activity-store';
import { createDocumentClient } from './store/client';

/** What a Runtime is built from (createRuntime); tests and benchmarks may write one directly. */
export interface RuntimeSettings {
  readonly authenticate: Authenticate;
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Overrides the base URL derived from the request (custom domains behind a proxy). */
  readonly baseUrl?: string;
  /** Days provisioning activity is kept (default 90); 0 turns recording off. */
  readonly activityRetentionDays?: number;
  /** Cursor-signing keys, current first (the stack's secret); default: SCIM_CURSOR_KEY or the table name. */
  readonly cursorKeys?: () => Promise<readonly string[]>;
}

export interface Runtime extends RuntimeSettings {
  /** Records each mutating request's activity; without one nothing is recorded. */
  readonly recordActivity?: RecordActivity;
}

/** The Runtime for these settings, with the activity recorder they call for. */
export function createRuntime(settings: RuntimeSettings): Runtime {
  const { db, tableName } = settings;
  const days = settings.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  return {
    ...settings,
    recordActivity: days === 0 ? undefined : (record) => recordActivity(db, tableName, record, days),
  };
}

function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const secretId = env[ENV.tokenSecretId];
  const tokenFile = env[ENV.tokenFile];
  const source = secretId
    ? secretsManagerTokenSource({ secretId, ...tokenCacheSettingsFromEnv(env), log: logger })
    : tokenFile
      ? fileTokenSource(tokenFile)
      : undefined;
  if (!source)
    throw new Error(`Set ${ENV.tokenSecretId} (AWS) or ${ENV.tokenFile} (local) for authentication`);
  const endpoint = env[ENV.dynamoEndpoint];
  const cursorKeySecretId = env[ENV.cursorKeySecretId];
  return createRuntime({
    ...(cursorKeySecretId ? { cursorKeys: secretsManagerCursorKeys({ secretId: cursorKeySecretId }) } : {}),
    authenticate: createAuthenticator(source),
    db: createDocumentClient(endpoint ? { endpoint } : {}),
    tableName,
    ...(env[ENV.baseUrl] ? { baseUrl: env[ENV.baseUrl] } : {}),
    ...(env[ENV.activityRetentionDays] !== undefined
      ? { activityRetentionDays: retentionDays(env[ENV.activityRetentionDays]) }
      : {}),
  });
}

/** Builds the runtime on first use and keeps it for the life of the container. */
export function lazyRuntime(build: () => Runtime = runtimeFromEnv): () => Runtime {
  let runtime: Runtime | undefined;
  return () => {
    runtime ??= build();
    return runtime;
  };
}

function retentionDays(value: string | undefined): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) {
    throw new Error(`${ENV.activityRetentionDays} must be a whole number of days (0 turns activity off)`);
  }
  return days;
}
