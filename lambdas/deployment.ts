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
export { ROUTES, type RouteTarget, SCIM_PREFIX } from './routes';
export type { ResourceTypeName } from './scim/meta';
export { resourceJsonSchema } from './scim/schema/json-schema';
export { defaultSchemaRegistry, SCHEMA_EXTENSIONS_ENV, type SchemaRegistry } from './scim/schema/registry';
export { AJV_OPTIONS, schemaFingerprint, VALIDATORS_SPECIFIER } from './scim/schema/validator-contract';
export { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from './store/table-definition';

/** Environment variable names of the API functions, set by the CDK construct and the local server. */
export const ENV = {
  tableName: 'TABLE_NAME',
  dynamoEndpoint: 'DYNAMODB_ENDPOINT',
  tokenSecretId: 'TOKEN_SECRET_ID',
  tokenFile: 'SCIM_TOKEN_FILE',
  tokenCacheTtl: 'TOKEN_CACHE_TTL_SECONDS',
  cursorKeySecretId: 'CURSOR_KEY_SECRET_ID',
  baseUrl: 'SCIM_BASE_URL',
  activityRetentionDays: 'ACTIVITY_RETENTION_DAYS',
} as const;

/** Environment variable names of the change-events function. */
export const EVENTS_ENV = {
  busName: 'EVENT_BUS_NAME',
  includeResource: 'EVENTS_INCLUDE_RESOURCE',
} as const;

/** CloudWatch namespace of the functions' metrics (EMF) and of the alarms on them. */
export const METRIC_NAMESPACE = 'Scim';

/** The challenge a 401 carries (RFC 6750 §3); the gateway's own 401 response sends the same. */
export const BEARER_CHALLENGE = 'Bearer realm="SCIM"';
