/**
 * Where the 401 challenge can reach a client of the deployed REST API (issue #20). API Gateway
 * renames a Lambda integration's WWW-Authenticate to x-amzn-Remapped-WWW-Authenticate, so the
 * handlers' challenge arrives renamed; only a response API Gateway produces itself (a gateway
 * response) carries the real header. The template must show exactly that: the token authorizer
 * (docs/FAIRNESS.md) answers a missing or unknown token with the 401 gateway response, which
 * carries the same challenge the handlers send; the functions still check tokens (proxy
 * integrations); and no 403 pretends to be a challenge.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BEARER_CHALLENGE, ROUTES, TOKENLESS_TARGETS } from '../../lambdas/deployment';
import { ScimStack } from '../../lib/scim-stack';
import { resources, routeMethods } from './template-queries';

jest.setTimeout(120_000);

const CHALLENGE_PARAM = 'gatewayresponse.header.WWW-Authenticate';

let template: Template;

beforeAll(() => {
  // Bundling skipped: the API's shape is under test, not the function code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new ScimStack(app, 'ScimChallenge'));
});

function gatewayResponses(): { type: string; status: string; params: Record<string, string> }[] {
  return resources(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => ({
    type: String(r.Properties?.ResponseType),
    status: String(r.Properties?.StatusCode),
    params: (r.Properties?.ResponseParameters ?? {}) as Record<string, string>,
  }));
}

describe('the 401 challenge in the deployed API', () => {
  it("API Gateway's own 401 (UNAUTHORIZED) carries WWW-Authenticate with the handlers' challenge", () => {
    const unauthorized = gatewayResponses().filter((r) => r.type === 'UNAUTHORIZED');
    expect(unauthorized).toHaveLength(1);
    expect(unauthorized[0]?.status).toBe('401');
    // A static gateway-response value is single-quoted; the handler's header value is inside.
    expect(unauthorized[0]?.params[CHALLENGE_PARAM]).toBe(`'${BEARER_CHALLENGE}'`);
    expect(BEARER_CHALLENGE).toBe('Bearer realm="SCIM"');
  });

  it('no other gateway response sends a challenge: 403s (and the 404 for unknown paths) are not 401s', () => {
    const withChallenge = gatewayResponses()
      .filter((r) => CHALLENGE_PARAM in r.params)
      .map((r) => `${r.type} ${r.status}`);
    expect(withChallenge).toEqual(['UNAUTHORIZED 401']);
    const missingToken = gatewayResponses().find((r) => r.type === 'MISSING_AUTHENTICATION_TOKEN');
    expect(missingToken?.status).toBe('404');
  });

  it('tokens are checked by the authorizer (401 = the gateway response) and again in the functions (proxy integrations)', () => {
    // The authorizer's 401 is UNAUTHORIZED (its challenge is not renamed); a function's own 401
    // (a token revoked within the authorizer's cache time) is renamed (docs/DEPLOY.md).
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    // The console's static files (a token-less target) are the one exception: no authorizer.
    const tokenless = new Set(ROUTES.filter((r) => TOKENLESS_TARGETS.has(r.target)).map((r) => r.path));
    const paths = routeMethods(template).map((m) => m.path);
    const methods = resources(template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    expect(tokenless.size).toBeGreaterThan(0);
    methods.forEach(([id, method], i) => {
      const integration = method.Properties?.Integration as { Type?: string } | undefined;
      const expected = tokenless.has(paths[i] ?? '') ? 'NONE' : 'CUSTOM';
      expect(`${id} ${integration?.Type} ${method.Properties?.AuthorizationType}`).toBe(
        `${id} AWS_PROXY ${expected}`,
      );
    });
  });
});
