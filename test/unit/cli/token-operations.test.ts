/**
 * The CLI's pure parts: duration parsing (what `--expires-in` / `--grace` accept) and the
 * document changes behind create/rotate/revoke/list.
 */
import fc from 'fast-check';
import { parseDuration } from '../../../cli/duration';
import { CliError } from '../../../cli/errors';
import { createToken, listTokens, revokeToken, rotateToken } from '../../../cli/token-operations';
import type { TokenDocument } from '../../../lambdas/auth/token-document';
import { hasValidFormat } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';

const NOW = new Date('2026-11-23T10:00:00Z');
const H = 3_600_000;

describe('parseDuration', () => {
  it.each([
    ['90d', 90 * 24 * H],
    ['24h', 24 * H],
    ['1h30m', 1.5 * H],
    ['2w', 14 * 24 * H],
    ['45s', 45_000],
    ['0s', 0],
  ])('%s', (text, ms) => {
    expect(parseDuration(text, '--x')).toBe(ms);
  });

  it.each(['', '90', 'd', '1.5d', '-1d', '3mo', '1y', '90 days', 'h24', '99999999d'])(
    'rejects "%s" as a usage error',
    (text) => {
      expect(() => parseDuration(text, '--expires-in')).toThrow(CliError);
      try {
        parseDuration(text, '--expires-in');
      } catch (error) {
        expect((error as CliError).exitCode).toBe(2);
      }
    },
  );

  it('never throws anything but a CliError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const ms = parseDuration(text, '--x');
          expect(Number.isSafeInteger(ms) && ms >= 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(CliError);
        }
      }),
      { seed: 6, numRuns: 2000 },
    );
  });
});

describe('token document changes', () => {
  const empty: TokenDocument = { tokens: [] };

  it('create adds one record holding only the hash of a well-formed token', () => {
    const { document, result } = createToken(empty, {
      tenant: 'acme',
      label: 'okta',
      now: NOW,
      expiresInMs: 24 * H,
    });
    expect(hasValidFormat(result.token)).toBe(true);
    expect(document.tokens).toEqual([
      {
        id: result.record.id,
        tenant: 'acme',
        label: 'okta',
        scope: 'write',
        sha256: sha256Hex(result.token),
        createdAt: NOW.toISOString(),
        expiresAt: '2026-11-24T10:00:00.000Z',
      },
    ]);
    expect(JSON.stringify(document)).not.toContain(result.token);
    expect(result.record.id).toMatch(/^tok_[0-9a-f]{16}$/);
  });

  it('rotate never extends the old token beyond its own expiry', () => {
    const { document, result } = createToken(empty, { tenant: 'acme', label: 'x', now: NOW, expiresInMs: H });
    const rotated = rotateToken(document, { id: result.record.id, graceMs: 24 * H, now: NOW });
    expect(rotated.result.previous.expiresAt).toBe('2026-11-23T11:00:00.000Z');
    expect(rotated.result.successor.record.tenant).toBe('acme');
    expect(rotated.document.tokens).toHaveLength(2);
  });

  it('revoke removes exactly one record; unknown ids are an error', () => {
    const a = createToken(empty, { tenant: 'acme', label: 'a', now: NOW });
    const b = createToken(a.document, { tenant: 'acme', label: 'b', now: NOW });
    const { document } = revokeToken(b.document, { id: a.result.record.id });
    expect(document.tokens.map((t) => t.id)).toEqual([b.result.record.id]);
    expect(() => revokeToken(document, { id: a.result.record.id })).toThrow(/no token with id/);
  });

  it('list marks expired tokens and never exposes the hash', () => {
    const a = createToken(empty, { tenant: 'b-tenant', label: 'a', now: NOW, expiresInMs: H });
    const b = createToken(a.document, { tenant: 'a-tenant', label: 'b', now: NOW });
    const rows = listTokens(b.document, { now: new Date(NOW.getTime() + H) });
    expect(rows.map((r) => [r.tenant, r.expired])).toEqual([
      ['a-tenant', false],
      ['b-tenant', true],
    ]);
    expect(JSON.stringify(rows)).not.toContain('sha256');
  });
});
