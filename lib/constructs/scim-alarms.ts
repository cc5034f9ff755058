/**
 * Alarms an operator needs to hear about, sent to one SNS topic: the API answering 5xx, p99
 * latency approaching what IdPs tolerate (Okta gives up after 60 s; API Gateway after 29 s),
 * function errors and throttles, and DynamoDB throttling. Missing data is "not breaching": a
 * quiet directory is healthy.
 *
 * The topic is encrypted with a customer-managed key because CloudWatch cannot publish to a
 * topic encrypted with the AWS-managed aws/sns key (its key policy cannot be extended).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ScimAlarmsProps {
  readonly api: apigw.RestApi;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Functions whose Errors metric counts refusals, not failures: the token authorizer throws to
   * answer 401 to every wrong token. They get the throttles alarm only; a token store it cannot
   * read shows as the API's 5xx (its AUTHORIZER_FAILURE answer is a 503).
   */
  readonly errorsAreRefusals?: readonly string[];
  readonly table: dynamodb.ITable;
  readonly alarmEmail?: string;
  /** Change-event batches that exhausted their retries (dead-letter queue depth). */
  readonly deadLetterMetric?: cloudwatch.IMetric;
  /** Webhook deliveries (or stream batches) that exhausted their retries (dead-letter queue depth). */
  readonly webhookDeadLetterMetric?: cloudwatch.IMetric;
  /** p99 latency threshold; default 5 s. */
  readonly latencyP99Threshold?: Duration;
}

export class ScimAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScimAlarmsProps) {
    super(scope, id);
    // Confused deputy: only alarms of this account and region may use the key and the topic
    // (naming the alarms themselves would make both depend on the alarms that depend on them).
    const fromAlarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: {
        'aws:SourceArn': Stack.of(this).formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the SCIM alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromAlarmsOfThisAccount,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'SCIM service alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without
    // this statement nothing would allow CloudWatch to publish, and every alarm would be silent.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromAlarmsOfThisAccount,
      }),
    );
    if (props.alarmEmail) {
      const subscription = new subscriptions.EmailSubscription(props.alarmEmail);
      this.topic.addSubscription(subscription);
      const created = this.topic.node.tryFindChild(props.alarmEmail);
      if (created) {
        Validations.of(created).acknowledge({
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'An e-mail subscription for alarm notifications: SNS retries delivery itself, and a dead-letter queue of undelivered alarm e-mails would be a queue nobody reads; the alarm state stays visible in CloudWatch.',
        });
      }
    }

    const period = Duration.minutes(5);
    this.add('Api5xx', {
      metric: props.api.metricServerError({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      alarmDescription: 'The SCIM API answered 5xx: provisioning requests are failing.',
    });
    const p99 = props.latencyP99Threshold ?? Duration.seconds(5);
    this.add('ApiLatencyP99', {
      metric: props.api.metricLatency({ period, statistic: 'p99' }),
      threshold: p99.toMilliseconds(),
      evaluationPeriods: 3,
      alarmDescription: `p99 latency above ${p99.toSeconds()} s for 15 minutes.`,
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      if (!props.errorsAreRefusals?.includes(name)) {
        this.add(`${name}Errors`, {
          metric: fn.metricErrors({ period, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `The ${name} function failed (unhandled error or timeout).`,
        });
      }
      this.add(`${name}Throttles`, {
        metric: fn.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        alarmDescription: `The ${name} function was throttled (account or reserved concurrency).`,
      });
    }
    if (props.deadLetterMetric) {
      this.add('ChangeEventsDeadLetters', {
        metric: props.deadLetterMetric,
        threshold: 1,
        evaluationPeriods: 1,
        alarmDescription: 'Change events could not be published after retries; see the dead-letter queue.',
      });
    }
    if (props.webhookDeadLetterMetric) {
      this.add('WebhookDeadLetters', {
        metric: props.webhookDeadLetterMetric,
        threshold: 1,
        evaluationPeriods: 1,
        alarmDescription:
          'Webhook deliveries failed every attempt (8 h of retries) and were dead-lettered; fix the receiver, then redrive the queue.',
      });
    }
    this.add('TableThrottles', {
      metric: new cloudwatch.MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', { period, statistic: 'Sum' }),
          writes: props.table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
        },
        period,
        label: 'DynamoDB throttle events',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      alarmDescription: 'DynamoDB throttled reads or writes on the SCIM table.',
    });
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'>,
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
