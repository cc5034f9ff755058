/**
 * The operator's CloudWatch dashboard (docs/DEPLOY.md says what each widget tells): requests and
 * 4xx/5xx per SCIM operation, latency, throttles and concurrency per function, DynamoDB capacity
 * and throttling, token-store failures, change-feed lag, webhook failures and dead letters, and
 * the state of every alarm. It graphs what it is given: the stack passes the same function list
 * it alarms on, so a function added there appears here too.
 *
 * Per-operation errors and token-store failures come from metric filters on the functions' log
 * lines (`request` with its status, `Token store unavailable`): no code on the request path.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE } from '../../lambdas/deployment';

export interface MonitoredFunction {
  readonly function: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
}

export interface ScimDashboardProps {
  readonly api: apigw.RestApi;
  /** Every function of the stack, by name (the list the alarms use). */
  readonly functions: Readonly<Record<string, MonitoredFunction>>;
  readonly table: dynamodb.ITable;
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Present when webhooks are on. */
  readonly webhooks?: {
    readonly failures: cloudwatch.IMetric;
    readonly deadLetters: cloudwatch.IMetric;
    readonly backlog: cloudwatch.IMetric;
  };
}

/** Metrics the dashboard's log filters publish (namespace METRIC_NAMESPACE). */
export const LOG_METRICS = {
  clientErrors: 'ClientErrors',
  serverErrors: 'ServerErrors',
  tokenStoreFailures: 'TokenStoreFailures',
} as const;

/** Metric filter patterns over the JSON log lines (observability/logger.ts) of lambdas/http/handler.ts and the token source. */
export const LOG_PATTERNS = {
  clientErrors: '{ $.message = "request" && $.status >= 400 && $.status < 500 }',
  serverErrors: '{ $.message = "request" && $.status >= 500 }',
  tokenStoreFailures: '{ $.message = "Token store unavailable" }',
} as const;

/** Dimensions of the per-request error metrics, read from the `request` log line. */
const REQUEST_DIMENSIONS = { route: '$.route', operation: '$.operation' } as const;

const PERIOD = Duration.minutes(5);
const WIDE = 24;
const THIRD = 8;
const HEIGHT = 6;

export class ScimDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScimDashboardProps) {
    super(scope, id);
    this.addLogMetrics(props.functions);
    const fns = Object.entries(props.functions);
    const perFunction = (
      label: string,
      metric: (fn: lambda.IFunction) => cloudwatch.Metric,
    ): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({
        title: label,
        width: THIRD,
        height: HEIGHT,
        left: fns.map(([name, monitored]) => metric(monitored.function).with({ label: name })),
      });
    const search = (metricName: string, statistic: string, label?: string): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        // Any dimensions: one line per operation (or per publisher).
        expression: `SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
        ...(label ? { label } : {}),
        period: PERIOD,
      });

    const stackName = Stack.of(this).stackName;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: WIDE,
        height: 2,
        markdown: `# SCIM service ${stackName}\nEach widget is explained in the repository's docs/DEPLOY.md (Operator dashboard). Alarms go to the stack's alarm topic.`,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: WIDE,
        height: 4,
        alarms: [...props.alarms],
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Requests per operation',
        width: THIRD,
        height: HEIGHT,
        // Every answered request that reached an operation publishes one DynamoRequests sample.
        left: [search('DynamoRequests', 'SampleCount')],
      }),
      new cloudwatch.GraphWidget({
        title: '4xx per operation',
        width: THIRD,
        height: HEIGHT,
        left: [search(LOG_METRICS.clientErrors, 'Sum')],
      }),
      new cloudwatch.GraphWidget({
        title: '5xx per operation',
        width: THIRD,
        height: HEIGHT,
        left: [search(LOG_METRICS.serverErrors, 'Sum')],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API Gateway: requests, 4xx, 5xx',
        width: THIRD,
        height: HEIGHT,
        left: [props.api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })],
        right: [
          props.api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
          props.api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'API Gateway latency (ms)',
        width: THIRD,
        height: HEIGHT,
        left: [
          props.api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
          props.api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Token store failures',
        width: THIRD,
        height: HEIGHT,
        left: [
          new cloudwatch.Metric({
            namespace: METRIC_NAMESPACE,
            metricName: LOG_METRICS.tokenStoreFailures,
            period: PERIOD,
            statistic: 'Sum',
            label: 'Secrets Manager reads failed',
          }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      perFunction('Duration p50 (ms)', (fn) => fn.metricDuration({ period: PERIOD, statistic: 'p50' })),
      perFunction('Duration p99 (ms)', (fn) => fn.metricDuration({ period: PERIOD, statistic: 'p99' })),
      perFunction('Errors', (fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
    );
    this.dashboard.addWidgets(
      perFunction('Throttles', (fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' })),
      perFunction('Concurrent executions (max)', (fn) =>
        fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum' }),
      ),
      perFunction('Invocations', (fn) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum' })),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed capacity',
        width: THIRD,
        height: HEIGHT,
        left: [
          props.table.metricConsumedReadCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'RCU' }),
          props.table.metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'WCU' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB throttling',
        width: THIRD,
        height: HEIGHT,
        left: [
          props.table.metric('ReadThrottleEvents', {
            period: PERIOD,
            statistic: 'Sum',
            label: 'read throttle events',
          }),
          props.table.metric('WriteThrottleEvents', {
            period: PERIOD,
            statistic: 'Sum',
            label: 'write throttle events',
          }),
          props.table.metricThrottledRequestsForOperations({ period: PERIOD }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Change-feed lag (ms)',
        width: THIRD,
        height: HEIGHT,
        // The feed writer's FeedLagMilliseconds: now − stream record time of a batch's newest record.
        left: [search('FeedLagMilliseconds', 'Maximum', 'max')],
        right: [search('FeedLagMilliseconds', 'Average', 'avg')],
      }),
    );
    if (props.webhooks) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Webhook failed attempts',
          width: THIRD,
          height: HEIGHT,
          left: [props.webhooks.failures],
        }),
        new cloudwatch.GraphWidget({
          title: 'Webhook dead letters',
          width: THIRD,
          height: HEIGHT,
          left: [props.webhooks.deadLetters],
        }),
        new cloudwatch.GraphWidget({
          title: 'Webhook backlog (age of oldest, s)',
          width: THIRD,
          height: HEIGHT,
          left: [props.webhooks.backlog],
        }),
      );
    }
  }

  /** One filter per log group and metric; a log line without the fields just does not count. */
  private addLogMetrics(functions: Readonly<Record<string, MonitoredFunction>>): void {
    for (const [name, monitored] of Object.entries(functions)) {
      const filter = (metric: keyof typeof LOG_METRICS, dimensions?: Record<string, string>): void => {
        new logs.MetricFilter(this, `${name}${metric[0]?.toUpperCase()}${metric.slice(1)}`, {
          logGroup: monitored.logGroup,
          filterPattern: logs.FilterPattern.literal(LOG_PATTERNS[metric]),
          metricNamespace: METRIC_NAMESPACE,
          metricName: LOG_METRICS[metric],
          metricValue: '1',
          ...(dimensions ? { dimensions } : {}),
        });
      };
      // The log line names the operation (`patch`) and the route template (`/scim/v2/Users/{id}`).
      filter('clientErrors', REQUEST_DIMENSIONS);
      filter('serverErrors', REQUEST_DIMENSIONS);
      filter('tokenStoreFailures');
    }
  }
}
