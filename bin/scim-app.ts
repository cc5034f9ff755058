/**
 * The CDK app (`npx cdk deploy`). Settings come from CDK context (`-c key=value` or cdk.json),
 * so a platform team can deploy without editing code; docs/DEPLOY.md lists them. cdk-nag's
 * AWS Solutions and Serverless packs run on every synth: an unacknowledged finding fails it.
 */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ScimStack, type ScimStackProps } from '../lib/scim-stack';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const number = (key: string): number | undefined => {
  const text = context(key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Context ${key} must be a positive number`);
  return value;
};

const props: ScimStackProps = {
  description: 'SCIM 2.0 service provider (API Gateway, Lambda, DynamoDB)',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...(number('throttlingRateLimit') ? { throttlingRateLimit: number('throttlingRateLimit') } : {}),
  ...(number('throttlingBurstLimit') ? { throttlingBurstLimit: number('throttlingBurstLimit') } : {}),
  ...(number('tokenCacheTtlSeconds') ? { tokenCacheTtlSeconds: number('tokenCacheTtlSeconds') } : {}),
  ...(number('logRetentionDays') ? { logRetention: number('logRetentionDays') as logs.RetentionDays } : {}),
  ...(context('tracing') === 'true' ? { tracing: true } : {}),
  ...(context('removalPolicy') === 'destroy' ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
  ...(context('waf') === 'true' ? { waf: true } : {}),
  ...(context('tableKey')
    ? { tableKey: context('tableKey') === 'create' ? 'create' : { keyArn: String(context('tableKey')) } }
    : {}),
  ...(context('alarmEmail') ? { alarmEmail: context('alarmEmail') } : {}),
  ...(context('changeEvents') === 'false'
    ? { changeEvents: false as const }
    : context('eventsIncludeResource') === 'true'
      ? { changeEvents: { includeResource: true } }
      : {}),
  ...(context('activityRetentionDays') !== undefined
    ? { activityRetentionDays: Number(context('activityRetentionDays')) }
    : {}),
  ...(context('domainName') && context('certificateArn')
    ? {
        customDomain: {
          domainName: String(context('domainName')),
          certificateArn: String(context('certificateArn')),
        },
      }
    : {}),
  ...(context('schemaExtensions')
    ? { schemaExtensions: JSON.parse(String(context('schemaExtensions'))) as unknown[] }
    : {}),
};

new ScimStack(app, context('stackName') ?? 'Scim', props);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
