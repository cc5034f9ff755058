/**
 * Hashing and comparison of bearer tokens. Tokens carry at least 256 bits of randomness, so a
 * plain SHA-256 is the right tool (a slow password hash would only add latency: there is no
 * low-entropy secret to protect). Comparison is constant-time over every stored hash, so
 * timing reveals neither which record matched nor how much of a hash did.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenRecord } from './token-document';

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Returns the record whose hash equals the token's, examining all records in every case. */
export function findTokenRecord(token: string, records: readonly TokenRecord[]): TokenRecord | undefined {
  return findRecordByHash(sha256Hex(token), records);
}

/**
 * Stored hashes as bytes, decoded once per record: sources hand out the same cached records on
 * every request until the store changes, so request after request skips the hex decoding.
 * Keyed weakly by record (a replaced document's bytes go with it) and checked against the
 * record's current hex, so a record changed in place can never be compared with stale bytes.
 */
const decoded = new WeakMap<TokenRecord, { readonly hex: string; readonly bytes: Buffer }>();

function storedHash(record: TokenRecord): Buffer {
  const hex = record.sha256;
  const cached = decoded.get(record);
  if (cached && cached.hex === hex) return cached.bytes;
  const bytes = Buffer.from(hex, 'hex');
  decoded.set(record, { hex, bytes });
  return bytes;
}

/** Same as findTokenRecord for a token hashed earlier (the authenticator hashes once per request). */
export function findRecordByHash(
  presentedHex: string,
  records: readonly TokenRecord[],
): TokenRecord | undefined {
  const presented = Buffer.from(presentedHex, 'hex');
  let found: TokenRecord | undefined;
  for (const record of records) {
    const stored = storedHash(record);
    // Lengths are equal for every validated record (32 bytes); the guard keeps timingSafeEqual from throwing.
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    // No early exit: every record is compared whether or not one matched already.
    if (equal && found === undefined) found = record;
  }
  return found;
}
