/**
 * Per-tenant fairness as deployed (docs/FAIRNESS.md), read from the template: the token
 * authorizer on every method supplies the usage-plan key (API key source AUTHORIZER, cached per
 * Authorization value), each distinct tenant limit is a usage plan on the stage, a throttled
 * tenant gets SCIM JSON 429 with Retry-After, and with WAF on, requests without a well-formed
 * token share one rate far below the stage throttle.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { DEFAULT_TENANT_RATE_LIMIT, TOKENLESS_TARGETS } from '../../lambdas/auth/rate-limit';
import { generateToken } from '../../lambdas/auth/token-format';
import { ROUTES } from '../../lambdas/routes';
import { WELL_FORMED_TOKEN_HEADER, WITHOUT_TOKEN_PER_MINUTE } from '../../lib/constructs/scim-waf';
import { OUTPUTS, ScimStack } from '../../lib/scim-stack';
import { resources, roleStatements, routeMethods } from './template-queries';

jest.setTimeout(120_000);

const STAGE_RATE = 50;
let template: Template;
let withWaf: Template;

beforeAll(() => {
  // Bundling skipped: the API's shape is under test, not the function code.
  const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new ScimStack(app(), 'ScimFair'));
  withWaf = Template.fromStack(
    new ScimStack(app(), 'ScimFairWaf', {
      waf: true,
      throttlingRateLimit: STAGE_RATE,
      tenantRateTiers: [{ rate: 50, burst: 100 }, DEFAULT_TENANT_RATE_LIMIT],
    }),
  );
});

const props = (r: { Properties?: Record<string, unknown> } | undefined) => r?.Properties ?? {};

describe('per-tenant limits in the deployed API', () => {
  it('one REQUEST authorizer on the Authorization header, cached 5 minutes, backed by the authorizer function', () => {
    const authorizers = resources(template, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const authorizer = props(authorizers[0]?.[1]);
    expect(authorizer.Type).toBe('REQUEST');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(300);
    const functions = resources(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('TokenAuthorizer'),
    );
    expect(functions).toHaveLength(1);
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(functions[0]?.[0]);
  });

  it('the API takes usage-plan keys from the authorizer, and every method requires one and uses the authorizer', () => {
    const [[, api] = []] = resources(template, 'AWS::ApiGateway::RestApi');
    expect(props(api).ApiKeySourceType).toBe('AUTHORIZER');
    const [[authorizerId] = []] = resources(template, 'AWS::ApiGateway::Authorizer');
    const methods = resources(template, 'AWS::ApiGateway::Method');
    const paths = routeMethods(template).map((m) => m.path);
    expect(methods.length).toBeGreaterThan(0);
    methods.forEach(([id, method], i) => {
      const p = props(method);
      // Routes served without a token (the console's static files) get neither.
      const target = ROUTES.find((r) => r.path === paths[i])?.target;
      const expected =
        target !== undefined && TOKENLESS_TARGETS.has(target)
          ? 'NONE undefined undefined'
          : `CUSTOM true ${JSON.stringify({ Ref: authorizerId })}`;
      expect(`${id} ${p.AuthorizationType} ${p.ApiKeyRequired} ${JSON.stringify(p.AuthorizerId)}`).toBe(
        `${id} ${expected}`,
      );
    });
  });

  it('the default tenant limit is a usage plan on the stage, one plan per distinct tier, named r<rate>-b<burst>', () => {
    const plans = (t: Template) =>
      resources(t, 'AWS::ApiGateway::UsagePlan').map(([, r]) => {
        const p = props(r) as { Throttle?: { RateLimit: number; BurstLimit: number }; ApiStages?: unknown[] };
        expect(p.ApiStages).toHaveLength(1);
        return p.Throttle;
      });
    expect(plans(template)).toEqual([
      { RateLimit: DEFAULT_TENANT_RATE_LIMIT.rate, BurstLimit: DEFAULT_TENANT_RATE_LIMIT.burst },
    ]);
    // A tier equal to the default is the default's plan, not a second one.
    expect(plans(withWaf)).toEqual([
      { RateLimit: DEFAULT_TENANT_RATE_LIMIT.rate, BurstLimit: DEFAULT_TENANT_RATE_LIMIT.burst },
      { RateLimit: 50, BurstLimit: 100 },
    ]);
    const outputs = withWaf.findOutputs(OUTPUTS.tenantUsagePlans);
    expect(JSON.stringify(outputs)).toContain('r10-b20');
    expect(JSON.stringify(outputs)).toContain('r50-b100');
    withWaf.hasOutput(OUTPUTS.restApiId, {});
  });

  it('a throttled tenant gets SCIM JSON 429 with Retry-After; an authorizer failure is 503 with Retry-After', () => {
    const byType = new Map(
      resources(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(props(r).ResponseType),
        props(r) as { StatusCode?: string; ResponseParameters?: Record<string, string> },
      ]),
    );
    expect(byType.get('THROTTLED')?.StatusCode).toBe('429');
    expect(byType.get('THROTTLED')?.ResponseParameters?.['gatewayresponse.header.Retry-After']).toBe("'1'");
    for (const type of ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR']) {
      expect(byType.get(type)?.StatusCode).toBe('503');
      expect(byType.get(type)?.ResponseParameters?.['gatewayresponse.header.Retry-After']).toBe("'5'");
    }
  });

  it('the authorizer may read the token secret and write its log group, nothing else', () => {
    const [[roleId] = []] = resources(template, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('TokenAuthorizer'),
    );
    const actions = roleStatements(template, String(roleId)).flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
  });
});

describe('requests without a well-formed token (WAF on)', () => {
  const rule = () => {
    const [[, acl] = []] = resources(withWaf, 'AWS::WAFv2::WebACL');
    const rules = props(acl).Rules as {
      Name: string;
      Priority: number;
      Statement: Record<string, unknown>;
      Action: unknown;
    }[];
    return { acl: props(acl), rules, rule: rules.find((r) => r.Name === 'RateWithoutToken') };
  };

  it('share one rate-based count (all addresses together), far below the stage throttle, answered 429 as SCIM JSON', () => {
    const { acl, rule: r } = rule();
    const statement = r?.Statement.RateBasedStatement as {
      Limit: number;
      EvaluationWindowSec: number;
      AggregateKeyType: string;
      ScopeDownStatement: unknown;
    };
    expect(statement.AggregateKeyType).toBe('CONSTANT');
    expect(statement.EvaluationWindowSec).toBe(60);
    expect(statement.Limit).toBe(WITHOUT_TOKEN_PER_MINUTE);
    // At most a fifth of what the stage admits in the same minute.
    expect(statement.Limit).toBeLessThanOrEqual((STAGE_RATE * 60) / 5);
    expect(statement.ScopeDownStatement).toEqual({
      NotStatement: {
        Statement: {
          RegexMatchStatement: {
            RegexString: WELL_FORMED_TOKEN_HEADER,
            FieldToMatch: { SingleHeader: { Name: 'authorization' } },
            TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }],
          },
        },
      },
    });
    expect(r?.Action).toEqual({
      Block: {
        CustomResponse: {
          ResponseCode: 429,
          CustomResponseBodyKey: 'throttled',
          ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
        },
      },
    });
    const bodies = acl.CustomResponseBodies as Record<string, { Content: string }>;
    expect(JSON.parse(bodies.throttled?.Content ?? '')).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
      detail: 'Too Many Requests',
    });
  });

  it('the scope-down pattern matches every real token header (as WAF lower-cases it) and nothing malformed', () => {
    const pattern = new RegExp(WELL_FORMED_TOKEN_HEADER);
    const matches = (header: string) => pattern.test(header.toLowerCase());
    fc.assert(
      fc.property(fc.constantFrom('Bearer ', 'bearer ', 'BEARER\t', ''), (prefix) => {
        expect(matches(`${prefix}${generateToken()}`)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const token = generateToken();
    for (const bad of [
      '',
      'Basic dXNlcjpwYXNz',
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `Bearer x${token}`,
      'Bearer dev-token-0123456789abcdefghijklmnopqrstuvwxyz',
    ]) {
      expect(matches(bad)).toBe(false);
    }
  });
});
