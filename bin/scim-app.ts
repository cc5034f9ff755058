/**
 * The CDK app (`npx cdk deploy`). Settings come from CDK context (`-c key=value` or cdk.json),
 * parsed by lib/app-context.ts; docs/DEPLOY.md lists them. cdk-nag's AWS Solutions and
 * Serverless packs run on every synth: an unacknowledged finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { propsFromContext, stackNameFromContext } from '../lib/app-context';
import { ScimStack } from '../lib/scim-stack';

const app = new App();
const read = (key: string): unknown => app.node.tryGetContext(key);

new ScimStack(app, stackNameFromContext(read), {
  description: 'SCIM 2.0 service provider (API Gateway, Lambda, DynamoDB)',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...propsFromContext(read),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
