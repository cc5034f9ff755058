/**
 * Local tokens (SCIM_DEV_TOKEN, SCIM_LOCAL_TOKENS) are held to the rule authentication applies
 * (isPlausibleToken): a `scim_` token needs a valid checksum, any other at least 32 characters.
 * The local server refuses to start otherwise, saying what is wrong and how to get a valid token.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { fileTokenSource } from '../../../lambdas/auth/file-token-source';
import { parseTokenDocument } from '../../../lambdas/auth/token-document';
import { generateToken, isPlausibleToken } from '../../../lambdas/auth/token-format';
import { parseLocalTokens, validateDevToken, writeDevTokens } from '../../../local/dev-tokens';

const valid = generateToken();
const mistyped = `${valid.slice(0, -1)}${valid.endsWith('0') ? '1' : '0'}`;
const truncated = valid.slice(0, 40);

describe('validateDevToken', () => {
  it.each([
    ['a generated scim_ token', valid],
    ['a long developer-chosen token', 'x'.repeat(32)],
  ])('accepts %s, as authentication does', (_name, token) => {
    expect(isPlausibleToken(token)).toBe(true);
    expect(() => validateDevToken({ tenant: 'default', token }, 'SCIM_DEV_TOKEN')).not.toThrow();
  });

  it.each([
    [
      'a scim_ token with a wrong checksum',
      mistyped,
      /SCIM_DEV_TOKEN.*starts with "scim_" but is not a well-formed.*checksum/,
    ],
    ['a truncated scim_ token', truncated, /not a well-formed scim_ token/],
    ['a short token', 'short', /is 5 characters; a development token needs at least 32/],
    ['a token with a space', `${'x'.repeat(20)} ${'y'.repeat(20)}`, /whitespace/],
  ])(
    'refuses %s, which authentication would refuse too, and says how to get one',
    (_name, token, message) => {
      if (!/\s/.test(token)) expect(isPlausibleToken(token)).toBe(false);
      expect(() => validateDevToken({ tenant: 'default', token }, 'SCIM_DEV_TOKEN')).toThrow(message);
      expect(() => validateDevToken({ tenant: 'default', token }, 'SCIM_DEV_TOKEN')).toThrow(
        /Leave SCIM_DEV_TOKEN unset.*openssl rand -hex 32/,
      );
    },
  );

  it('names SCIM_LOCAL_TOKENS and the tenant for its entries', () => {
    const [entry] = parseLocalTokens(`globex:${mistyped}`);
    expect(() => validateDevToken(entry as { tenant: string; token: string }, 'SCIM_LOCAL_TOKENS')).toThrow(
      /SCIM_LOCAL_TOKENS: the token for tenant "globex"/,
    );
  });
});

describe('the local server', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../../bin/scim-local.ts')], {
      env: { ...process.env, SCIM_IN_MEMORY: '1', PORT: '0', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each([
    ['SCIM_DEV_TOKEN', { SCIM_DEV_TOKEN: mistyped }],
    ['SCIM_LOCAL_TOKENS', { SCIM_DEV_TOKEN: valid, SCIM_LOCAL_TOKENS: 'globex:tooshort' }],
  ])('refuses to start with an invalid %s, before starting DynamoDB Local', (name, env) => {
    const result = start(env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Failed to start: ${name}`);
    expect(result.stderr).toContain('openssl rand -hex 32');
    expect(result.stdout).not.toContain('DynamoDB');
  });
});

describe('local token scopes (SCIM_LOCAL_TOKENS=tenant:token[:scope])', () => {
  it('reads an optional scope after the token, write by default', () => {
    const long = 'x'.repeat(40);
    expect(parseLocalTokens(`acme:${long},globex:${long}:read,initech:${long}:write`)).toEqual([
      { tenant: 'acme', token: long },
      { tenant: 'globex', token: long, scope: 'read' },
      { tenant: 'initech', token: long, scope: 'write' },
    ]);
    expect(() => parseLocalTokens(`acme:${long}:admin`)).toThrow(/scope "admin" is not one of read, write/);
  });

  it('stores each scope, keeps the write token id of before, and the authenticator reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      const write = 'w'.repeat(40);
      const read = 'r'.repeat(40);
      writeDevTokens(file, [
        { tenant: 'default', token: write },
        { tenant: 'default', token: read, scope: 'read' },
      ]);
      const records = parseTokenDocument(readFileSync(file, 'utf8')).tokens;
      expect(records.map((r) => [r.id, r.scope])).toEqual([
        ['local-env-default', 'write'],
        ['local-env-default-read', 'read'],
      ]);
      const authenticate = createAuthenticator(fileTokenSource(file));
      expect((await authenticate(`Bearer ${write}`)).scope).toBe('write');
      expect((await authenticate(`Bearer ${read}`)).scope).toBe('read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
