/**
 * Change events (docs/EVENTS.md): the table's stream → a publisher function → the stack's own
 * EventBridge bus. Events are derived from committed writes, so a failed request emits nothing
 * and a crash after a write misses nothing.
 *
 * Failure handling follows the handler's contract: it reports the first record it could not
 * publish (ReportBatchItemFailures), Lambda retries from there a bounded number of times, then
 * the batch's stream coordinates go to an encrypted dead-letter queue, whose depth is an alarm.
 * The same function writes the tenants' change feeds (docs/CONSUMING.md) before publishing.
 * Permissions: read this table's stream, put events on this bus, send to this queue, the feed's
 * counter read and transaction (GetItem, PutItem, UpdateItem) in the feed partitions, the stamped
 * activity items (PutItem) in the activity partitions, and the orphan-membership clean-up in user
 * partitions (BatchGetItem, Query, DeleteItem) and group partitions (UpdateItem, DeleteItem);
 * nothing else.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHANGE_ITEM_SORT_KEYS,
  CHANGE_STREAM_BATCH_SIZE,
  ENV,
  EVENTS_ENV,
  METRIC_NAMESPACE,
} from '../../lambdas/deployment';
import { HANDLER_ENVIRONMENT, handlerEntry, nodejsBundlingOptions } from '../bundling';
import { deadLetterQueue } from './dead-letter-queue';
import { acknowledgeNoAsyncInvocations, acknowledgeTracing } from './nag-acknowledgements';
import { lambdaRuntime } from './scim-function';
import { ACTIVITY_PARTITIONS, FEED_PARTITIONS, GROUP_PARTITIONS, USER_PARTITIONS } from './table-partitions';

export interface ChangeEventsProps {
  readonly table: dynamodb.ITable;
  /** Put the stored SCIM resource in `detail.resource` (personal data); default false. */
  readonly includeResource: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  readonly logLevel: string;
  /** The table's customer-managed key, when it has one (the feed writes are encrypted with it). */
  readonly tableKey?: kms.IKey;
  /** FEED_RETENTION_DAYS of the feed entries written; default 30. */
  readonly feedRetentionDays?: number;
}

export class ChangeEvents extends Construct {
  readonly bus: events.EventBus;
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly deadLetters: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  /** Alarm-worthy metric: batches that exhausted their retries. */
  readonly deadLetterMetric: cloudwatch.IMetric;

  constructor(scope: Construct, id: string, props: ChangeEventsProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error('Change events need the table stream');

    this.bus = new events.EventBus(this, 'Bus', { description: 'SCIM directory change events' });
    this.deadLetters = deadLetterQueue(
      this,
      'DeadLetters',
      'This queue is itself the dead-letter destination of the stream publisher (stream coordinates of failed batches); a dead-letter queue of a dead-letter queue has no reader.',
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'SCIM change-event publisher: table stream to the feed, activity, bus; orphan memberships',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    // Stream read (DescribeStream, GetRecords, GetShardIterator on this stream; ListStreams) and
    // SendMessage on the queue are granted by the event source mapping below.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `dynamodb:ListStreams has no resource-level permission (the Lambda event source mapping needs it); the stream itself is only readable through the statement on this table stream ARN.${
        props.tracing
          ? ' X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions either.'
          : ''
      }`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
    // The change feed: read the tenant's counter, then one TransactWriteItems (counter Update +
    // entry Puts, authorised as UpdateItem and PutItem) on the table itself, no index.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        // Only the feed partitions (`T#<tenant>#FEED`): the stream reader cannot touch users,
        // groups or tokens' items even through these write actions.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FEED_PARTITIONS] } },
      }),
    );
    // The activity items single writes stamp on the items they write (docs/ACTIVITY.md): one
    // conditional PutItem each, in the activity partitions only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ACTIVITY_PARTITIONS] } },
      }),
    );
    // Memberships written for a user deleted meanwhile (docs/GROUPS.md, "Races"): a consistent
    // BatchGetItem of the users (keys only), and for one that is gone the Query of its refs and
    // the clean-up transactions its DELETE runs: both sides' Deletes, the group's version Update.
    // User and group partitions only: never a guard, counter, feed or activity item.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [USER_PARTITIONS] } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [GROUP_PARTITIONS] } },
      }),
    );
    if (props.tableKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: [props.tableKey.keyArn],
        }),
      );
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry('events'),
      handler: 'handler',
      runtime: lambdaRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        [EVENTS_ENV.busName]: this.bus.eventBusName,
        [EVENTS_ENV.includeResource]: String(props.includeResource),
        [ENV.tableName]: props.table.tableName,
        ...(props.feedRetentionDays !== undefined
          ? { [ENV.feedRetentionDays]: String(props.feedRetentionDays) }
          : {}),
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_SERVICE_NAME: 'scim-events',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // Bundling decides NODE_OPTIONS (none: source maps at runtime cost a third of INIT).
        ...HANDLER_ENVIRONMENT,
      },
      bundling: nodejsBundlingOptions(),
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      description: 'SCIM change events: table stream to the change feed and EventBridge',
    });
    this.function.addEventSource(
      new sources.DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: CHANGE_STREAM_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new sources.SqsDlq(this.deadLetters),
        // Only users, groups and memberships reach the function (by sort key, in every record's
        // Keys, REMOVE included): its own feed and activity writes, guards, counters and TTL
        // expiries invoke nothing. Two filters, either matching: exact keys, and the prefix.
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { SK: { S: lambda.FilterRule.or(...CHANGE_ITEM_SORT_KEYS.equal) } } },
          }),
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { SK: { S: lambda.FilterRule.beginsWith(CHANGE_ITEM_SORT_KEYS.prefix) } } },
          }),
        ],
      }),
    );
    // Only the stream invokes it; the event source mapping handles failures (DLQ above).
    acknowledgeNoAsyncInvocations(
      this.function,
      'Invoked only by the DynamoDB stream event source mapping, whose on-failure destination is the dead-letter queue of this construct; there are no asynchronous invocations.',
    );
    // With tracing on, the role's X-Ray wildcard is acknowledged with the stream's above.
    if (!props.tracing) acknowledgeTracing(this.function, this.role, false);
    this.deadLetterMetric = this.deadLetters.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    });
  }
}
