/**
 * The authenticator's decisions: tenant from the token, one identical 401 for every failure,
 * malformed `scim_` tokens rejected without touching the store, dev tokens accepted, expiry,
 * and 503 (never 500, never access) when the store cannot be read.
 */
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import type { TokenDocument, TokenRecord } from '../../../lambdas/auth/token-document';
import { generateToken } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { type TokenSource, TokenStoreUnavailableError } from '../../../lambdas/auth/token-source';
import { isDomainError } from '../../../lambdas/domain/errors';
import { errorResponse } from '../../../lambdas/http/error-response';

const NOW = new Date('2026-11-23T10:00:00Z');
const acmeToken = generateToken();
const globexToken = generateToken();
const devToken = 'my-local-development-token-0123456789';

function rec(id: string, tenant: string, token: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id,
    tenant,
    label: `${tenant} token`,
    sha256: sha256Hex(token),
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

/** A source that counts reads and can be told what each read returns. */
function countingSource(documents: { current: TokenDocument; refreshed?: TokenDocument }) {
  const calls = { current: 0, refresh: 0 };
  const source: TokenSource = {
    async current() {
      calls.current++;
      return documents.current;
    },
    async refresh() {
      calls.refresh++;
      return documents.refreshed ?? documents.current;
    },
  };
  return { source, calls };
}

interface Rejection {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly detail: string;
}

/** The domain error a promise rejects with, and the SCIM response it becomes. */
async function rejection(promise: Promise<unknown>): Promise<Rejection> {
  try {
    await promise;
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const response = errorResponse(error);
    return {
      status: response.statusCode,
      headers: response.headers as Record<string, string>,
      body: JSON.parse(response.body),
      detail: error.message,
    };
  }
  throw new Error('expected a rejection');
}

const expiredToken = generateToken();
const document: TokenDocument = {
  tokens: [
    rec('tok-acme', 'acme', acmeToken),
    rec('tok-globex', 'globex', globexToken, { expiresAt: '2026-12-01T00:00:00Z' }),
    rec('tok-old', 'acme', expiredToken, { expiresAt: '2026-11-23T09:59:59Z' }),
    rec('local-env-default', 'default', devToken),
  ],
};

describe('createAuthenticator', () => {
  it('resolves the tenant of each token (the token decides the tenant)', async () => {
    const { source } = countingSource({ current: document });
    const authenticate = createAuthenticator(source, () => NOW);
    await expect(authenticate(`Bearer ${acmeToken}`)).resolves.toEqual({
      tenant: 'acme',
      tokenId: 'tok-acme',
      label: 'acme token',
      // A record stored before scopes existed counts as write.
      scope: 'write',
    });
    expect((await authenticate(`Bearer ${globexToken}`)).tenant).toBe('globex');
    expect((await authenticate(`bearer ${acmeToken}`)).tenant).toBe('acme');
  });

  it('accepts a developer-chosen token of 32+ characters (local server)', async () => {
    const { source } = countingSource({ current: document });
    expect((await createAuthenticator(source, () => NOW)(`Bearer ${devToken}`)).tenant).toBe('default');
  });

  it('deployed (scim_ tokens only), a developer-chosen token is refused without reading the store', async () => {
    const { source, calls } = countingSource({ current: document });
    const deployed = createAuthenticator(source, () => NOW, { scimTokensOnly: true });
    await expect(deployed(`Bearer ${devToken}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(calls).toEqual({ current: 0, refresh: 0 });
    expect((await deployed(`Bearer ${acmeToken}`)).tenant).toBe('acme');
  });

  const failures: Array<[string, string | undefined]> = [
    ['missing header', undefined],
    ['wrong scheme', `Basic ${Buffer.from('u:p').toString('base64')}`],
    ['empty bearer', 'Bearer '],
    [
      'malformed scim_ token (bad checksum)',
      `Bearer ${acmeToken.slice(0, -1)}${acmeToken.endsWith('a') ? 'b' : 'a'}`,
    ],
    ['short dev token', 'Bearer short-token'],
    ['unknown token', `Bearer ${generateToken()}`],
    ['expired token', `Bearer ${expiredToken}`],
    ['revoked token (no longer in the document)', `Bearer ${generateToken()}`],
    ['two tokens', `Bearer ${acmeToken} ${globexToken}`],
    ['a raw dev token without the Bearer scheme', devToken],
    ['a raw malformed scim_ token', `${acmeToken.slice(0, -1)}${acmeToken.endsWith('a') ? 'b' : 'a'}`],
  ];

  it('accepts one of our scim_ tokens sent without the Bearer scheme (raw header value)', async () => {
    const { source } = countingSource({ current: document });
    const principal = await createAuthenticator(source, () => NOW)(`  ${acmeToken} `);
    expect(principal.tenant).toBe('acme');
  });

  it.each(failures)(
    'answers %s with the one 401 body and WWW-Authenticate: Bearer',
    async (_case, header) => {
      const { source } = countingSource({ current: document });
      const error = await rejection(createAuthenticator(source, () => NOW)(header));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer/);
      expect(error.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '401',
        detail: 'Authentication failed: a valid bearer token is required',
      });
    },
  );

  it('rejects malformed scim_ tokens and short tokens without reading the store', async () => {
    const { source, calls } = countingSource({ current: document });
    const authenticate = createAuthenticator(source, () => NOW);
    await rejection(authenticate(`Bearer ${acmeToken.slice(0, -2)}`));
    await rejection(authenticate('Bearer scim_tooshort_0000000'));
    await rejection(authenticate('Bearer not-long-enough'));
    await rejection(authenticate(undefined));
    expect(calls).toEqual({ current: 0, refresh: 0 });
  });

  it('refreshes once on an unknown token, so a token created a moment ago works at once', async () => {
    const fresh = generateToken();
    const { source, calls } = countingSource({
      current: document,
      refreshed: { tokens: [...document.tokens, rec('tok-new', 'acme', fresh)] },
    });
    const authenticate = createAuthenticator(source, () => NOW);
    expect((await authenticate(`Bearer ${fresh}`)).tokenId).toBe('tok-new');
    expect(calls).toEqual({ current: 1, refresh: 1 });
    await authenticate(`Bearer ${acmeToken}`);
    expect(calls).toEqual({ current: 2, refresh: 1 });
  });

  it('treats a token at or past its expiry instant as expired, and an unparseable expiry as expired', async () => {
    const token = generateToken();
    const at = (expiresAt: string) =>
      createAuthenticator(
        countingSource({ current: { tokens: [rec('t', 'acme', token, { expiresAt })] } }).source,
        () => NOW,
      )(`Bearer ${token}`);
    await expect(at('2026-11-23T10:00:00.001Z')).resolves.toMatchObject({ tenant: 'acme' });
    expect((await rejection(at('2026-11-23T10:00:00Z'))).status).toBe(401);
    expect((await rejection(at('not a date'))).status).toBe(401);
  });

  it.each([
    ['TokenStoreUnavailableError', new TokenStoreUnavailableError('ThrottlingException', 7), '7'],
    ['any other failure', new Error('socket hang up'), '5'],
  ])(
    'answers 503 with Retry-After when the store fails (%s), never a 500 or access',
    async (_n, failure, after) => {
      const source: TokenSource = {
        current: () => Promise.reject(failure),
        refresh: () => Promise.reject(failure),
      };
      const error = await rejection(createAuthenticator(source, () => NOW)(`Bearer ${acmeToken}`));
      expect(error.status).toBe(503);
      expect(error.headers['Retry-After']).toBe(after);
      expect(error.detail).not.toContain('socket');
    },
  );

  it('answers 503 when the refresh for an unknown token fails (it might be a new token)', async () => {
    const source: TokenSource = {
      current: async () => document,
      refresh: () => Promise.reject(new TokenStoreUnavailableError('AccessDeniedException', 5)),
    };
    const authenticate = createAuthenticator(source, () => NOW);
    expect((await rejection(authenticate(`Bearer ${generateToken()}`))).status).toBe(503);
    // Known tokens are still served from the cached document.
    expect((await authenticate(`Bearer ${acmeToken}`)).tenant).toBe('acme');
  });
});
