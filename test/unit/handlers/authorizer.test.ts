/**
 * The token authorizer (lambdas/handlers/authorizer.ts): a valid token → Allow on every method of
 * the stage (API Gateway caches one answer per Authorization value for all methods) with the
 * tenant's usage-plan key; anything else → "Unauthorized" (API Gateway's 401); an unreadable
 * token store → an error (AUTHORIZER_FAILURE, a 503), never an Allow.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { generateToken } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { staticTokenSource, TokenStoreUnavailableError } from '../../../lambdas/auth/token-source';
import { tenantApiKeyValue } from '../../../lambdas/auth/usage-key';
import { createAuthorizer } from '../../../lambdas/handlers/authorizer';

const TOKEN = generateToken();
const OTHER = generateToken();
const READER = generateToken();
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/scim/v2/Users';

const authorizer = createAuthorizer(() =>
  createAuthenticator(
    staticTokenSource({
      tokens: [
        {
          id: 'tok_a',
          tenant: 'acme',
          label: 'Okta',
          sha256: sha256Hex(TOKEN),
          createdAt: '2026-01-01T00:00:00Z',
        },
        {
          id: 'tok_b',
          tenant: 'globex',
          label: 'Entra',
          sha256: sha256Hex(OTHER),
          createdAt: '2026-01-01T00:00:00Z',
        },
        {
          id: 'tok_r',
          tenant: 'acme',
          label: 'Console',
          sha256: sha256Hex(READER),
          createdAt: '2026-01-01T00:00:00Z',
          scope: 'read',
        },
      ],
    }),
  ),
);

function event(
  headers: Record<string, string>,
  multi?: Record<string, string[]>,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers,
    multiValueHeaders: multi ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { apiId: 'abc123' },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

describe('token authorizer', () => {
  it("a valid token: Allow on the whole stage, the tenant's API key, the tenant in the context", async () => {
    const result = await authorizer(event({ Authorization: `Bearer ${TOKEN}` }));
    expect(result.principalId).toBe('tok_a');
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
      },
    ]);
    expect(result.usageIdentifierKey).toBe(tenantApiKeyValue('abc123', 'acme', 'write'));
    expect(result.context).toEqual({ tenant: 'acme' });
    // Another tenant's token names another key: its own bucket.
    const other = await authorizer(event({ authorization: `bearer ${OTHER}` }));
    expect(other.usageIdentifierKey).toBe(tenantApiKeyValue('abc123', 'globex', 'write'));
    expect(other.usageIdentifierKey).not.toBe(result.usageIdentifierKey);
  });

  it("a read token names its tenant's read key: readers cannot spend the identity provider's bucket", async () => {
    const reader = await authorizer(event({ Authorization: `Bearer ${READER}` }));
    expect(reader.usageIdentifierKey).toBe(tenantApiKeyValue('abc123', 'acme', 'read'));
    expect(reader.usageIdentifierKey).not.toBe(tenantApiKeyValue('abc123', 'acme', 'write'));
    expect(reader.context).toEqual({ tenant: 'acme' });
  });

  it.each([
    ['an unknown token', { Authorization: `Bearer ${generateToken()}` }],
    ['a malformed token', { Authorization: 'Bearer scim_nope' }],
    ['the wrong scheme', { Authorization: `Basic ${TOKEN}` }],
    ['no header', {}],
  ])('%s: "Unauthorized" (the 401 gateway response)', async (_name, headers) => {
    await expect(authorizer(event(headers))).rejects.toThrow(/^Unauthorized$/);
  });

  it('two Authorization values authenticate nobody', async () => {
    const twice = event(
      { Authorization: `Bearer ${TOKEN}` },
      { Authorization: [`Bearer ${TOKEN}`, `Bearer ${OTHER}`] },
    );
    await expect(authorizer(twice)).rejects.toThrow(/^Unauthorized$/);
  });

  it('an unreadable token store is an error, never an Allow', async () => {
    const failing = createAuthorizer(() =>
      createAuthenticator({
        current: async () => {
          throw new TokenStoreUnavailableError('ThrottlingException', 5);
        },
        refresh: async () => {
          throw new TokenStoreUnavailableError('ThrottlingException', 5);
        },
      }),
    );
    const outcome = failing(event({ Authorization: `Bearer ${TOKEN}` }));
    await expect(outcome).rejects.toThrow();
    await expect(outcome).rejects.not.toThrow(/^Unauthorized$/);
  });
});

describe('tenant API key values', () => {
  it('are alphanumeric, 20–128 characters, distinct per tenant, per scope and per API', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.constantFrom('read' as const, 'write' as const),
        (tenant, api, scope) => {
          const key = tenantApiKeyValue(api, tenant, scope);
          expect(key).toMatch(/^[A-Za-z0-9]{20,128}$/);
          expect(tenantApiKeyValue(api, `${tenant}x`, scope)).not.toBe(key);
          expect(tenantApiKeyValue(`${api}x`, tenant, scope)).not.toBe(key);
          expect(tenantApiKeyValue(api, tenant, scope === 'read' ? 'write' : 'read')).not.toBe(key);
        },
      ),
    );
  });

  it("keep the write key's value of before read keys existed (deployed keys stay valid)", () => {
    expect(tenantApiKeyValue('abc123', 'acme', 'write')).toBe(
      `scim${createHash('sha256').update('abc123/acme').digest('hex')}`,
    );
  });
});
