/**
 * Token format: what secret scanners and the authenticator rely on. Random corruptions of valid
 * tokens must be rejected by the checksum alone (no store lookup).
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import {
  generateToken,
  hasValidFormat,
  isPlausibleToken,
  MIN_DEV_TOKEN_LENGTH,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
} from '../../../lambdas/auth/token-format';

const SEED = 20261123;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('token format', () => {
  it('generates scim_ + 43 base64url + _ + 7 base36 characters with a valid checksum', () => {
    for (let i = 0; i < 200; i++) {
      const token = generateToken();
      expect(token).toMatch(/^scim_[A-Za-z0-9_-]{43}_[0-9a-z]{7}$/);
      expect(token).toHaveLength(TOKEN_LENGTH);
      expect(hasValidFormat(token)).toBe(true);
    }
  });

  it('checks the checksum zlib computes, so tokens minted before keep working', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const body = `${TOKEN_PREFIX}${Buffer.from(bytes).toString('base64url')}`;
        const zlibChecksum = crc32(body).toString(36).padStart(7, '0');
        expect(hasValidFormat(`${body}_${zlibChecksum}`)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('carries 256 bits: the body decodes to 32 bytes and tokens do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const token = generateToken();
      const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 43);
      expect(Buffer.from(body, 'base64url')).toHaveLength(32);
      seen.add(token);
    }
    expect(seen.size).toBe(1000);
  });

  it('rejects any single-character substitution (checksum)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...BASE64URL), (position, seed, replacement) => {
        const token = generateToken();
        // Only the random body and the checksum: changing the prefix is covered below.
        const index = TOKEN_PREFIX.length + (position % (TOKEN_LENGTH - TOKEN_PREFIX.length));
        const original = token[index];
        const candidate = replacement === original ? BASE64URL[(seed % 63) + 1] : replacement;
        fc.pre(candidate !== original);
        const corrupted = `${token.slice(0, index)}${candidate}${token.slice(index + 1)}`;
        expect(hasValidFormat(corrupted)).toBe(false);
        expect(isPlausibleToken(corrupted)).toBe(false);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('rejects truncation, extension and swapped adjacent characters', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('truncate', 'extend', 'swap'), (position, kind) => {
        const token = generateToken();
        const index = TOKEN_PREFIX.length + (position % (TOKEN_LENGTH - TOKEN_PREFIX.length - 1));
        let corrupted: string;
        if (kind === 'truncate') corrupted = token.slice(0, index);
        else if (kind === 'extend') corrupted = `${token.slice(0, index)}A${token.slice(index)}`;
        else {
          fc.pre(token[index] !== token[index + 1]);
          corrupted = `${token.slice(0, index)}${token[index + 1]}${token[index]}${token.slice(index + 2)}`;
        }
        expect(isPlausibleToken(corrupted)).toBe(false);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('accepts developer-chosen tokens of 32+ characters without the prefix, and nothing shorter', () => {
    expect(isPlausibleToken('x'.repeat(MIN_DEV_TOKEN_LENGTH))).toBe(true);
    expect(isPlausibleToken('local-dev-token-please-change-me-0001')).toBe(true);
    expect(isPlausibleToken('x'.repeat(MIN_DEV_TOKEN_LENGTH - 1))).toBe(false);
    expect(isPlausibleToken('')).toBe(false);
  });

  it('does not let a malformed scim_ token pass as a long dev token', () => {
    const malformed = `${TOKEN_PREFIX}${'A'.repeat(60)}`;
    expect(malformed.length).toBeGreaterThan(MIN_DEV_TOKEN_LENGTH);
    expect(isPlausibleToken(malformed)).toBe(false);
  });
});
