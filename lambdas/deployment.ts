/**
 * What the CDK app (lib/) may know of the deployed code, and the only module of lambdas/ it
 * imports (a rule in .dependency-cruiser.cjs): the route table, environment variable names,
 * the table's shape, the metric namespace, and the schema registry with its JSON Schemas for
 * build-time validators. Plain data and pure functions only: nothing here reaches an AWS SDK
 * client, so the CDK app never loads one.
 */

export {
  DEFAULT_TENANT_RATE_LIMIT,
  type RateLimit,
  rateLimitTier,
  TOKENLESS_TARGETS,
} from './auth/rate-limit';
export { WEBHOOK_RETRY } from './events/webhook-delivery';
export type { ConsoleAssets } from './http/console-assets';
export { ROUTES, type RouteTarget, SCIM_PREFIX } from './routes';
export type { ResourceTypeName } from './scim/meta';
export { resourceJsonSchema } from './scim/schema/json-schema';
export { defaultSchemaRegistry, SCHEMA_EXTENSIONS_ENV, type SchemaRegistry } from './scim/schema/registry';
export { AJV_OPTIONS, schemaFingerprint, VALIDATORS_SPECIFIER } from './scim/schema/validator-contract';
export { CHANGE_ITEM_SORT_KEYS, FEED_ENTRY_SK_PREFIX } from './store/keys';
export { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from './store/table-definition';

/** Environment variable names of the API functions, set by the CDK construct and the local server. */
export const ENV = {
  tableName: 'TABLE_NAME',
  dynamoEndpoint: 'DYNAMODB_ENDPOINT',
  tokenSecretId: 'TOKEN_SECRET_ID',
  tokenFile: 'SCIM_TOKEN_FILE',
  tokenCacheTtl: 'TOKEN_CACHE_TTL_SECONDS',
  tokenStaleGrace: 'TOKEN_STALE_GRACE_SECONDS',
  cursorKeySecretId: 'CURSOR_KEY_SECRET_ID',
  baseUrl: 'SCIM_BASE_URL',
  activityRetentionDays: 'ACTIVITY_RETENTION_DAYS',
  /**
   * `1` when a stream consumer writes the activity items that single writes stamp on the items
   * they write (changeEvents on; the local server while its stream follower runs).
   */
  activityFromStream: 'ACTIVITY_FROM_STREAM',
  /** Days change-feed entries are kept (the feed reader and the stream consumer); default 30. */
  feedRetentionDays: 'FEED_RETENTION_DAYS',
  /** `1` when nothing writes the change feed (changeEvents off): GET /Events answers 404. */
  feedDisabled: 'FEED_DISABLED',
} as const;

/** Environment variable names of the change-events function. */
export const EVENTS_ENV = {
  busName: 'EVENT_BUS_NAME',
  includeResource: 'EVENTS_INCLUDE_RESOURCE',
} as const;

/** Records per invocation of the change-events function (its event source; the local follower too). */
export const CHANGE_STREAM_BATCH_SIZE = 100;

/** The module specifier of the console's built files in the console bundle (lib/console-build.ts writes it). */
export const CONSOLE_ASSETS_SPECIFIER = 'console-assets';

/** Environment variable names of the webhook functions (docs/WEBHOOKS.md). */
export const WEBHOOK_ENV = {
  url: 'WEBHOOK_URL',
  secretId: 'WEBHOOK_SECRET_ID',
  queueUrl: 'WEBHOOK_QUEUE_URL',
  /** The pushed SETs' `iss`: the deployment's SCIM base URL, as the feed serves it. */
  issuer: 'WEBHOOK_ISSUER',
} as const;

/** The webhook sender's metrics: namespace METRIC_NAMESPACE, dimension `service`. */
export const WEBHOOK_METRICS = { service: 'scim-webhooks', failures: 'WebhookDeliveryFailures' } as const;

/** CloudWatch namespace of the functions' metrics (EMF) and of the alarms on them. */
export const METRIC_NAMESPACE = 'Scim';

/** The challenge a 401 carries (RFC 6750 §3); the gateway's own 401 response sends the same. */
export const BEARER_CHALLENGE = 'Bearer realm="SCIM"';
