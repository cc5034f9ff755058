/**
 * Token format: `scim_` + 43 base64url characters (32 bytes = 256 bits from the CSPRNG) +
 * `_` + 7 base36 characters (zero-padded) of CRC-32 over everything before the last `_`.
 *
 *   scim_q3V…Zk_0x1y2z3      (5 + 43 + 1 + 7 = 56 characters)
 *
 * The fixed prefix lets secret scanners find leaked tokens; the checksum lets the server (and
 * scanners) reject a mistyped or truncated token without touching the token store. CRC-32 is
 * not a security measure (the 256 random bits are): it only tells typos from real tokens.
 *
 * Development tokens chosen by a developer for the local server (SCIM_DEV_TOKEN,
 * SCIM_LOCAL_TOKENS) do not follow this format; they are accepted when they are long enough and
 * do not pretend to be a `scim_` token (see `isPlausibleToken`).
 */
import { randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'scim_';
const RANDOM_BYTES = 32;
const BODY_LENGTH = 43; // base64url of 32 bytes, unpadded
const CHECKSUM_LENGTH = 7; // 0xffffffff is "1z141z3" in base36
export const TOKEN_LENGTH = TOKEN_PREFIX.length + BODY_LENGTH + 1 + CHECKSUM_LENGTH;
const TOKEN_PATTERN = new RegExp(
  `^${TOKEN_PREFIX}([A-Za-z0-9_-]{${BODY_LENGTH}})_([0-9a-z]{${CHECKSUM_LENGTH}})$`,
);

/** Shortest development token the local server accepts (SCIM_DEV_TOKEN / SCIM_LOCAL_TOKENS). */
export const MIN_DEV_TOKEN_LENGTH = 32;

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (IEEE, the value zlib's crc32 gives) of the UTF-8 bytes of `text`. Computed here
 * rather than with zlib: loading zlib costs every cold start about 2 ms of CPU.
 */
function crc32(text: string): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(text: string): string {
  return crc32(text).toString(36).padStart(CHECKSUM_LENGTH, '0');
}

export function generateToken(): string {
  const body = `${TOKEN_PREFIX}${randomBytes(RANDOM_BYTES).toString('base64url')}`;
  return `${body}_${checksum(body)}`;
}

/** True for a well-formed `scim_` token whose checksum matches. */
export function hasValidFormat(token: string): boolean {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return false;
  const body = `${TOKEN_PREFIX}${match[1]}`;
  return checksum(body) === match[2];
}

/**
 * Whether a presented token is worth looking up. A token that claims the `scim_` prefix must
 * pass the format and checksum check; anything else can only be a developer-chosen token, which
 * is at least MIN_DEV_TOKEN_LENGTH characters. Everything else is rejected without a lookup.
 */
export function isPlausibleToken(token: string): boolean {
  if (token.startsWith(TOKEN_PREFIX)) return hasValidFormat(token);
  return token.length >= MIN_DEV_TOKEN_LENGTH;
}
