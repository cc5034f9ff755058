/**
 * One API function: the NodejsFunction, its environment and its permissions, made in one place
 * from one description of what the function may touch. The environment variable that names a
 * resource and the IAM statement that allows it are written side by side here, so a function
 * can never be told about a resource it may not use, nor be allowed one it is not told about.
 *
 * What each function may do (and nothing else):
 *  - users, groups: item reads and writes on the table and its indexes (no Scan, no table
 *    management), encrypt/decrypt with the table key when it is customer-managed;
 *  - feed, activity: GetItem and Query on the table and its indexes (reads only, no activity
 *    records), decrypt with the table key;
 *  - discovery: no table access at all;
 *  - console: static files only: no table, no token secret (its page calls the API);
 *  - all others: secretsmanager:GetSecretValue on the token secret only; all: their own log group.
 * The role is built here instead of taking the Lambda default, which would attach the AWS
 * managed AWSLambdaBasicExecutionRole (logs on every log group of the account).
 */
import { type Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ENV,
  METRIC_NAMESPACE,
  type RouteTarget,
  SCHEMA_EXTENSIONS_ENV,
  type SchemaRegistry,
} from '../../lambdas/deployment';
import { HANDLER_ENVIRONMENT, handlerEntry, NODE_MAJOR, nodejsBundlingOptions } from '../bundling';
import { writeConsoleAssetsModule } from '../console-build';
import { handlerValidators } from '../validators-build';
import { acknowledgeNoAsyncInvocations, acknowledgeTracing } from './nag-acknowledgements';
import { FEED_PARTITIONS } from './table-partitions';

type TableAccess = 'readWrite' | 'read' | 'none';

/** Which functions touch the table. The only place this is decided. */
const TABLE_ACCESS: Readonly<Record<RouteTarget, TableAccess>> = {
  users: 'readWrite',
  groups: 'readWrite',
  discovery: 'none',
  console: 'none',
  feed: 'read',
  activity: 'read',
};

/**
 * Functions confined to some partitions of the table itself (no index): the change feed reads
 * only `T#<tenant>#FEED` (its counter and entries), so a bug there cannot read users or groups.
 */
const TABLE_PARTITIONS: Partial<Record<RouteTarget, string>> = { feed: FEED_PARTITIONS };

/**
 * Item-level actions the store uses (Get, BatchGet, Query, Put, Update, Delete, BatchWrite and
 * TransactWrite, whose parts are authorised as Put/Update/Delete/ConditionCheck). Scan is left
 * out on purpose: the store never scans, and a bug that tries should fail, not cost money.
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** What a read-only function may do (the change feed, the activity reads): item reads and Queries. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

/** What DynamoDB needs from the caller for a customer-managed table key (no wildcard actions). */
export const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
] as const;

/**
 * The runtime's TABLE_NAME is required even by discovery (lambdas/runtime.ts builds one Runtime
 * for every handler). Discovery gets this marker instead of the real name: it has no grant, and
 * a name that is not a table makes any accidental use fail loudly.
 */
export const NO_TABLE = 'no-table-access';

export interface ScimFunctionSettings {
  readonly tokenCacheTtlSeconds: number;
  readonly tokenStaleGraceSeconds: number;
  /** JSON array for SCIM_SCHEMA_EXTENSIONS, already validated by the stack. */
  readonly schemaExtensionsJson?: string;
  /** The registry the functions build from schemaExtensionsJson: their validators are generated from it. */
  readonly schemaRegistry: SchemaRegistry;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logLevel: string;
  /** ACTIVITY_RETENTION_DAYS for the functions that record activity (users, groups). */
  readonly activityRetentionDays?: number;
  /** FEED_RETENTION_DAYS for the feed reader (and the stream consumer that writes the feed). */
  readonly feedRetentionDays?: number;
  /** False when no stream consumer writes the change feed (changeEvents off). */
  readonly feedWritten: boolean;
}

export interface ScimFunctionProps {
  readonly target: RouteTarget;
  readonly table: dynamodb.ITable;
  readonly tableKey?: kms.IKey;
  readonly tokenSecret: secretsmanager.ISecret;
  /** The cursor-signing key; given only to the functions that page (users, groups). */
  readonly cursorKeySecret?: secretsmanager.ISecret;
  readonly settings: ScimFunctionSettings;
}

const RUNTIMES: Readonly<Record<number, lambda.Runtime>> = {
  22: lambda.Runtime.NODEJS_22_X,
  24: lambda.Runtime.NODEJS_24_X,
};

/** The Lambda runtime matching the bundling target. */
export function lambdaRuntime(): lambda.Runtime {
  const runtime = RUNTIMES[NODE_MAJOR];
  if (!runtime) throw new Error(`No Lambda runtime mapped for Node.js ${NODE_MAJOR}`);
  return runtime;
}

export class ScimFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ScimFunctionProps) {
    super(scope, id);
    const { target, settings } = props;
    const access = TABLE_ACCESS[target];

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: settings.logRetention,
      removalPolicy: settings.logRemovalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `SCIM ${target} function: least privilege, see lib/constructs/scim-function.ts`,
    });
    // The log group ARN attribute already ends in `:*`, which covers its streams.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    // The console serves static files: it authenticates nothing, so it is not told of the tokens.
    const authenticates = target !== 'console';
    const environment: Record<string, string> = {
      ...(authenticates
        ? {
            [ENV.tokenSecretId]: props.tokenSecret.secretArn,
            [ENV.tokenCacheTtl]: String(settings.tokenCacheTtlSeconds),
            [ENV.tokenStaleGrace]: String(settings.tokenStaleGraceSeconds),
          }
        : {}),
      [ENV.tableName]: access === 'none' ? NO_TABLE : props.table.tableName,
      POWERTOOLS_SERVICE_NAME: 'scim',
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      // Bundling decides NODE_OPTIONS (none: source maps at runtime cost a third of INIT).
      ...HANDLER_ENVIRONMENT,
      ...(settings.schemaExtensionsJson ? { [SCHEMA_EXTENSIONS_ENV]: settings.schemaExtensionsJson } : {}),
      // Activity items are table writes: only functions with table access record them. The
      // activity reader bounds its ranges by the retention (no record outlives it).
      ...((access === 'readWrite' || target === 'activity') && settings.activityRetentionDays !== undefined
        ? { [ENV.activityRetentionDays]: String(settings.activityRetentionDays) }
        : {}),
      // The stream consumer writes the activity items single writes stamp (docs/ACTIVITY.md).
      ...(access === 'readWrite' && settings.feedWritten ? { [ENV.activityFromStream]: '1' } : {}),
      ...(target === 'feed' && !settings.feedWritten ? { [ENV.feedDisabled]: '1' } : {}),
      ...(target === 'feed' && settings.feedRetentionDays !== undefined
        ? { [ENV.feedRetentionDays]: String(settings.feedRetentionDays) }
        : {}),
    };
    if (authenticates) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.tokenSecret.secretArn],
        }),
      );
    }
    if (props.cursorKeySecret) {
      environment[ENV.cursorKeySecretId] = props.cursorKeySecret.secretArn;
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.cursorKeySecret.secretArn],
        }),
      );
    }
    if (access !== 'none') {
      const partitions = TABLE_PARTITIONS[target];
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: access === 'read' ? [...TABLE_READ_ACTIONS] : [...TABLE_DATA_ACTIONS],
          ...(partitions
            ? {
                resources: [props.table.tableArn],
                conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [partitions] } },
              }
            : { resources: [props.table.tableArn, `${props.table.tableArn}/index/*`] }),
        }),
      );
      if (props.tableKey) {
        this.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: access === 'read' ? ['kms:Decrypt', 'kms:DescribeKey'] : [...TABLE_KEY_ACTIONS],
            resources: [props.tableKey.keyArn],
          }),
        );
      }
      if (!partitions) {
        const tableLogicalId = Stack.of(this).resolve(
          (props.table.node.defaultChild as dynamodb.CfnTable).logicalId,
        ) as string;
        Validations.of(this.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
          reason:
            'Queries on the table indexes (listing, lookup, byName) need index ARNs; the wildcard is limited to the indexes of this one table, with item-level actions only.',
        });
      }
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(target),
      handler: 'handler',
      runtime: lambdaRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: nodejsBundlingOptions(
        handlerValidators(settings.schemaRegistry, target),
        target === 'console' ? writeConsoleAssetsModule() : undefined,
      ),
      tracing: settings.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      description: `SCIM 2.0 ${target} endpoints`,
    });

    acknowledgeTracing(this.function, this.role, settings.tracing);
    acknowledgeNoAsyncInvocations(
      this.function,
      'Invoked only synchronously by API Gateway: the caller gets the error and retries, so there is no asynchronous event to dead-letter.',
    );
  }
}
