/**
 * The token authorizer (docs/FAIRNESS.md): a Lambda REQUEST authorizer on every method that maps
 * the bearer token to its tenant's usage-plan API key, so each tenant's rate limit is applied by
 * API Gateway before any function or DynamoDB work. Its answers are cached per Authorization
 * value, so it runs about once per token per cache period, not per request. Permissions: read
 * the token secret, write its own log group; nothing else (no table access).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/deployment';
import { HANDLER_ENVIRONMENT, handlerEntry, nodejsBundlingOptions } from '../bundling';
import { acknowledgeNoAsyncInvocations, acknowledgeTracing } from './nag-acknowledgements';
import { lambdaRuntime } from './scim-function';

/** How long API Gateway reuses an answer for one Authorization value (max 3600 s). */
const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

export interface TokenAuthorizerProps {
  readonly tokenSecret: secretsmanager.ISecret;
  readonly tokenCacheTtlSeconds: number;
  readonly tokenStaleGraceSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  readonly logLevel: string;
}

export class TokenAuthorizer extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TokenAuthorizerProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.logGroup = logGroup;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'SCIM token authorizer: read the token secret, nothing else',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.tokenSecret.secretArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry('authorizer'),
      handler: 'handler',
      runtime: lambdaRuntime(),
      architecture: lambda.Architecture.ARM_64,
      // Small: one SHA-256 and a cached secret; it runs only on authorizer-cache misses.
      memorySize: 512,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      environment: {
        [ENV.tokenSecretId]: props.tokenSecret.secretArn,
        [ENV.tokenCacheTtl]: String(props.tokenCacheTtlSeconds),
        [ENV.tokenStaleGrace]: String(props.tokenStaleGraceSeconds),
        POWERTOOLS_SERVICE_NAME: 'scim-authorizer',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...HANDLER_ENVIRONMENT,
      },
      bundling: nodejsBundlingOptions(),
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      description: 'SCIM token authorizer: bearer token to the tenant usage-plan key',
    });
    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: this.function,
      // A request without the header is a 401 from API Gateway without invoking the function.
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });

    acknowledgeTracing(this.function, role, props.tracing);
    acknowledgeNoAsyncInvocations(
      this.function,
      'Invoked only synchronously by API Gateway as the authorizer: a failure is the AUTHORIZER_FAILURE gateway response (503, Retry-After), there is no asynchronous event to dead-letter.',
    );
  }
}
