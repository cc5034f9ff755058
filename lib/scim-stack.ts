/**
 * The whole service in one stack, so `cdk deploy` is the only step: table, token secret, the
 * four API functions, the REST API, alarms, and the optional WAF and custom domain.
 * Defaults are the safe ones (data retained, deletion protection on, throttled, logged);
 * every knob is a prop documented in docs/DEPLOY.md.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  DEFAULT_TENANT_RATE_LIMIT,
  defaultSchemaRegistry,
  type RateLimit,
  type RouteTarget,
  SCHEMA_EXTENSIONS_ENV,
} from '../lambdas/deployment';
import { ChangeEvents } from './constructs/change-events';
import { CursorKeySecret } from './constructs/cursor-key-secret';
import { ScimAlarms } from './constructs/scim-alarms';
import { ScimApi } from './constructs/scim-api';
import { type MonitoredFunction, ScimDashboard } from './constructs/scim-dashboard';
import { ScimFunction, type ScimFunctionSettings } from './constructs/scim-function';
import { ScimTable } from './constructs/scim-table';
import { ScimWaf } from './constructs/scim-waf';
import { TokenAuthorizer } from './constructs/token-authorizer';
import { TokenSecret } from './constructs/token-secret';
import { ScimWebhooks } from './constructs/webhooks';

/** CloudFormation output keys; the token CLI reads TokenSecretArn. */
export const OUTPUTS = {
  baseUrl: 'ScimBaseUrl',
  tokenSecretArn: 'TokenSecretArn',
  tableName: 'TableName',
  customDomainTarget: 'CustomDomainTarget',
  alarmTopicArn: 'AlarmTopicArn',
  eventBusName: 'EventBusName',
  dashboardName: 'DashboardName',
  webhookSecretArn: 'WebhookSecretArn',
  webhookDeadLetterQueueUrl: 'WebhookDeadLetterQueueUrl',
  tenantUsagePlans: 'TenantUsagePlans',
  restApiId: 'RestApiId',
} as const;

export interface ScimStackProps extends StackProps {
  /** Steady request rate of each method (requests/second); default 50. */
  readonly throttlingRateLimit?: number;
  /** Burst of each method; default 100. */
  readonly throttlingBurstLimit?: number;
  /**
   * Whether the stack sets API Gateway's account-wide CloudWatch Logs role (default true). False
   * where a landing zone manages that setting: execution logs then depend on the role it set.
   */
  readonly apiGatewayAccountRole?: boolean;
  /** Each tenant's own limit (usage plan, docs/FAIRNESS.md); default 10 requests/s, burst 20. */
  readonly tenantRateLimit?: RateLimit;
  /** Further per-tenant limits an operator can move a tenant to: one usage plan each; default none. */
  readonly tenantRateTiers?: readonly RateLimit[];
  /** X-Ray on the stage and functions; default false. */
  readonly tracing?: boolean;
  /** Table, token secret and log groups; default RETAIN. DESTROY also lifts deletion protection. */
  readonly removalPolicy?: RemovalPolicy;
  /** Retention of function and access logs; default 3 months. */
  readonly logRetention?: logs.RetentionDays;
  /** How long functions cache the token document; default 60 s. */
  readonly tokenCacheTtlSeconds?: number;
  /**
   * How long past that TTL the last good document still serves while Secrets Manager is
   * throttled or unreachable (never when access is denied or the secret is gone or corrupt);
   * default 300 s, 0 fails closed at once.
   */
  readonly tokenStaleGraceSeconds?: number;
  /** Extra SCIM schema extensions (lambdas/scim/schema/extension-config.ts); validated at synth. */
  readonly schemaExtensions?: readonly unknown[];
  /** Encrypt the table with a customer-managed key: 'create' makes one, or pass a key ARN. Default: AWS-owned key. */
  readonly tableKey?: 'create' | { readonly keyArn: string };
  /** Attach a WAF web ACL (managed rules, a rate rule for requests without a token, a per-IP rate rule); default false. */
  readonly waf?:
    | boolean
    | { readonly rateLimitPer5Minutes?: number; readonly withoutTokenPerMinute?: number };
  /**
   * Serve the API on your domain (regional ACM certificate in this region). `only`: turn the
   * execute-api URL off, once the DNS record exists and every identity provider uses the domain
   * (default false: adding a domain must not cut off an IdP configured with the old URL).
   */
  readonly customDomain?: {
    readonly domainName: string;
    readonly certificateArn: string;
    readonly only?: boolean;
  };
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** API Gateway stage name; default 'prod'. */
  readonly stageName?: string;
  /** Function memory (MB); default 1024 (more memory is more CPU: faster cold starts). */
  readonly memorySize?: number;
  /**
   * Change events on the stack's EventBridge bus (docs/EVENTS.md); default on. `includeResource`
   * adds the stored SCIM resource (personal data) to each event.
   */
  readonly changeEvents?: false | { readonly includeResource?: boolean };
  /** Days provisioning activity is kept (docs/EVENTS.md); default 90, 0 turns it off. */
  readonly activityRetentionDays?: number;
  /** Days change-feed entries are kept (docs/CONSUMING.md); default 30. */
  readonly feedRetentionDays?: number;
  /**
   * Push every change-feed entry to this https URL, HMAC-signed (docs/WEBHOOKS.md). The signing
   * key is generated in Secrets Manager unless `secretArn` names an existing secret.
   */
  readonly webhook?: { readonly url: string; readonly secretArn?: string };
  /** Log level (POWERTOOLS_LOG_LEVEL, the variable the service logger reads); default INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export class ScimStack extends Stack {
  readonly table: ScimTable;
  readonly tokenSecret: TokenSecret;
  readonly cursorKeySecret: CursorKeySecret;
  readonly functions: Readonly<Record<RouteTarget, ScimFunction>>;
  readonly api: ScimApi;
  readonly tokenAuthorizer: TokenAuthorizer;
  readonly alarms: ScimAlarms;
  readonly waf?: ScimWaf;
  readonly changeEvents?: ChangeEvents;
  readonly webhooks?: ScimWebhooks;
  readonly dashboard: ScimDashboard;

  constructor(scope: Construct, id: string, props: ScimStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const tracing = props.tracing ?? false;

    const tableKey =
      props.tableKey === 'create'
        ? new kms.Key(this, 'TableKey', {
            description: 'Encrypts the SCIM table',
            enableKeyRotation: true,
            removalPolicy,
          })
        : props.tableKey
          ? kms.Key.fromKeyArn(this, 'TableKey', props.tableKey.keyArn)
          : undefined;
    this.table = new ScimTable(this, 'Data', {
      removalPolicy,
      ...(tableKey ? { encryptionKey: tableKey } : {}),
    });
    this.tokenSecret = new TokenSecret(this, 'Tokens', { removalPolicy });
    this.cursorKeySecret = new CursorKeySecret(this, 'CursorKey');

    const extensionsJson = props.schemaExtensions?.length
      ? JSON.stringify(props.schemaExtensions)
      : undefined;
    // The registry every function builds at start-up from the same JSON: a bad configuration
    // fails synth, and the bundled validators are generated from exactly this registry.
    const registry = defaultSchemaRegistry(
      extensionsJson === undefined ? {} : { [SCHEMA_EXTENSIONS_ENV]: extensionsJson },
    );
    const settings: ScimFunctionSettings = {
      tokenCacheTtlSeconds: props.tokenCacheTtlSeconds ?? 60,
      tokenStaleGraceSeconds: props.tokenStaleGraceSeconds ?? 300,
      ...(extensionsJson === undefined ? {} : { schemaExtensionsJson: extensionsJson }),
      schemaRegistry: registry,
      logRetention,
      logRemovalPolicy: removalPolicy,
      tracing,
      memorySize: props.memorySize ?? 1024,
      // Below API Gateway's 29 s integration limit, so a slow request ends as our error, not a 504.
      timeout: Duration.seconds(25),
      logLevel: props.logLevel ?? 'INFO',
      ...(props.activityRetentionDays !== undefined
        ? { activityRetentionDays: wholeDays(props.activityRetentionDays) }
        : {}),
      ...(props.feedRetentionDays !== undefined
        ? { feedRetentionDays: feedDays(props.feedRetentionDays) }
        : {}),
      feedWritten: props.changeEvents !== false,
    };
    if (props.webhook && props.changeEvents === false) {
      throw new Error('webhook needs changeEvents: the stream consumer writes the feed entries it pushes');
    }
    const make = (target: RouteTarget) =>
      new ScimFunction(this, `${target[0]?.toUpperCase()}${target.slice(1)}`, {
        target,
        table: this.table.table,
        ...(tableKey ? { tableKey } : {}),
        tokenSecret: this.tokenSecret.secret,
        // Only the functions that issue and read cursors get the cursor key.
        ...(target === 'discovery' || target === 'console'
          ? {}
          : { cursorKeySecret: this.cursorKeySecret.secret }),
        settings,
      });
    this.functions = {
      users: make('users'),
      groups: make('groups'),
      discovery: make('discovery'),
      console: make('console'),
      feed: make('feed'),
      activity: make('activity'),
    };
    const fns: Record<RouteTarget, lambda.IFunction> = {
      users: this.functions.users.function,
      groups: this.functions.groups.function,
      discovery: this.functions.discovery.function,
      console: this.functions.console.function,
      feed: this.functions.feed.function,
      activity: this.functions.activity.function,
    };

    this.tokenAuthorizer = new TokenAuthorizer(this, 'TokenAuthorizer', {
      tokenSecret: this.tokenSecret.secret,
      tokenCacheTtlSeconds: settings.tokenCacheTtlSeconds,
      tokenStaleGraceSeconds: settings.tokenStaleGraceSeconds,
      logRetention,
      logRemovalPolicy: removalPolicy,
      tracing,
      logLevel: settings.logLevel,
    });
    this.api = new ScimApi(this, 'Scim', {
      functions: fns,
      authorizer: this.tokenAuthorizer.authorizer,
      tenantRateLimit: props.tenantRateLimit ?? DEFAULT_TENANT_RATE_LIMIT,
      tenantRateTiers: props.tenantRateTiers ?? [],
      stageName: props.stageName ?? 'prod',
      throttlingRateLimit: props.throttlingRateLimit ?? 50,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
      accountRole: props.apiGatewayAccountRole ?? true,
      tracing,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    this.api.api.deploymentStage.node.addDependency(this.table);

    if (props.waf) {
      this.waf = new ScimWaf(this, 'Waf', {
        stageArn: this.api.api.deploymentStage.stageArn,
        ...(typeof props.waf === 'object' && props.waf.rateLimitPer5Minutes !== undefined
          ? { rateLimitPer5Minutes: props.waf.rateLimitPer5Minutes }
          : {}),
        ...(typeof props.waf === 'object' && props.waf.withoutTokenPerMinute !== undefined
          ? { withoutTokenPerMinute: props.waf.withoutTokenPerMinute }
          : {}),
      });
    } else {
      this.api.acknowledgeNoWaf();
    }

    let baseUrl = this.api.scimBaseUrl;
    if (props.customDomain) {
      const domain = new apigw.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      // No base path: the custom domain serves /scim/v2 exactly as the stage does.
      domain.addBasePathMapping(this.api.api, { stage: this.api.api.deploymentStage });
      // Once every identity provider uses the domain, the execute-api URL is only a second way in.
      if (props.customDomain.only === true) {
        (this.api.api.node.defaultChild as apigw.CfnRestApi).disableExecuteApiEndpoint = true;
      }
      baseUrl = `https://${props.customDomain.domainName}/scim/v2`;
      new CfnOutput(this, OUTPUTS.customDomainTarget, {
        value: domain.domainNameAliasDomainName,
        description: `CNAME (or alias) target for ${props.customDomain.domainName}`,
      });
    }

    if (props.changeEvents !== false) {
      this.changeEvents = new ChangeEvents(this, 'Events', {
        table: this.table.table,
        includeResource: props.changeEvents?.includeResource ?? false,
        logRetention,
        logRemovalPolicy: removalPolicy,
        tracing,
        logLevel: settings.logLevel,
        ...(tableKey ? { tableKey } : {}),
        ...(settings.feedRetentionDays !== undefined
          ? { feedRetentionDays: settings.feedRetentionDays }
          : {}),
      });
    }

    if (props.webhook) {
      this.webhooks = new ScimWebhooks(this, 'Webhooks', {
        table: this.table.table,
        url: props.webhook.url,
        issuer: baseUrl,
        ...(props.webhook.secretArn ? { secretArn: props.webhook.secretArn } : {}),
        logRetention,
        logRemovalPolicy: removalPolicy,
        tracing,
        logLevel: settings.logLevel,
      });
    }

    // Every function of the stack, in one place: the alarms and the dashboard both take this list.
    // The authorizer reads the token secret before any function runs: its failures are the API's.
    const monitored: Record<string, MonitoredFunction> = {
      ...this.functions,
      authorizer: this.tokenAuthorizer,
      ...(this.changeEvents ? { events: this.changeEvents } : {}),
      ...(this.webhooks?.functions ?? {}),
    };
    this.alarms = new ScimAlarms(this, 'Alarms', {
      api: this.api.api,
      functions: Object.fromEntries(Object.entries(monitored).map(([name, m]) => [name, m.function])),
      errorsAreRefusals: ['authorizer'],
      table: this.table.table,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      ...(this.changeEvents ? { deadLetterMetric: this.changeEvents.deadLetterMetric } : {}),
      ...(this.webhooks ? { webhookDeadLetterMetric: this.webhooks.deadLetterMetric } : {}),
    });
    this.dashboard = new ScimDashboard(this, 'Dashboard', {
      api: this.api.api,
      functions: monitored,
      table: this.table.table,
      alarms: this.alarms.alarms,
      ...(this.webhooks
        ? {
            webhooks: {
              failures: this.webhooks.failureMetric,
              deadLetters: this.webhooks.deadLetterMetric,
              backlog: this.webhooks.backlogMetric,
            },
          }
        : {}),
    });

    new CfnOutput(this, OUTPUTS.baseUrl, { value: baseUrl, description: 'SCIM base URL for Okta/Entra' });
    new CfnOutput(this, OUTPUTS.tokenSecretArn, {
      value: this.tokenSecret.secret.secretArn,
      description: 'Token hashes; npm run token -- create --stack <name> --tenant <t> --label <l>',
    });
    new CfnOutput(this, OUTPUTS.tableName, { value: this.table.table.tableName });
    new CfnOutput(this, OUTPUTS.tenantUsagePlans, {
      value: Stack.of(this).toJsonString(
        Object.fromEntries(
          Object.entries(this.api.tenantPlans).map(([tier, plan]) => [tier, plan.usagePlanId]),
        ),
      ),
      description: 'Usage plan id per tenant limit tier, r<rate>-b<burst> (docs/FAIRNESS.md)',
    });
    new CfnOutput(this, OUTPUTS.restApiId, {
      value: this.api.api.restApiId,
      description: "The REST API id; a tenant's API key value is derived from it (docs/FAIRNESS.md)",
    });
    new CfnOutput(this, OUTPUTS.alarmTopicArn, { value: this.alarms.topic.topicArn });
    new CfnOutput(this, OUTPUTS.dashboardName, {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard for operators (docs/DEPLOY.md, Operator dashboard)',
    });
    if (this.webhooks) {
      new CfnOutput(this, OUTPUTS.webhookSecretArn, {
        value: this.webhooks.secret.secretArn,
        description: 'Webhook signing key: give its value to the receiver (docs/WEBHOOKS.md)',
      });
      new CfnOutput(this, OUTPUTS.webhookDeadLetterQueueUrl, {
        value: this.webhooks.deadLetters.queueUrl,
        description: 'Webhook deliveries that failed every attempt; redrive after fixing the receiver',
      });
    }
    if (this.changeEvents) {
      new CfnOutput(this, OUTPUTS.eventBusName, {
        value: this.changeEvents.bus.eventBusName,
        description: 'EventBridge bus with the directory change events (source scim.directory)',
      });
    }
  }
}

function wholeDays(days: number): number {
  if (!Number.isInteger(days) || days < 0)
    throw new Error('activityRetentionDays must be a whole number ≥ 0');
  return days;
}

function feedDays(days: number): number {
  if (!Number.isInteger(days) || days < 1) throw new Error('feedRetentionDays must be a whole number ≥ 1');
  return days;
}
