/**
 * Token format: `scim_` + 43 base64url characters (32 bytes = 256 bits from the CSPRNG) +
 * `_` + 6 base36 characters of CRC-32 over the preceding text.
 *
 *   scim_q3V…Zk_0x1y2z
 *
 * The fixed prefix lets secret scanners find leaked tokens; the checksum lets the server (and
 * scanners) reject a mistyped or truncated token without touching the token store.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'scim_';
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 7;
const TOKEN_PATTERN = new RegExp(
  `^${TOKEN_PREFIX}([A-Za-z0-9_-]{${BODY_LENGTH}})_([0-9a-z]{${CHECKSUM_LENGTH}})$`,
);

/** Shortest development token the local server accepts (SCIM_DEV_TOKEN / SCIM_LOCAL_TOKENS). */
export const MIN_DEV_TOKEN_LENGTH = 32;

function checksum(text: string): string {
  return crc32(text).toString(36).padStart(CHECKSUM_LENGTH, '0');
}

export function generateToken(): string {
  const body = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return `${body}_${checksum(body)}`;
}

/** True for a well-formed token whose checksum matches. */
export function hasValidFormat(token: string): boolean {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return false;
  const body = `${TOKEN_PREFIX}${match[1]}`;
  return checksum(body) === match[2];
}
