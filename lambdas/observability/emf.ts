/**
 * CloudWatch metrics in Embedded Metric Format: one JSON line on stdout per publish, the record
 * Powertools Metrics wrote (namespace, dimensions `service` plus the given ones, the values),
 * without loading Powertools at every cold start (docs/DECISIONS.md). Nothing is written when
 * POWERTOOLS_METRICS_DISABLED is true, or with POWERTOOLS_DEV=true unless it is set to false.
 */

type MetricUnit = 'Count' | 'Milliseconds';

export interface Metric {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

export interface MetricRecord {
  readonly namespace: string;
  /** The default dimension every record carries. */
  readonly service: string;
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly metrics: readonly Metric[];
}

const TRUE = new Set(['1', 'y', 'yes', 't', 'true', 'on']);

function isDisabled(env: NodeJS.ProcessEnv): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  if (disabled !== undefined) return TRUE.has(disabled.toLowerCase());
  return TRUE.has((env.POWERTOOLS_DEV ?? '').toLowerCase());
}

/** Writes `record` as one EMF line; a record without metrics writes nothing. */
export function publishMetrics(record: MetricRecord, env: NodeJS.ProcessEnv = process.env): void {
  if (record.metrics.length === 0 || isDisabled(env)) return;
  const dimensions = { service: record.service, ...record.dimensions };
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: record.namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: record.metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(record.metrics.map(({ name, value }) => [name, value])),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
