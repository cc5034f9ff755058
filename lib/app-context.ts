/**
 * Stack props from CDK context (`cdk deploy -c key=value` or cdk.json), so a platform team can
 * set every documented knob (docs/DEPLOY.md) without editing code. Kept apart from
 * bin/scim-app.ts so the parsing is unit-tested without a synth. Context values arrive as
 * strings from the command line and as JSON values from cdk.json; both are accepted. A value
 * that cannot be right fails the synth with the key's name instead of deploying a surprise.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ScimStackProps } from './scim-stack';

export type ContextReader = (key: string) => unknown;

export const DEFAULT_STACK_NAME = 'Scim';

export function stackNameFromContext(read: ContextReader): string {
  return text(read, 'stackName') ?? DEFAULT_STACK_NAME;
}

export function propsFromContext(read: ContextReader): ScimStackProps {
  const props: { -readonly [K in keyof ScimStackProps]: ScimStackProps[K] } = {};
  const rate = positive(read, 'throttlingRateLimit');
  if (rate !== undefined) props.throttlingRateLimit = rate;
  const burst = positive(read, 'throttlingBurstLimit');
  if (burst !== undefined) props.throttlingBurstLimit = burst;
  const ttl = positive(read, 'tokenCacheTtlSeconds');
  if (ttl !== undefined) props.tokenCacheTtlSeconds = ttl;
  const grace = nonNegative(read, 'tokenStaleGraceSeconds');
  if (grace !== undefined) props.tokenStaleGraceSeconds = grace;
  const retention = positive(read, 'logRetentionDays');
  if (retention !== undefined) {
    // CloudWatch accepts only its own list of periods; any other number would fail the deploy.
    const periods = Object.values(logs.RetentionDays).filter(
      (days): days is number => typeof days === 'number',
    );
    if (!periods.includes(retention))
      throw new Error(`Context logRetentionDays must be one of ${periods.join(', ')} (CloudWatch's periods)`);
    props.logRetention = retention as logs.RetentionDays;
  }
  if (flag(read, 'tracing')) props.tracing = true;
  if (read('apiGatewayAccountRole') !== undefined && !flag(read, 'apiGatewayAccountRole'))
    props.apiGatewayAccountRole = false;
  if (flag(read, 'waf')) props.waf = true;
  const removal = text(read, 'removalPolicy');
  if (removal !== undefined) {
    if (removal !== 'destroy' && removal !== 'retain')
      throw new Error('Context removalPolicy must be retain or destroy');
    props.removalPolicy = removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  }
  const tableKey = text(read, 'tableKey');
  if (tableKey !== undefined) {
    if (tableKey !== 'create' && !tableKey.startsWith('arn:')) {
      throw new Error('Context tableKey must be "create" or a KMS key ARN');
    }
    props.tableKey = tableKey === 'create' ? 'create' : { keyArn: tableKey };
  }
  const alarmEmail = text(read, 'alarmEmail');
  if (alarmEmail !== undefined) props.alarmEmail = alarmEmail;
  const domainName = text(read, 'domainName');
  const certificateArn = text(read, 'certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error('Context domainName and certificateArn go together');
  }
  if (flag(read, 'customDomainOnly') && domainName === undefined) {
    throw new Error(
      'Context customDomainOnly needs domainName and certificateArn (it turns the execute-api URL off)',
    );
  }
  if (domainName !== undefined && certificateArn !== undefined)
    props.customDomain = {
      domainName,
      certificateArn,
      ...(flag(read, 'customDomainOnly') ? { only: true } : {}),
    };
  if (read('changeEvents') !== undefined && !flag(read, 'changeEvents')) props.changeEvents = false;
  else if (flag(read, 'eventsIncludeResource')) props.changeEvents = { includeResource: true };
  const activity = text(read, 'activityRetentionDays');
  if (activity !== undefined) {
    const days = Number(activity);
    if (!Number.isInteger(days) || days < 0)
      throw new Error('Context activityRetentionDays must be a whole number ≥ 0');
    props.activityRetentionDays = days;
  }
  const feed = text(read, 'feedRetentionDays');
  if (feed !== undefined) {
    const days = Number(feed);
    if (!Number.isInteger(days) || days < 1)
      throw new Error('Context feedRetentionDays must be a whole number ≥ 1');
    props.feedRetentionDays = days;
  }
  const webhookUrl = text(read, 'webhookUrl');
  const webhookSecretArn = text(read, 'webhookSecretArn');
  if (webhookSecretArn !== undefined && webhookUrl === undefined)
    throw new Error('Context webhookSecretArn needs webhookUrl');
  if (webhookUrl !== undefined)
    props.webhook = {
      url: webhookUrl,
      ...(webhookSecretArn !== undefined ? { secretArn: webhookSecretArn } : {}),
    };
  const extensions = read('schemaExtensions');
  if (extensions !== undefined) {
    const parsed: unknown = typeof extensions === 'string' ? JSON.parse(extensions) : extensions;
    if (!Array.isArray(parsed)) throw new Error('Context schemaExtensions must be a JSON array');
    props.schemaExtensions = parsed;
  }
  return props;
}

function text(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function flag(read: ContextReader, key: string): boolean {
  const value = text(read, key);
  if (value === undefined) return false;
  if (value !== 'true' && value !== 'false') throw new Error(`Context ${key} must be true or false`);
  return value === 'true';
}

function nonNegative(read: ContextReader, key: string): number | undefined {
  const value = text(read, key);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new Error(`Context ${key} must be 0 or a positive number`);
  return number;
}

function positive(read: ContextReader, key: string): number | undefined {
  const value = text(read, key);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`Context ${key} must be a positive number`);
  return number;
}
