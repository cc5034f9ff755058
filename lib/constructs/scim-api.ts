/**
 * The regional REST API. Resources and methods are generated from the shared route table
 * (lambdas/routes.ts), the one the local server and the handlers route with, so a route cannot
 * exist in one place and not the other.
 *
 * Every answer a client can see is SCIM error JSON (RFC 7644 §3.12), including the ones API
 * Gateway produces itself: throttling (429 with an integer Retry-After, which Okta honours),
 * unknown paths (404 instead of REST API's 403 "Missing Authentication Token"), payload limits and
 * integration failures. Unknown methods on a known path reach the function through an ANY
 * method, and the handler answers 405 with Allow.
 *
 * Fairness (docs/FAIRNESS.md): a token authorizer on every method maps the bearer token to its
 * tenant's API key (API key source AUTHORIZER), and one usage plan per distinct tenant limit
 * throttles each tenant on its own, before any function runs. The functions still check the
 * token themselves (hashed tokens in Secrets Manager decide the tenant); a missing or unknown
 * token is the authorizer's 401, whose challenge is a gateway response header (not renamed).
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  BEARER_CHALLENGE,
  type RateLimit,
  ROUTES,
  type RouteTarget,
  rateLimitTier,
  SCIM_PREFIX,
  TOKENLESS_TARGETS,
} from '../../lambdas/deployment';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SCIM_CONTENT_TYPE = 'application/scim+json';

/**
 * The challenge every 401 carries (RFC 6750 §3): the handlers send it (a test over the local
 * server holds their value equal to this one), and so does the gateway response with status 401. Behind the proxy integration the handlers' copy reaches
 * clients as x-amzn-Remapped-WWW-Authenticate; the gateway response's copy is not renamed.
 */

/** Seconds a throttled client is told to wait (API Gateway's token bucket refills every second). */
const THROTTLE_RETRY_AFTER_SECONDS = 1;
/** Seconds to wait when the authorizer could not check a token (the token store was unreadable). */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * API Gateway's own responses, with the status each is sent with. The fixed statuses are the
 * ones API Gateway uses for the type; MISSING_AUTHENTICATION_TOKEN is what REST APIs answer
 * for a path that does not exist, so it becomes the 404 a SCIM client expects. DEFAULT_4XX
 * and DEFAULT_5XX catch types not listed; their status is pinned so body and status agree.
 */
export const GATEWAY_RESPONSES: readonly { type: apigw.ResponseType; status: number }[] = [
  { type: apigw.ResponseType.THROTTLED, status: 429 },
  { type: apigw.ResponseType.QUOTA_EXCEEDED, status: 429 },
  { type: apigw.ResponseType.UNAUTHORIZED, status: 401 },
  { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404 },
  { type: apigw.ResponseType.RESOURCE_NOT_FOUND, status: 404 },
  { type: apigw.ResponseType.ACCESS_DENIED, status: 403 },
  { type: apigw.ResponseType.WAF_FILTERED, status: 403 },
  { type: apigw.ResponseType.EXPIRED_TOKEN, status: 403 },
  { type: apigw.ResponseType.INVALID_SIGNATURE, status: 403 },
  { type: apigw.ResponseType.INVALID_API_KEY, status: 403 },
  { type: apigw.ResponseType.BAD_REQUEST_BODY, status: 400 },
  { type: apigw.ResponseType.BAD_REQUEST_PARAMETERS, status: 400 },
  { type: apigw.ResponseType.REQUEST_TOO_LARGE, status: 413 },
  { type: apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415 },
  { type: apigw.ResponseType.INTEGRATION_FAILURE, status: 504 },
  { type: apigw.ResponseType.INTEGRATION_TIMEOUT, status: 504 },
  { type: apigw.ResponseType.API_CONFIGURATION_ERROR, status: 500 },
  // The authorizer threw (token store unreadable) or could not be run: retry later, as the handlers' 503.
  { type: apigw.ResponseType.AUTHORIZER_FAILURE, status: 503 },
  { type: apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 503 },
  { type: apigw.ResponseType.DEFAULT_4XX, status: 400 },
  { type: apigw.ResponseType.DEFAULT_5XX, status: 500 },
];

/**
 * The SCIM error body as a gateway response template. `status` is a string (RFC 7644 §3.12);
 * $context.error.messageString is already a quoted JSON string, so it is not quoted again.
 */
function scimErrorTemplate(status: number): string {
  return `{"schemas":["${SCIM_ERROR_SCHEMA}"],"status":"${status}","detail":$context.error.messageString}`;
}

export interface ScimApiProps {
  readonly functions: Readonly<Record<RouteTarget, lambda.IFunction>>;
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /** Whether to set the account-wide API Gateway CloudWatch Logs role (ScimStackProps.apiGatewayAccountRole). */
  readonly accountRole: boolean;
  readonly tracing: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Maps the bearer token to the tenant's API key (lib/constructs/token-authorizer.ts). */
  readonly authorizer: apigw.IAuthorizer;
  /** Each tenant's limit unless its key is in a tier's plan. */
  readonly tenantRateLimit: RateLimit;
  /** Further limits a tenant can be given (docs/FAIRNESS.md): one usage plan each. */
  readonly tenantRateTiers: readonly RateLimit[];
}

export class ScimApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  /** One usage plan per distinct tenant limit, by tier name (`r<rate>-b<burst>`); the default's included. */
  readonly tenantPlans: Readonly<Record<string, apigw.UsagePlan>>;

  constructor(scope: Construct, id: string, props: ScimApiProps) {
    super(scope, id);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      // The API's CloudWatch metrics (and so the alarms) are keyed by this name: one per stack.
      restApiName: Stack.of(this).stackName,
      description: 'SCIM 2.0 service provider (RFC 7643/7644)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The usage-plan key of a request is the one the token authorizer returns; a client's x-api-key is ignored.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      // The account-level role API Gateway needs to write execution logs (set once per region),
      // unless the account's owner manages it.
      cloudWatchRole: props.accountRole,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        tracingEnabled: props.tracing,
        metricsEnabled: true,
        // Execution logs for errors only, and never request/response data: bodies carry
        // personal data and the Authorization header carries the token.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    // The execute-api endpoint's default policy still accepts TLS 1.0 and 1.1; bearer tokens and
    // personal data travel here. TLS_1_2 is API Gateway's legacy policy with TLS 1.2 as the
    // minimum (the enhanced SecurityPolicy_* ones also require an endpoint access mode).
    (this.api.node.defaultChild as apigw.CfnRestApi).securityPolicy = 'TLS_1_2';

    for (const route of ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      const integration = new apigw.LambdaIntegration(props.functions[route.target], {
        proxy: true,
        allowTestInvoke: false,
      });
      // Every method: the authorizer names the tenant's key, the tenant's usage plan throttles it
      // (static files that need no token excepted: the stage throttle alone applies to them).
      const options: apigw.MethodOptions = TOKENLESS_TARGETS.has(route.target)
        ? {}
        : { authorizer: props.authorizer, apiKeyRequired: true };
      for (const method of Object.keys(route.methods)) resource.addMethod(method, integration, options);
      // Fallback for every other method: the handler answers 405 with Allow (RFC 7231 §6.5.5).
      resource.addMethod('ANY', integration, options);
    }

    const plans: Record<string, apigw.UsagePlan> = {};
    for (const limit of [props.tenantRateLimit, ...props.tenantRateTiers]) {
      const tier = rateLimitTier(limit);
      plans[tier] ??= this.api.addUsagePlan(`Tenants-${tier}`, {
        name: `${Stack.of(this).stackName}-tenants-${tier}`,
        description: `Tenants limited to ${limit.rate} requests/s, burst ${limit.burst} (docs/FAIRNESS.md)`,
        throttle: { rateLimit: limit.rate, burstLimit: limit.burst },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
    }
    this.tenantPlans = plans;

    for (const { type, status } of GATEWAY_RESPONSES) {
      const template = scimErrorTemplate(status);
      this.api.addGatewayResponse(`Gw${type.responseType}`, {
        type,
        statusCode: String(status),
        responseHeaders: {
          'Content-Type': `'${SCIM_CONTENT_TYPE}'`,
          ...(status === 429 ? { 'Retry-After': `'${THROTTLE_RETRY_AFTER_SECONDS}'` } : {}),
          ...(status === 503 ? { 'Retry-After': `'${UNAVAILABLE_RETRY_AFTER_SECONDS}'` } : {}),
          // A 401 must carry a challenge (RFC 9110 §15.5.2); a 403 is not an authentication
          // challenge (and MISSING_AUTHENTICATION_TOKEN is an unknown path here), so none get it.
          ...(status === 401 ? { 'WWW-Authenticate': `'${BEARER_CHALLENGE}'` } : {}),
        },
        // API Gateway picks the template by the request's Accept type; both SCIM media types get one.
        templates: { 'application/json': template, [SCIM_CONTENT_TYPE]: template },
      });
    }

    this.acknowledgeFindings();
    if (!props.tracing) {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'Serverless-APIGWXrayEnabled',
        reason: 'X-Ray tracing is an opt-in stack prop (tracing: true): it adds cost per request.',
      });
    }
  }

  /** Base URL of the SCIM endpoints on the execute-api domain. */
  get scimBaseUrl(): string {
    return `${this.api.url.replace(/\/$/, '')}${SCIM_PREFIX}`;
  }

  /** Called by the stack when the optional WAF is off. */
  acknowledgeNoWaf(): void {
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF is an opt-in stack prop (waf: true): it costs per web ACL and rule. Without it the stage throttle, per-request bearer authentication and SCIM input validation remain.',
    });
  }

  private acknowledgeFindings(): void {
    const api = Validations.of(this.api);
    const bearer =
      'Every SCIM request carries a bearer token (RFC 7644 §2, as Okta/Entra send it), checked by the token authorizer on every SCIM method (which maps it to the tenant usage plan) and again in the function (SHA-256 hashed, constant-time compared, tenant-scoped). The static-file methods of the console alone have no authorizer: they serve the same page to anyone, read nothing, and the page calls the API with the token its user types.';
    api.acknowledge({ id: 'AwsSolutions-APIG4', reason: bearer });
    api.acknowledge({
      id: 'AwsSolutions-COG4',
      reason: `Identity providers (Okta, Entra) call with a static bearer token, not a Cognito user. ${bearer}`,
    });
    api.acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated in the function against the SCIM schemas (case-insensitive attribute names, extension URNs, Okta/Entra quirks) with SCIM error responses; an API Gateway JSON-schema model cannot express those rules.',
    });
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway logging role needs exactly this AWS-maintained policy; it is assumable only by apigateway.amazonaws.com.',
      });
    }
  }
}

/** JSON access log line: who, what, outcome and where the time went; never headers or bodies. */
function accessLogFormat(): apigw.AccessLogFormat {
  const f = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      requestTime: f.contextRequestTime(),
      ip: f.contextIdentitySourceIp(),
      userAgent: f.contextIdentityUserAgent(),
      method: f.contextHttpMethod(),
      resource: f.contextResourcePath(),
      path: f.contextPath(),
      protocol: f.contextProtocol(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationLatency: f.contextIntegrationLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      errorType: f.contextErrorResponseType(),
      errorMessage: f.contextErrorMessage(),
      wafResponse: f.contextWafResponseCode(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}
