/**
 * The capacity model's arithmetic on a small fixture: AWS's transactional doubling (with the
 * per-item floor DynamoDB Local needs), the Lambda duration estimate, API Gateway's tiers, a
 * workload's totals, and that every measured operation is priced without naming it in code.
 */
import {
  apiGatewayUsd,
  awsWriteUnits,
  HANDLER_OVERHEAD_MS,
  lambdaMs,
  monthEstimate,
  priceOperations,
  ROUND_TRIP_MS,
  storageGbPerTenant,
  type WorkloadLine,
  workloadTotals,
} from '../../../bench/capacity/model';
import { PRICES } from '../../../bench/capacity/prices';
import type { BenchResults, CostRow, CostSection } from '../../../bench/lib/results';
import type { DynamoCost } from '../../../lambdas/observability/dynamo-cost';

const cost = (fields: Partial<DynamoCost> & Pick<DynamoCost, 'byCommand'>): DynamoCost => ({
  requests: Object.values(fields.byCommand).reduce((a, b) => a + b, 0),
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  retries: 0,
  errors: 0,
  ...fields,
});
const NOTHING = cost({ byCommand: {} });
const row = (
  operation: string,
  c: DynamoCost,
  consumer = { cost: NOTHING, events: 0, invocations: 0 },
): CostRow => ({
  operation,
  target: 'no target',
  samples: 1,
  cost: c,
  consumer,
  verdict: 'no target',
});
// What the stream consumer measures for a stamped write: the activity PutItem (2 units with its
// index copy) and a feed transaction of the counter and one entry; one change event.
const CONSUMED = {
  cost: cost({
    byCommand: { PutItem: 1, TransactWriteItems: 1 },
    writeCapacityUnits: 4,
    transactItems: 2,
    transactWriteCapacityUnits: 2,
  }),
  events: 1,
  invocations: 1,
};

const GET = cost({ byCommand: { Query: 1 }, readCapacityUnits: 1 });
const PATCH = cost({ byCommand: { Query: 1, PutItem: 1 }, readCapacityUnits: 1, writeCapacityUnits: 4 });
// A transaction of 3 items DynamoDB Local reported as 10 units, plus a 1-unit counter update.
const CREATE = cost({
  byCommand: { TransactWriteItems: 1, UpdateItem: 1 },
  writeCapacityUnits: 11,
  transactItems: 3,
  transactWriteCapacityUnits: 10,
});
// 203 items reported as 24 units: the floor of one unit per item applies.
const ADD_100 = cost({
  byCommand: { BatchGetItem: 1, TransactWriteItems: 3 },
  readCapacityUnits: 50,
  writeCapacityUnits: 24,
  transactItems: 203,
  transactWriteCapacityUnits: 24,
});
const ADD_1 = cost({
  byCommand: { BatchGetItem: 1, TransactWriteItems: 1 },
  writeCapacityUnits: 8,
  transactItems: 3,
  transactWriteCapacityUnits: 8,
});

const results: BenchResults = {
  generatedAt: '2026-12-04T00:00:00.000Z',
  command: 'npm run bench',
  machine: { cpu: 'x', cores: 2, memoryGb: 1, os: 'x', node: 'x', dynamoDbLocal: 'x' },
  sections: {
    cost: {
      measuredAt: '2026-12-04T00:00:00.000Z',
      large: false,
      durationSeconds: 1,
      rows: [
        row('get user', GET),
        row('PATCH one attribute', PATCH, CONSUMED),
        row('create user', CREATE),
        row('add 100 members (PATCH add)', ADD_100),
        row('add 1 member (PATCH add)', ADD_1),
        row('a new operation nobody listed', GET),
        // The rest of the operations the workload names.
        row('userName eq lookup (no match, Okta pre-create)', GET),
        row('create group (no members)', CREATE),
        row('deactivate (path-less PATCH active=false)', PATCH),
        row('remove 1 member (Okta path filter)', ADD_1),
      ],
    },
    import: {
      measuredAt: '2026-12-04T00:00:00.000Z',
      large: false,
      durationSeconds: 1,
      users: 1000,
      pageSize: 100,
      runs: [{ mode: 'startIndex', supported: true, pages: 10, totalRcu: 100, totalRequests: 30 }],
    },
  },
};

/** The fixture with only these cost rows. */
const withRows = (rows: CostRow[]): BenchResults => ({
  ...results,
  sections: { ...results.sections, cost: { ...(results.sections.cost as CostSection), rows } },
});

describe('capacity model', () => {
  it('doubles transactional writes, with at least one unit per item sent', () => {
    expect(awsWriteUnits(PATCH)).toBe(4);
    expect(awsWriteUnits(CREATE)).toBe(1 + 2 * 10);
    expect(awsWriteUnits(ADD_100)).toBe(2 * 203);
  });

  it('estimates Lambda time as our overhead plus every round trip in series', () => {
    expect(lambdaMs(PATCH)).toBe(
      HANDLER_OVERHEAD_MS + (ROUND_TRIP_MS.Query ?? 0) + (ROUND_TRIP_MS.PutItem ?? 0),
    );
    expect(lambdaMs(cost({ byCommand: { SomethingNew: 2 } }))).toBe(HANDLER_OVERHEAD_MS + 2 * 6);
  });

  it('prices API Gateway tier by tier', () => {
    expect(apiGatewayUsd(1)).toBeCloseTo(3.5, 10);
    expect(apiGatewayUsd(333)).toBeCloseTo(333 * 3.5, 6);
    expect(apiGatewayUsd(1333)).toBeCloseTo(333 * 3.5 + 667 * 2.8 + 333 * 2.38, 6);
  });

  it('prices every measured operation, including ones the model never names', () => {
    const prices = priceOperations(results);
    expect(prices.map((p) => p.operation)).toContain('a new operation nobody listed');
    const get = prices.find((p) => p.operation === 'get user');
    const expected =
      PRICES.dynamoReadRequestUnitPerMillion * 1 +
      ((HANDLER_OVERHEAD_MS + 5) / 1000) * PRICES.lambdaArmGbSecond * 1e6 +
      PRICES.lambdaRequestPerMillion +
      (1300 / 1e9) * PRICES.logsIngestionGb * 1e6 +
      3.5;
    expect(get?.usdPerMillion).toBeCloseTo(expected, 6);
  });

  it('prices the stream consumer from its measurement: units, events and the invocations it counted', () => {
    const prices = priceOperations(results);
    const get = prices.find((p) => p.operation === 'get user');
    const patch = prices.find((p) => p.operation === 'PATCH one attribute');
    expect(get?.consumer).toEqual({ requests: 0, readUnits: 0, writeUnits: 0, events: 0, invocationMs: [] });
    // PutItem 2 plain units + 2 transactional items at 2 units, in its one invocation (the event
    // filter keeps the consumer's own feed and activity records from invoking it again).
    expect(patch?.consumer).toEqual({
      requests: 2,
      readUnits: 0,
      writeUnits: 2 + 2 * 2,
      events: 1,
      invocationMs: [
        HANDLER_OVERHEAD_MS + (ROUND_TRIP_MS.PutItem ?? 0) + (ROUND_TRIP_MS.TransactWriteItems ?? 0),
      ],
    });
    // Further invocations (more than a batch of records) add the handler's overhead.
    const twice = priceOperations(
      withRows([row('PATCH one attribute', PATCH, { ...CONSUMED, invocations: 2 })]),
    )[0];
    expect(twice?.consumer.invocationMs).toEqual([
      ...(patch?.consumer.invocationMs ?? []),
      HANDLER_OVERHEAD_MS,
    ]);
    // A request whose records the filter drops (a rejection's activity record) invokes nothing.
    const quiet = priceOperations(withRows([row('PATCH one attribute', PATCH)]))[0];
    expect(quiet?.consumer.invocationMs).toEqual([]);
    const consumerUsd =
      6 * PRICES.dynamoWriteRequestUnitPerMillion +
      PRICES.eventBridgeEventPerMillion +
      ((HANDLER_OVERHEAD_MS + (ROUND_TRIP_MS.PutItem ?? 0) + (ROUND_TRIP_MS.TransactWriteItems ?? 0)) /
        1000) *
        PRICES.lambdaArmGbSecond *
        1e6 +
      PRICES.lambdaRequestPerMillion;
    expect((patch?.usdPerMillion ?? 0) - (quiet?.usdPerMillion ?? 0)).toBeCloseTo(consumerUsd, 6);
  });

  it('refuses results without the stream consumer measurement or its invocation count', () => {
    const { consumer: _measured, ...old } = row('get user', GET);
    expect(() => priceOperations(withRows([old]))).toThrow(/no stream consumer measurement for "get user"/);
    const uncounted = {
      ...row('get user', GET),
      consumer: { cost: NOTHING, events: 0 },
    } as unknown as CostRow;
    expect(() => priceOperations(withRows([uncounted]))).toThrow(
      /no stream consumer measurement for "get user"/,
    );
  });

  it("adds a workload's calls and units, the stream consumer's included", () => {
    const lines: WorkloadLine[] = [
      { label: 'read', operation: 'get user', calls: (u) => u / 10 },
      { label: 'update', operation: 'PATCH one attribute', calls: (u) => u / 100 },
    ];
    const totals = workloadTotals(lines, priceOperations(results), 1000);
    expect(totals.httpRequests).toBe(100 + 10);
    expect(totals.dynamoRequests).toBe(100 * 1 + 10 * (2 + 2));
    expect(totals.readUnits).toBe(100 + 10);
    expect(totals.writeUnits).toBe(10 * (4 + 6));
    expect(totals.events).toBe(10);
    expect(() =>
      workloadTotals(
        [{ label: 'x', operation: 'not measured', calls: () => 1 }],
        priceOperations(results),
        1,
      ),
    ).toThrow(/no measured cost for "not measured"/);
  });

  it('scales a month linearly with tenants, except the fixed costs and the importing tenants', () => {
    const one = monthEstimate(results, 100_000, 1);
    const many = monthEstimate(results, 100_000, 1000);
    expect(many.httpRequests).toBeCloseTo(one.httpRequests * 1000, 3);
    expect(many.dynamoUsd).toBeCloseTo(one.dynamoUsd * 1000, 6);
    expect(many.otherUsd).toBeLessThan(one.otherUsd * 2);
    expect(many.peakRequestsPerSecond).toBeGreaterThan(one.peakRequestsPerSecond);
    expect(many.totalUsd).toBeCloseTo(
      many.dynamoUsd + many.lambdaUsd + many.eventBridgeUsd + many.apiUsd + many.otherUsd + many.storageUsd,
      6,
    );
    // Storage upper bound: (11 − 1) KB per user + 5 memberships × (3 − 1) KB.
    expect(storageGbPerTenant(results, 1024 * 1024)).toBeCloseTo(10 + 5 * 2, 6);
  });
});
