/**
 * The capacity and cost model's arithmetic: measured per-operation DynamoDB costs (the bench's
 * cost section) priced at AWS list prices (prices.ts) and multiplied by an IdP workload. Pure
 * functions of their inputs, so test/unit/bench/capacity-model.test.ts checks them on a small
 * fixture. Assumptions are the named constants below; docs/CAPACITY.md prints them as tables.
 */
import type { DynamoCost } from '../../lambdas/observability/dynamo-cost';
import type { BenchResults } from '../lib/results';
import { PRICES } from './prices';

/** What the stream consumer spends on one operation's records (measured, the operation alone in its batch). */
interface ConsumerPrice {
  readonly requests: number;
  readonly readUnits: number;
  /** As OperationPrice.writeUnits. */
  readonly writeUnits: number;
  /** Change events put on EventBridge. */
  readonly events: number;
  /**
   * Estimated duration of each consumer invocation the operation causes, as if its records came
   * alone: as many as the bench measured (batches of up to 100 records the event filter passes:
   * one for a write of a user, group or membership, none for a request that wrote only its
   * activity record; the consumer's own feed and activity writes invoke nothing; an upper bound,
   * as the local follower batches each stream page apart). Under load, batches of many records
   * share invocations.
   */
  readonly invocationMs: readonly number[];
}

/** What AWS bills for one operation, from its measured DynamoDB cost and its stream consumer's. */
export interface OperationPrice {
  readonly operation: string;
  readonly requests: number;
  readonly readUnits: number;
  /** Write request units with transactional items at 2× (see awsWriteUnits). */
  readonly writeUnits: number;
  readonly lambdaMs: number;
  readonly consumer: ConsumerPrice;
  /** USD per million calls of this operation: the request path and the stream consumer, all services. */
  readonly usdPerMillion: number;
}

/**
 * Latency of one DynamoDB round trip from Lambda in the same region (ms), by action: the
 * assumption the Lambda duration estimate rests on (DynamoDB Local's latency is not AWS's).
 */
export const ROUND_TRIP_MS: Readonly<Record<string, number>> = {
  GetItem: 4,
  Query: 5,
  BatchGetItem: 6,
  PutItem: 6,
  UpdateItem: 6,
  DeleteItem: 6,
  BatchWriteItem: 10,
  TransactWriteItems: 15,
};
const DEFAULT_ROUND_TRIP_MS = 6;
/** Our own CPU per request on a warm function (parse, auth cache hit, present, log): ~1 ms measured locally, doubled. */
export const HANDLER_OVERHEAD_MS = 2;
/** The stack's function memory (lib/scim-stack.ts default, 1024 MB). */
const LAMBDA_MEMORY_GB = 1;
/** Log bytes per request: the request log line, the EMF metrics line, Lambda's START/END/REPORT. */
export const LOG_BYTES_PER_REQUEST = 1300;

/**
 * AWS write units of a measured cost. DynamoDB Local reports a transactional write like a plain
 * one and under-reports multi-item transactions, so the transactional part is taken as at least
 * one unit per item sent, then doubled as AWS bills it.
 */
export function awsWriteUnits(cost: DynamoCost): number {
  const transactional = Math.max(cost.transactWriteCapacityUnits ?? 0, cost.transactItems ?? 0);
  const plain = cost.writeCapacityUnits - (cost.transactWriteCapacityUnits ?? 0);
  return plain + 2 * transactional;
}

/** Estimated Lambda duration: our overhead plus each DynamoDB round trip in series. */
export function lambdaMs(cost: DynamoCost): number {
  let ms = HANDLER_OVERHEAD_MS;
  for (const [action, count] of Object.entries(cost.byCommand)) {
    ms += count * (ROUND_TRIP_MS[action] ?? DEFAULT_ROUND_TRIP_MS);
  }
  return ms;
}

/** USD of one request's Lambda invocation (billed per ms) and log ingestion, API Gateway excluded (tiered). */
function perRequestUsd(ms: number): number {
  return (
    (Math.ceil(ms) / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaArmGbSecond +
    PRICES.lambdaRequestPerMillion / 1e6 +
    (LOG_BYTES_PER_REQUEST / 1e9) * PRICES.logsIngestionGb
  );
}

const dynamoUsd = (readUnits: number, writeUnits: number): number =>
  (readUnits * PRICES.dynamoReadRequestUnitPerMillion +
    writeUnits * PRICES.dynamoWriteRequestUnitPerMillion) /
  1e6;

/** USD of the stream consumer's Lambda time and invocations for one operation. */
const consumerLambdaUsd = (consumer: ConsumerPrice): number =>
  consumer.invocationMs.reduce(
    (usd, ms) =>
      usd +
      (Math.ceil(ms) / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaArmGbSecond +
      PRICES.lambdaRequestPerMillion / 1e6,
    0,
  );

const eventBridgeUsd = (events: number): number => (events * PRICES.eventBridgeEventPerMillion) / 1e6;

/**
 * Every measured operation of the cost section, priced (new rows flow in without a code change).
 * Fails on a row without the stream consumer's measurement (results older than that column).
 */
export function priceOperations(results: BenchResults): OperationPrice[] {
  const rows = results.sections.cost?.rows ?? [];
  return rows.flatMap((row) => {
    if (!row.cost) return [];
    const measured = row.consumer;
    if (measured?.invocations === undefined)
      throw new Error(
        `no stream consumer measurement for "${row.operation}": run npm run bench -- --only cost`,
      );
    const writeUnits = awsWriteUnits(row.cost);
    const ms = lambdaMs(row.cost);
    const consumer: ConsumerPrice = {
      requests: measured.cost.requests,
      readUnits: measured.cost.readCapacityUnits,
      writeUnits: awsWriteUnits(measured.cost),
      events: measured.events,
      // The work's round trips are priced once, in the first invocation; any other (more than
      // a batch of records, or the records of orphan memberships it removed) adds the handler's
      // overhead: the same total as pricing each invocation's own round trips.
      invocationMs: Array.from({ length: measured.invocations }, (_, i) =>
        i === 0 ? lambdaMs(measured.cost) : HANDLER_OVERHEAD_MS,
      ),
    };
    const usd =
      dynamoUsd(row.cost.readCapacityUnits + consumer.readUnits, writeUnits + consumer.writeUnits) +
      perRequestUsd(ms) +
      PRICES.apiGatewayRestTiers[0].perMillion / 1e6 +
      consumerLambdaUsd(consumer) +
      eventBridgeUsd(consumer.events);
    return [
      {
        operation: row.operation,
        requests: row.cost.requests,
        readUnits: row.cost.readCapacityUnits,
        writeUnits,
        lambdaMs: ms,
        consumer,
        usdPerMillion: usd * 1e6,
      },
    ];
  });
}

/** USD for `millions` of API Gateway REST requests in one month, tier by tier. */
export function apiGatewayUsd(millions: number): number {
  let usd = 0;
  let floor = 0;
  for (const tier of PRICES.apiGatewayRestTiers) {
    const inTier = Math.max(0, Math.min(millions, tier.upToMillions) - floor);
    usd += inTier * tier.perMillion;
    floor = tier.upToMillions;
    if (millions <= floor) break;
  }
  return usd;
}

/** One line of a workload: how many times an operation runs per tenant of `users` users. */
export interface WorkloadLine {
  readonly label: string;
  /** The cost row (operation name) whose measurement prices it. */
  readonly operation: string;
  /** Calls per tenant as a function of its user count. */
  readonly calls: (users: number) => number;
}

/** Assumptions of a realistic Okta / Entra ID tenant (printed in docs/CAPACITY.md). */
export const ASSUMPTIONS = {
  /** Pushed groups per user (a user is in ~5 pushed groups; groups average 50 members). */
  groupsPerUser: 5,
  membersPerGroup: 50,
  /** Members per Group Push PATCH during the initial push. */
  membersPerPush: 100,
  /** Daily churn as fractions of the user count. */
  joinersPerDay: 0.001,
  leaversPerDay: 0.001,
  profileUpdatesPerDay: 0.02,
  membershipMovesPerDay: 0.01,
  /** Full user reads per day (Okta's scheduled import, or an Entra restart): 100 users per page. */
  fullReadsPerDay: 1,
  /** Share of a day's requests in its busiest hour (a morning HR batch). */
  busiestHourShare: 0.25,
  /** How fast the IdP pushes during an initial import, requests per second per tenant. */
  importRequestsPerSecond: 25,
  /** Of 1,000 tenants, how many import at the same time (onboarding waves). */
  concurrentImports: 10,
  daysPerMonth: 30,
} as const;

const groupsOf = (users: number): number =>
  Math.max(1, Math.round((users * ASSUMPTIONS.groupsPerUser) / ASSUMPTIONS.membersPerGroup));

/** The initial import: every user looked up then created, every group created and filled by Group Push. */
export const IMPORT_WORKLOAD: readonly WorkloadLine[] = [
  {
    label: 'userName eq look-up before create',
    operation: 'userName eq lookup (no match, Okta pre-create)',
    calls: (u) => u,
  },
  { label: 'create user', operation: 'create user', calls: (u) => u },
  { label: 'create group', operation: 'create group (no members)', calls: groupsOf },
  {
    label: 'Group Push, 100 members per PATCH',
    operation: 'add 100 members (PATCH add)',
    calls: (u) => Math.ceil((u * ASSUMPTIONS.groupsPerUser) / ASSUMPTIONS.membersPerPush),
  },
];

/** One ordinary day after the import. */
export const DAILY_WORKLOAD: readonly WorkloadLine[] = [
  {
    label: 'joiner: look-up',
    operation: 'userName eq lookup (no match, Okta pre-create)',
    calls: (u) => u * ASSUMPTIONS.joinersPerDay,
  },
  {
    label: 'joiner: create',
    operation: 'create user',
    calls: (u) => u * ASSUMPTIONS.joinersPerDay,
  },
  {
    label: 'joiner: group adds',
    operation: 'add 1 member (PATCH add)',
    calls: (u) => u * ASSUMPTIONS.joinersPerDay * ASSUMPTIONS.groupsPerUser,
  },
  {
    label: 'leaver: deactivate',
    operation: 'deactivate (path-less PATCH active=false)',
    calls: (u) => u * ASSUMPTIONS.leaversPerDay,
  },
  {
    label: 'leaver: group removals',
    operation: 'remove 1 member (Okta path filter)',
    calls: (u) => u * ASSUMPTIONS.leaversPerDay * ASSUMPTIONS.groupsPerUser,
  },
  {
    label: 'profile update: read',
    operation: 'get user',
    calls: (u) => u * ASSUMPTIONS.profileUpdatesPerDay,
  },
  {
    label: 'profile update: PATCH',
    operation: 'PATCH one attribute',
    calls: (u) => u * ASSUMPTIONS.profileUpdatesPerDay,
  },
  {
    label: 'membership move: add',
    operation: 'add 1 member (PATCH add)',
    calls: (u) => u * ASSUMPTIONS.membershipMovesPerDay,
  },
  {
    label: 'membership move: remove',
    operation: 'remove 1 member (Okta path filter)',
    calls: (u) => u * ASSUMPTIONS.membershipMovesPerDay,
  },
];

/** A full read of the users, priced from the import section's measured cost per page. */
export interface PageCost {
  readonly readUnits: number;
  readonly requests: number;
}

/** Measured cost of one 100-user page (startIndex paging, the Okta way), from the import section. */
export function pageCost(results: BenchResults): PageCost {
  const run = results.sections.import?.runs.find((r) => r.mode === 'startIndex' && r.pages);
  if (!run?.pages || run.totalRcu === undefined || run.totalRequests === undefined) {
    throw new Error('bench results have no startIndex import run: run npm run bench -- --only import');
  }
  return { readUnits: run.totalRcu / run.pages, requests: run.totalRequests / run.pages };
}

/** Totals of a workload for one tenant size. */
export interface WorkloadTotals {
  readonly httpRequests: number;
  readonly dynamoRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Change events the stream consumer puts on EventBridge. */
  readonly events: number;
  /** Lambda time on the request path (the stream consumer's is in the USD only). */
  readonly lambdaSeconds: number;
  /** USD without API Gateway (its price is tiered on the month's total). */
  readonly usdExceptApi: number;
}

const ZERO: WorkloadTotals = {
  httpRequests: 0,
  dynamoRequests: 0,
  readUnits: 0,
  writeUnits: 0,
  events: 0,
  lambdaSeconds: 0,
  usdExceptApi: 0,
};

function add(a: WorkloadTotals, b: WorkloadTotals): WorkloadTotals {
  return {
    httpRequests: a.httpRequests + b.httpRequests,
    dynamoRequests: a.dynamoRequests + b.dynamoRequests,
    readUnits: a.readUnits + b.readUnits,
    writeUnits: a.writeUnits + b.writeUnits,
    events: a.events + b.events,
    lambdaSeconds: a.lambdaSeconds + b.lambdaSeconds,
    usdExceptApi: a.usdExceptApi + b.usdExceptApi,
  };
}

/** A workload line: the request path and the stream consumer's work on what it wrote. */
function lineTotals(calls: number, price: OperationPrice): WorkloadTotals {
  const { consumer } = price;
  const readUnits = (price.readUnits + consumer.readUnits) * calls;
  const writeUnits = (price.writeUnits + consumer.writeUnits) * calls;
  const events = consumer.events * calls;
  return {
    httpRequests: calls,
    dynamoRequests: (price.requests + consumer.requests) * calls,
    readUnits,
    writeUnits,
    events,
    lambdaSeconds: (price.lambdaMs * calls) / 1000,
    usdExceptApi:
      dynamoUsd(readUnits, writeUnits) +
      (perRequestUsd(price.lambdaMs) + consumerLambdaUsd(consumer)) * calls +
      eventBridgeUsd(events),
  };
}

/** Totals of a workload for a tenant of `users` users; fails on an operation the bench did not measure. */
export function workloadTotals(
  lines: readonly WorkloadLine[],
  prices: readonly OperationPrice[],
  users: number,
): WorkloadTotals {
  return lines.reduce((sum, line) => {
    const price = prices.find((p) => p.operation === line.operation);
    if (!price) throw new Error(`no measured cost for "${line.operation}": run npm run bench -- --only cost`);
    return add(sum, lineTotals(line.calls(users), price));
  }, ZERO);
}

/** The daily full read of the users, `users / 100` pages. */
function fullReadTotals(page: PageCost, users: number, reads = ASSUMPTIONS.fullReadsPerDay): WorkloadTotals {
  const pages = Math.ceil(users / 100) * reads;
  const ms = HANDLER_OVERHEAD_MS + page.requests * (ROUND_TRIP_MS.Query ?? DEFAULT_ROUND_TRIP_MS);
  const readUnits = page.readUnits * pages;
  return {
    httpRequests: pages,
    dynamoRequests: page.requests * pages,
    readUnits,
    writeUnits: 0,
    events: 0,
    lambdaSeconds: (ms * pages) / 1000,
    usdExceptApi: dynamoUsd(readUnits, 0) + perRequestUsd(ms) * pages,
  };
}

/** The month of a fleet of `tenants` tenants of `users` users each, in steady state. */
export interface MonthEstimate {
  readonly users: number;
  readonly tenants: number;
  readonly httpRequests: number;
  readonly dynamoUsd: number;
  /** Lambda (request path and stream consumer) and log ingestion. */
  readonly lambdaUsd: number;
  /** The stream consumer's change events on EventBridge. */
  readonly eventBridgeUsd: number;
  readonly apiUsd: number;
  /** Secrets, their API calls, the EMF custom metrics. */
  readonly otherUsd: number;
  readonly storageUsd: number;
  readonly totalUsd: number;
  /** One-time cost of importing every tenant (all services). */
  readonly importUsd: number;
  readonly importHours: number;
  readonly peakRequestsPerSecond: number;
  readonly peakConcurrency: number;
  readonly storageGb: number;
}

/** Fixed monthly costs of one stack: two secrets (tokens, cursor key) and the EMF metrics. */
const FIXED = {
  secrets: 2,
  /** Custom metrics: 4 (DynamoRequests, RCU, WCU, Retries) per operation dimension value, ~20 operations. */
  customMetrics: 80,
  /** GetSecretValue calls per warm function per month (60 s cache while requests arrive: at most one a minute). */
  secretCallsPerWarmFunctionMonth: 43_200,
} as const;

/**
 * Upper bound of stored GB: every item write DynamoDB Local measured at a user's create (minus
 * the counter update) and a membership's (minus the group item it rewrites) is at most 1 KB.
 */
export function storageGbPerTenant(results: BenchResults, users: number): number {
  const row = (operation: string) => results.sections.cost?.rows.find((r) => r.operation === operation)?.cost;
  const userKb = Math.max(0, (row('create user')?.writeCapacityUnits ?? 0) - 1);
  const membershipKb = Math.max(0, (row('add 1 member (PATCH add)')?.transactItems ?? 0) - 1);
  return (users * (userKb + ASSUMPTIONS.groupsPerUser * membershipKb)) / 1024 / 1024;
}

export function monthEstimate(results: BenchResults, users: number, tenants: number): MonthEstimate {
  const prices = priceOperations(results);
  const page = pageCost(results);
  const day = add(workloadTotals(DAILY_WORKLOAD, prices, users), fullReadTotals(page, users));
  const imported = workloadTotals(IMPORT_WORKLOAD, prices, users);
  const month = ASSUMPTIONS.daysPerMonth * tenants;
  const httpRequests = day.httpRequests * month;
  const dynamo = dynamoUsd(day.readUnits * month, day.writeUnits * month);
  const events = eventBridgeUsd(day.events * month);
  const lambdaAndLogs = day.usdExceptApi * month - dynamo - events;
  const avgSeconds = day.lambdaSeconds / day.httpRequests;
  const steadyPeak = (day.httpRequests * ASSUMPTIONS.busiestHourShare * tenants) / 3600;
  const importing = Math.min(tenants, ASSUMPTIONS.concurrentImports);
  const peak = steadyPeak + importing * ASSUMPTIONS.importRequestsPerSecond;
  const concurrency = Math.ceil(peak * Math.max(avgSeconds, imported.lambdaSeconds / imported.httpRequests));
  const storageGb = storageGbPerTenant(results, users) * tenants;
  const storage = storageGb * PRICES.dynamoStorageGbMonth;
  const other =
    FIXED.secrets * PRICES.secretMonth +
    ((concurrency * FIXED.secretCallsPerWarmFunctionMonth * FIXED.secrets) / 10_000) *
      PRICES.secretCallsPer10k +
    FIXED.customMetrics * PRICES.customMetricMonth;
  const api = apiGatewayUsd(httpRequests / 1e6);
  return {
    users,
    tenants,
    httpRequests,
    dynamoUsd: dynamo,
    lambdaUsd: lambdaAndLogs,
    eventBridgeUsd: events,
    apiUsd: api,
    otherUsd: other,
    storageUsd: storage,
    totalUsd: dynamo + lambdaAndLogs + events + api + other + storage,
    importUsd: (imported.usdExceptApi + apiGatewayUsd(imported.httpRequests / 1e6)) * tenants,
    importHours: imported.httpRequests / ASSUMPTIONS.importRequestsPerSecond / 3600,
    peakRequestsPerSecond: peak,
    peakConcurrency: concurrency,
    storageGb,
  };
}
