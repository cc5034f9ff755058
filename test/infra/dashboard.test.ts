/**
 * The operator dashboard, read from the synthesized DashboardBody: every widget issue #16 asks
 * for, each function of the stack's one function list on the per-function graphs (webhook
 * functions included when on), every alarm on the alarm widget, the log metric filters the
 * per-operation error graphs read, and the dashboard name in the outputs. Bundling is skipped.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { METRIC_NAMESPACE } from '../../lambdas/deployment';
import { LOG_METRICS, LOG_PATTERNS, ScimDashboard } from '../../lib/constructs/scim-dashboard';
import { ScimTable } from '../../lib/constructs/scim-table';
import { OUTPUTS, ScimStack, type ScimStackProps } from '../../lib/scim-stack';
import { resources } from './template-queries';

jest.setTimeout(120_000);

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly alarms?: string[];
    readonly metrics?: unknown[][];
  };
}

/** The DashboardBody with each CloudFormation reference replaced by `<logicalId>`, parsed. */
function dashboardWidgets(template: Template): Widget[] {
  const [[, dashboard] = ['', undefined]] = resources(template, 'AWS::CloudWatch::Dashboard');
  const body = dashboard?.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1]
          .map((part) => {
            if (typeof part === 'string') return part;
            const ref = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
            return `<${ref.Ref ?? ref['Fn::GetAtt']?.[0] ?? 'pseudo'}>`;
          })
          .join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

const byTitle = (widgets: Widget[], title: string): Widget => {
  const widget = widgets.find((w) => w.properties.title === title);
  if (!widget)
    throw new Error(`no widget "${title}"; have ${widgets.map((w) => w.properties.title).join(', ')}`);
  return widget;
};
/** Labels of a graph's metric lines (the options object ends each metric array). */
const labels = (widget: Widget): string[] =>
  (widget.properties.metrics ?? []).map((m) => String((m[m.length - 1] as { label?: string }).label));
const expressions = (widget: Widget): string[] =>
  (widget.properties.metrics ?? []).flatMap((m) => {
    const options = m[m.length - 1] as { expression?: string };
    return options.expression ? [options.expression] : [];
  });
const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

function synth(
  id: string,
  props: ScimStackProps,
): { stack: ScimStack; template: Template; widgets: Widget[] } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ScimStack(app, id, props);
  const template = Template.fromStack(stack);
  return { stack, template, widgets: dashboardWidgets(template) };
}

describe('operator dashboard (webhooks on)', () => {
  const { stack, template, widgets } = synth('Dash', { webhook: { url: 'https://hooks.example.com/x' } });
  const API_FUNCTIONS = ['users', 'groups', 'discovery', 'console', 'feed', 'activity'];
  const FUNCTIONS = [...API_FUNCTIONS, 'authorizer', 'events', 'webhookEnqueue', 'webhookSend'];

  it('shows every alarm of the stack on the alarm widget', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').map(([id]) => `<${id}>`);
    expect(alarms.length).toBeGreaterThan(10);
    const widget = widgets.find((w) => w.type === 'alarm');
    expect([...(widget?.properties.alarms ?? [])].sort()).toEqual([...alarms].sort());
  });

  it('requests, 4xx and 5xx per operation: SEARCH over the metric namespace, any dimensions', () => {
    expect(expressions(byTitle(widgets, 'Requests per operation'))).toEqual([
      `SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="DynamoRequests"', 'SampleCount', 300)`,
    ]);
    expect(expressions(byTitle(widgets, '4xx per operation'))[0]).toContain(
      `MetricName="${LOG_METRICS.clientErrors}"`,
    );
    expect(expressions(byTitle(widgets, '5xx per operation'))[0]).toContain(
      `MetricName="${LOG_METRICS.serverErrors}"`,
    );
    expect(labels(byTitle(widgets, 'API Gateway: requests, 4xx, 5xx'))).toEqual(['requests', '4xx', '5xx']);
    expect(labels(byTitle(widgets, 'API Gateway latency (ms)'))).toEqual(['p50', 'p99']);
  });

  it('per function, from the one function list: p50 and p99 duration, errors, throttles, concurrency, invocations', () => {
    const perFunction = {
      'Duration p50 (ms)': ['Duration', 'p50'],
      'Duration p99 (ms)': ['Duration', 'p99'],
      Errors: ['Errors', 'Sum'],
      Throttles: ['Throttles', 'Sum'],
      'Concurrent executions (max)': ['ConcurrentExecutions', 'Maximum'],
      Invocations: ['Invocations', 'Sum'],
    } as const;
    for (const [title, [metricName, stat]] of Object.entries(perFunction)) {
      const widget = byTitle(widgets, title);
      expect(labels(widget)).toEqual(FUNCTIONS);
      for (const metric of widget.properties.metrics ?? []) {
        expect(metric.slice(0, 3)).toEqual(['AWS/Lambda', metricName, 'FunctionName']);
        expect((metric[metric.length - 1] as { stat: string }).stat).toBe(stat);
      }
    }
    const usersFn = logicalId(stack.functions.users.function);
    expect(byTitle(widgets, 'Throttles').properties.metrics?.[0]?.[3]).toBe(`<${usersFn}>`);
  });

  it('DynamoDB consumed capacity and throttling of the table; token-store failures; change-feed lag', () => {
    const table = `<${logicalId(stack.table.table)}>`;
    const capacity = byTitle(widgets, 'DynamoDB consumed capacity').properties.metrics ?? [];
    expect(capacity.map((m) => m.slice(0, 4))).toEqual([
      ['AWS/DynamoDB', 'ConsumedReadCapacityUnits', 'TableName', table],
      ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', 'TableName', table],
    ]);
    const throttling = byTitle(widgets, 'DynamoDB throttling');
    // The per-operation ThrottledRequests metrics are summed into one visible line.
    expect(labels(throttling).slice(0, 3)).toEqual([
      'read throttle events',
      'write throttle events',
      'Sum of throttled requests across all operations',
    ]);
    expect(JSON.stringify(throttling.properties.metrics)).toContain(
      '"ThrottledRequests","Operation","TransactWriteItems","TableName"',
    );
    expect(byTitle(widgets, 'Token store failures').properties.metrics?.[0]?.slice(0, 2)).toEqual([
      METRIC_NAMESPACE,
      LOG_METRICS.tokenStoreFailures,
    ]);
    expect(expressions(byTitle(widgets, 'Change-feed lag (ms)'))).toEqual([
      `SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="FeedLagMilliseconds"', 'Maximum', 300)`,
      `SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="FeedLagMilliseconds"', 'Average', 300)`,
    ]);
  });

  it('webhooks: failed attempts, dead letters (both queues), backlog age', () => {
    const hooks = stack.webhooks;
    if (!hooks) throw new Error('webhooks not built');
    const failures = byTitle(widgets, 'Webhook failed attempts').properties.metrics?.[0];
    expect(failures?.slice(0, 4)).toEqual([
      METRIC_NAMESPACE,
      'WebhookDeliveryFailures',
      'service',
      'scim-webhooks',
    ]);
    const deadLetters = JSON.stringify(byTitle(widgets, 'Webhook dead letters').properties.metrics);
    expect(deadLetters).toContain(logicalId(hooks.deadLetters));
    expect(deadLetters).toContain(logicalId(hooks.enqueueFailures));
    expect(
      JSON.stringify(byTitle(widgets, 'Webhook backlog (age of oldest, s)').properties.metrics),
    ).toContain('ApproximateAgeOfOldestMessage');
  });

  it('log metric filters on every function log group: 4xx and 5xx by operation, token-store failures', () => {
    const filters = resources(template, 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties ?? {});
    expect(filters).toHaveLength(FUNCTIONS.length * 3);
    const of = (metric: string) =>
      filters.filter((f) => JSON.stringify(f.MetricTransformations).includes(`"MetricName":"${metric}"`));
    for (const [key, metric] of Object.entries(LOG_METRICS)) {
      const matching = of(metric);
      expect(matching).toHaveLength(FUNCTIONS.length);
      for (const f of matching) expect(f.FilterPattern).toBe(LOG_PATTERNS[key as keyof typeof LOG_PATTERNS]);
    }
    for (const f of of(LOG_METRICS.serverErrors)) {
      expect(f.MetricTransformations).toEqual([
        {
          MetricNamespace: METRIC_NAMESPACE,
          MetricName: LOG_METRICS.serverErrors,
          MetricValue: '1',
          Dimensions: [
            { Key: 'route', Value: '$.route' },
            { Key: 'operation', Value: '$.operation' },
          ],
        },
      ]);
    }
  });

  it('outputs the dashboard name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[OUTPUTS.dashboardName]?.Value).toEqual({ Ref: logicalId(stack.dashboard.dashboard) });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Dash-operations' });
  });
});

describe('operator dashboard (defaults)', () => {
  it('no webhook widgets when webhooks are off; the per-function graphs list the API functions and the stream reader', () => {
    const { widgets } = synth('DashDefault', {});
    expect(widgets.some((w) => w.properties.title?.startsWith('Webhook'))).toBe(false);
    expect(labels(byTitle(widgets, 'Duration p99 (ms)'))).toEqual([
      'users',
      'groups',
      'discovery',
      'console',
      'feed',
      'activity',
      'authorizer',
      'events',
    ]);
  });

  it('graphs whatever functions it is given: a function another branch adds shows up on every per-function graph', () => {
    const stack = new Stack(new App(), 'Bare');
    const fn = (name: string) => ({
      function: new lambda.Function(stack, `${name}Fn`, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      }),
      logGroup: new logs.LogGroup(stack, `${name}Logs`),
    });
    const api = new apigw.RestApi(stack, 'Api');
    api.root.addMethod('GET');
    const { table } = new ScimTable(stack, 'Data');
    new ScimDashboard(stack, 'Dashboard', {
      api,
      table,
      alarms: [],
      functions: { users: fn('users'), feed: fn('feed') },
    });
    const widgets = dashboardWidgets(Template.fromStack(stack));
    for (const title of ['Duration p50 (ms)', 'Errors', 'Throttles', 'Concurrent executions (max)']) {
      expect(labels(byTitle(widgets, title))).toEqual(['users', 'feed']);
    }
  });
});
