/**
 * The REST API's Lambda REQUEST authorizer (docs/FAIRNESS.md): bearer token → the tenant's
 * usage-plan API key, so API Gateway applies that tenant's own rate limit before any function
 * runs, and a missing or unknown token is a 401 that costs no function and no DynamoDB work.
 * It checks the token with the authenticator and cached token secret the handlers use; the
 * handlers still check it themselves. API Gateway caches each answer per Authorization value.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { Authenticate } from '../auth/authenticator';
import { tenantApiKeyValue } from '../auth/usage-key';
import { isDomainError } from '../domain/errors';
import { singleAuthorization } from '../http/request';
import { logger } from '../observability/logger';
import { authSettingsFromEnv } from '../runtime-auth';

/** The message API Gateway turns into its UNAUTHORIZED (401) gateway response. */
const UNAUTHORIZED = 'Unauthorized';

export function createAuthorizer(authenticate: () => Authenticate) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    let principal: Awaited<ReturnType<Authenticate>>;
    try {
      principal = await authenticate()(singleAuthorization(event));
    } catch (error) {
      if (isDomainError(error, 'unauthenticated')) throw new Error(UNAUTHORIZED);
      // The token store could not be read: AUTHORIZER_FAILURE, a 503 with Retry-After.
      logger.error('Authorizer could not check a token', {
        code: isDomainError(error) ? error.code : 'fault',
      });
      throw error;
    }
    return {
      principalId: principal.tokenId,
      // The answer is cached per Authorization value and reused for every method of the stage.
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageMethods(event.methodArn) },
        ],
      },
      usageIdentifierKey: tenantApiKeyValue(event.requestContext.apiId, principal.tenant, principal.scope),
      context: { tenant: principal.tenant },
    };
  };
}

/** arn:…:api-id/stage/VERB/path → arn:…:api-id/stage/* (every method and path of the stage). */
function stageMethods(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

let authenticator: Authenticate | undefined;
export const handler = createAuthorizer(() => {
  // The same token source, cache settings and logger as every SCIM function (runtime-auth.ts).
  authenticator ??= authSettingsFromEnv(process.env).authenticate;
  return authenticator;
});
