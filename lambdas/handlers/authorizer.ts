/**
 * The REST API's Lambda REQUEST authorizer (docs/FAIRNESS.md): bearer token → the tenant's
 * usage-plan API key, so API Gateway applies that tenant's own rate limit before any function
 * runs, and a missing or unknown token is a 401 that costs no function and no DynamoDB work.
 * It checks the token with the authenticator and cached token secret the handlers use; the
 * handlers still check it themselves. API Gateway caches each answer per Authorization value.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { type Authenticate, createAuthenticator } from '../auth/authenticator';
import { secretsManagerTokenSource, tokenCacheSettingsFromEnv } from '../auth/secrets-manager-token-source';
import { tenantApiKeyValue } from '../auth/usage-key';
import { ENV } from '../deployment';
import { isDomainError } from '../domain/errors';
import { singleAuthorization } from '../http/request';
import { logger } from '../observability/logger';

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
      usageIdentifierKey: tenantApiKeyValue(event.requestContext.apiId, principal.tenant),
      context: { tenant: principal.tenant },
    };
  };
}

/** arn:…:api-id/stage/VERB/path → arn:…:api-id/stage/* (every method and path of the stage). */
function stageMethods(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

function authenticatorFromEnv(env: NodeJS.ProcessEnv = process.env): Authenticate {
  const secretId = env[ENV.tokenSecretId];
  if (!secretId) throw new Error(`${ENV.tokenSecretId} is not set`);
  return createAuthenticator(
    secretsManagerTokenSource({ secretId, ...tokenCacheSettingsFromEnv(env), log: logger }),
  );
}

let authenticator: Authenticate | undefined;
export const handler = createAuthorizer(() => {
  authenticator ??= authenticatorFromEnv();
  return authenticator;
});
