/**
 * The part of the composition root (runtime.ts) that needs no table: authentication, base URL
 * and cursor keys from the environment, and the runtime of a function that never touches the
 * table (discovery). Kept apart so that bundle carries no DynamoDB client.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Authenticate, createAuthenticator } from './auth/authenticator';
import { secretsManagerCursorKeys } from './auth/cursor-keys';
import { fileTokenSource } from './auth/file-token-source';
import { secretsManagerReader } from './auth/secret-reader';
import { secretsManagerTokenSource, tokenCacheSettingsFromEnv } from './auth/secrets-manager-token-source';
import { ENV } from './deployment';
import { logger } from './observability/logger';

/** What every function needs whether or not it has a table (runtime.ts adds the table). */
export interface AuthSettings {
  readonly authenticate: Authenticate;
  /** Overrides the base URL derived from the request (custom domains behind a proxy). */
  readonly baseUrl?: string;
  /** Cursor-signing keys, current first (the stack's secret); default: SCIM_CURSOR_KEY or the table name. */
  readonly cursorKeys?: () => Promise<readonly string[]>;
}

/** What every function builds from the environment: authentication, base URL, cursor keys. */
export function authSettingsFromEnv(env: NodeJS.ProcessEnv): AuthSettings {
  const secretId = env[ENV.tokenSecretId];
  const tokenFile = env[ENV.tokenFile];
  const cursorKeySecretId = env[ENV.cursorKeySecretId];
  // One reader for both secrets: one keep-alive connection to Secrets Manager, not two.
  const readSecret = secretsManagerReader();
  const source = secretId
    ? secretsManagerTokenSource({ secretId, ...tokenCacheSettingsFromEnv(env), log: logger, readSecret })
    : tokenFile
      ? fileTokenSource(tokenFile)
      : undefined;
  if (!source)
    throw new Error(`Set ${ENV.tokenSecretId} (AWS) or ${ENV.tokenFile} (local) for authentication`);
  return {
    ...(cursorKeySecretId
      ? { cursorKeys: secretsManagerCursorKeys({ secretId: cursorKeySecretId, readSecret }) }
      : {}),
    // Deployed tokens come from the token CLI; developer-chosen ones are the local server's.
    authenticate: createAuthenticator(source, undefined, { scimTokensOnly: secretId !== undefined }),
    ...(env[ENV.baseUrl] ? { baseUrl: env[ENV.baseUrl] } : {}),
  };
}

/**
 * The table client of a function without table access (discovery): any request rejects. It
 * keeps the DynamoDB client out of that bundle and its cold start (docs/BENCHMARKS.md, cold start).
 */
const NO_TABLE_CLIENT = new Proxy(
  {},
  {
    get: (_target, property) =>
      property === 'send' ? () => Promise.reject(new Error('this function has no table access')) : undefined,
  },
) as unknown as DynamoDBDocumentClient;

/** The runtime of a function that never touches the table: authentication only, nothing recorded. */
export function tableFreeRuntimeFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): AuthSettings & { readonly db: DynamoDBDocumentClient; readonly tableName: string } {
  return { ...authSettingsFromEnv(env), db: NO_TABLE_CLIENT, tableName: env[ENV.tableName] ?? '' };
}

/** Builds a value on first use and keeps it for the life of the container. */
export function onFirstUse<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
