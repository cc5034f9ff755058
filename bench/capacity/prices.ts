/**
 * AWS list prices the capacity model uses, written once: us-east-1, on-demand, USD, as
 * published on the services' pricing pages (checked 2026-12). A price change is an edit here
 * followed by `npm run capacity`; nothing else in the model carries a price.
 */
export const PRICES = {
  /** DynamoDB on-demand: per million write / read request units; storage per GB-month. */
  dynamoWriteRequestUnitPerMillion: 0.625,
  dynamoReadRequestUnitPerMillion: 0.125,
  dynamoStorageGbMonth: 0.25,
  /** EventBridge: custom events put on a bus, per million (each 64 KB chunk of an entry is one). */
  eventBridgeEventPerMillion: 1,
  /** Lambda on arm64 (the stack's architecture): per GB-second and per million requests. */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  /** API Gateway REST API, per million requests, by monthly tier (first 333 M, next 667 M, next 19 B, beyond). */
  apiGatewayRestTiers: [
    { upToMillions: 333, perMillion: 3.5 },
    { upToMillions: 1000, perMillion: 2.8 },
    { upToMillions: 20_000, perMillion: 2.38 },
    { upToMillions: Number.POSITIVE_INFINITY, perMillion: 1.51 },
  ],
  /** Secrets Manager: per secret-month and per 10,000 API calls. */
  secretMonth: 0.4,
  secretCallsPer10k: 0.05,
  /** CloudWatch Logs ingestion per GB (standard class); custom metrics per metric-month (first 10,000). */
  logsIngestionGb: 0.5,
  customMetricMonth: 0.3,
} as const;
