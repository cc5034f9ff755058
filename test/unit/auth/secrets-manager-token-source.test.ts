/**
 * The Lambda's token cache, on a fake clock against an in-memory Secrets Manager: TTL, refresh
 * throttling on unknown tokens, coalescing, the stale grace on failures, 503 mapping, and that
 * a corrupt secret is logged without its contents.
 */
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import {
  secretsManagerTokenSource,
  tokenCacheSettingsFromEnv,
} from '../../../lambdas/auth/secrets-manager-token-source';
import type { TokenRecord } from '../../../lambdas/auth/token-document';
import { generateToken } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { TokenStoreUnavailableError } from '../../../lambdas/auth/token-source';
import { isDomainError } from '../../../lambdas/domain/errors';
import { errorResponse } from '../../../lambdas/http/error-response';
import { logger } from '../../../lambdas/observability/logger';
import { awsError, FakeSecretsManager } from './fake-secrets-manager';

const SECRET = 'scim/tokens';

function rec(id: string, token: string, tenant = 'acme'): TokenRecord {
  return { id, tenant, label: id, sha256: sha256Hex(token), createdAt: '2026-01-01T00:00:00Z' };
}

function setup(
  options: { ttlSeconds?: number; minRefreshSeconds?: number; staleGraceSeconds?: number } = {},
) {
  const sm = new FakeSecretsManager();
  const known = generateToken();
  sm.createSecret(SECRET, JSON.stringify({ tokens: [rec('tok-known', known)] }));
  let clock = Date.parse('2026-11-23T10:00:00Z');
  const source = secretsManagerTokenSource({
    secretId: SECRET,
    readSecret: sm.readSecret,
    now: () => clock,
    ...options,
  });
  const authenticate = createAuthenticator(source, () => new Date(clock));
  const gets = () => sm.calls.filter((c) => c === 'GetSecretValue').length;
  const setSecret = (records: TokenRecord[]) => {
    // Simulates the CLI's write: a new AWSCURRENT version.
    sm.createSecret(SECRET, JSON.stringify({ tokens: records }));
  };
  return {
    sm,
    known,
    source,
    authenticate,
    gets,
    setSecret,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (isDomainError(error)) return errorResponse(error).statusCode;
    throw error;
  }
}

describe('secretsManagerTokenSource', () => {
  it('reads the secret once and serves it from cache until the TTL ends', async () => {
    const t = setup({ ttlSeconds: 60 });
    for (let i = 0; i < 10; i++) await t.authenticate(`Bearer ${t.known}`);
    expect(t.gets()).toBe(1);
    t.advance(59_999);
    await t.authenticate(`Bearer ${t.known}`);
    expect(t.gets()).toBe(1);
    t.advance(1);
    await t.authenticate(`Bearer ${t.known}`);
    expect(t.gets()).toBe(2);
  });

  it('makes a newly created token work at once (refresh on unknown token)', async () => {
    const t = setup();
    await t.authenticate(`Bearer ${t.known}`);
    t.advance(10_000);
    const fresh = generateToken();
    t.setSecret([rec('tok-known', t.known), rec('tok-fresh', fresh)]);
    expect((await t.authenticate(`Bearer ${fresh}`)).tokenId).toBe('tok-fresh');
  });

  it('refreshes at most once per minRefreshSeconds under a flood of bad tokens', async () => {
    const t = setup({ minRefreshSeconds: 5 });
    await t.authenticate(`Bearer ${t.known}`);
    for (let i = 0; i < 100; i++)
      expect(await statusOf(t.authenticate(`Bearer ${generateToken()}`))).toBe(401);
    expect(t.gets()).toBe(1);
    t.advance(5_000);
    for (let i = 0; i < 100; i++) await statusOf(t.authenticate(`Bearer ${generateToken()}`));
    expect(t.gets()).toBe(2);
  });

  it('coalesces concurrent cold-start reads into one GetSecretValue', async () => {
    const t = setup();
    let release: () => void = () => {};
    t.sm.hooks.GetSecretValue = () => new Promise<void>((resolve) => (release = resolve));
    const pending = Array.from({ length: 20 }, () => t.authenticate(`Bearer ${t.known}`));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const principals = await Promise.all(pending);
    expect(principals.every((p) => p.tenant === 'acme')).toBe(true);
    expect(t.gets()).toBe(1);
  });

  it.each([
    ['throttled', awsError('ThrottlingException', 'Rate exceeded', 400)],
    ['access denied', awsError('AccessDeniedException', 'not authorized to perform GetSecretValue', 400)],
    ['internal error', awsError('InternalServiceError', 'oops', 500)],
    ['network', Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' })],
  ])('answers 503 + Retry-After on a cold start when Secrets Manager fails (%s)', async (_n, error) => {
    const t = setup({ minRefreshSeconds: 5 });
    t.sm.failNext('GetSecretValue', error);
    try {
      await t.authenticate(`Bearer ${t.known}`);
      throw new Error('expected 503');
    } catch (caught) {
      expect(isDomainError(caught)).toBe(true);
      const response = errorResponse(caught);
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('5');
    }
  });

  it('answers 503 for a missing secret, and does not retry it on every request', async () => {
    const t = setup({ minRefreshSeconds: 5 });
    const source = secretsManagerTokenSource({ secretId: 'nope', readSecret: t.sm.readSecret, now: () => 0 });
    await expect(source.current()).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    await expect(source.current()).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    await expect(source.refresh()).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    expect(t.gets()).toBe(1);
  });

  it('keeps serving the last good document within the stale grace when a re-read fails, then fails closed', async () => {
    const t = setup({ ttlSeconds: 60, staleGraceSeconds: 300, minRefreshSeconds: 5 });
    await t.authenticate(`Bearer ${t.known}`);
    t.advance(61_000);
    t.sm.failNext('GetSecretValue', awsError('InternalServiceError', 'down', 500));
    expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(200);
    // While the failure is recent, no new read is attempted.
    expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(200);
    expect(t.gets()).toBe(2);
    // Past TTL + grace with the store still down: no more access.
    t.advance(300_000);
    t.sm.failNext('GetSecretValue', awsError('InternalServiceError', 'down', 500));
    expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(503);
  });

  it('serves no stale document when the secret is refused, gone or corrupt: an operator cut it off (fails closed at once)', async () => {
    for (const failure of [
      awsError('AccessDeniedException', 'denied', 400),
      awsError('ResourceNotFoundException', 'gone', 400),
      awsError('DecryptionFailure', 'kms', 400),
    ]) {
      const t = setup({ ttlSeconds: 60, staleGraceSeconds: 300, minRefreshSeconds: 5 });
      await t.authenticate(`Bearer ${t.known}`);
      t.advance(61_000);
      t.sm.failNext('GetSecretValue', failure);
      expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(503);
    }
    const t = setup({ ttlSeconds: 60, staleGraceSeconds: 300, minRefreshSeconds: 5 });
    await t.authenticate(`Bearer ${t.known}`);
    t.advance(61_000);
    t.sm.createSecret(SECRET, '{"tokens": [');
    expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(503);
    // Throttling is an outage, not a decision: the grace applies.
    const throttled = setup({ ttlSeconds: 60, staleGraceSeconds: 300, minRefreshSeconds: 5 });
    await throttled.authenticate(`Bearer ${throttled.known}`);
    throttled.advance(61_000);
    throttled.sm.failNext('GetSecretValue', awsError('ThrottlingException', 'slow down', 400));
    expect(await statusOf(throttled.authenticate(`Bearer ${throttled.known}`))).toBe(200);
  });

  it('answers 503 (not 401) for an unknown token when the refresh fails: it may be new', async () => {
    const t = setup({ minRefreshSeconds: 5 });
    await t.authenticate(`Bearer ${t.known}`);
    t.advance(6_000);
    t.sm.failNext('GetSecretValue', awsError('ThrottlingException'));
    expect(await statusOf(t.authenticate(`Bearer ${generateToken()}`))).toBe(503);
    expect(await statusOf(t.authenticate(`Bearer ${t.known}`))).toBe(200);
  });

  it('treats a corrupt secret as unavailable (503) and logs without its contents', async () => {
    const leaked = generateToken();
    const sm = new FakeSecretsManager();
    sm.createSecret(SECRET, `{"tokens": [${leaked}`);
    const lines: string[] = [];
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      }),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      }),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
          lines.push(args.map(String).join(' '));
        }),
      ),
    ];
    logger.setLogLevel('DEBUG');
    try {
      const authenticate = createAuthenticator(
        secretsManagerTokenSource({ secretId: SECRET, readSecret: sm.readSecret, log: logger }),
      );
      expect(await statusOf(authenticate(`Bearer ${leaked}`))).toBe(503);
    } finally {
      logger.setLogLevel('SILENT');
      for (const spy of spies) spy.mockRestore();
    }
    const output = lines.join('\n');
    expect(output).toContain('secret is not a valid token document');
    expect(output).not.toContain(leaked.slice(5, 25));
  });

  it('reads cache settings from the environment, ignoring nonsense', () => {
    expect(tokenCacheSettingsFromEnv({})).toEqual({
      ttlSeconds: 60,
      minRefreshSeconds: 5,
      staleGraceSeconds: 300,
    });
    expect(
      tokenCacheSettingsFromEnv({
        TOKEN_CACHE_TTL_SECONDS: '30',
        TOKEN_MIN_REFRESH_SECONDS: 'soon',
        TOKEN_STALE_GRACE_SECONDS: '-1',
      }),
    ).toEqual({ ttlSeconds: 30, minRefreshSeconds: 5, staleGraceSeconds: 300 });
  });
});
