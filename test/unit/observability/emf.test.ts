/**
 * The EMF writer: one line CloudWatch reads as metrics (namespace, the `service` dimension plus
 * the given ones, units, values), and nothing when metrics are turned off or there are none.
 */
import { publishMetrics } from '../../../lambdas/observability/emf';

function capture(run: () => void): string[] {
  const lines: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => lines.push(String(chunk)) > 0);
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

const record = {
  namespace: 'Scim',
  service: 'scim-events',
  dimensions: { operation: 'Users.get' },
  metrics: [
    { name: 'FeedLagMilliseconds', unit: 'Milliseconds', value: 42 },
    { name: 'DynamoRequests', unit: 'Count', value: 0 },
  ],
} as const;

it('writes one EMF line with the directive, the dimensions and the values', () => {
  const lines = capture(() => publishMetrics(record, {}));
  expect(lines).toHaveLength(1);
  expect(lines[0]?.endsWith('\n')).toBe(true);
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  expect(line).toMatchObject({
    service: 'scim-events',
    operation: 'Users.get',
    FeedLagMilliseconds: 42,
    DynamoRequests: 0,
    _aws: {
      CloudWatchMetrics: [
        {
          Namespace: 'Scim',
          Dimensions: [['service', 'operation']],
          Metrics: [
            { Name: 'FeedLagMilliseconds', Unit: 'Milliseconds' },
            { Name: 'DynamoRequests', Unit: 'Count' },
          ],
        },
      ],
    },
  });
  expect(Math.abs(Number((line._aws as { Timestamp: number }).Timestamp) - Date.now())).toBeLessThan(5000);
});

it('writes nothing when disabled, in dev mode unless re-enabled, or without metrics', () => {
  expect(capture(() => publishMetrics(record, { POWERTOOLS_METRICS_DISABLED: 'true' }))).toEqual([]);
  expect(capture(() => publishMetrics(record, { POWERTOOLS_DEV: 'true' }))).toEqual([]);
  expect(
    capture(() => publishMetrics(record, { POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' })),
  ).toHaveLength(1);
  expect(capture(() => publishMetrics({ ...record, metrics: [] }, {}))).toEqual([]);
});
