/**
 * Hashing: the stored form is SHA-256 hex of the UTF-8 token; lookups examine every record and
 * never match on a prefix or a differently-cased hash.
 */
import { createHash } from 'node:crypto';
import type { TokenRecord } from '../../../lambdas/auth/token-document';
import { generateToken } from '../../../lambdas/auth/token-format';
import { findRecordByHash, findTokenRecord, sha256Hex } from '../../../lambdas/auth/token-hash';

function record(id: string, token: string): TokenRecord {
  return { id, tenant: 'acme', label: id, sha256: sha256Hex(token), createdAt: '2026-01-01T00:00:00Z' };
}

describe('token hashing', () => {
  it('is lower-case hex SHA-256 of the UTF-8 bytes (known vector)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
  });

  it('looks a record up by its current hash even after it matched before (decoded bytes are not stale)', () => {
    const [first, second] = [generateToken(), generateToken()];
    const mutable = { ...record('tok-m', first) };
    const records = [mutable];
    expect(findTokenRecord(first, records)?.id).toBe('tok-m');
    // Sources never do this (documents are replaced whole), but a cache must not depend on it.
    mutable.sha256 = sha256Hex(second);
    expect(findTokenRecord(first, records)).toBeUndefined();
    expect(findTokenRecord(second, records)?.id).toBe('tok-m');
  });

  it('finds the matching record among many and nothing for a stranger', () => {
    const tokens = Array.from({ length: 50 }, () => generateToken());
    const records = tokens.map((t, i) => record(`tok-${i}`, t));
    expect(findTokenRecord(tokens[37]!, records)?.id).toBe('tok-37');
    expect(findTokenRecord(generateToken(), records)).toBeUndefined();
    expect(findRecordByHash(sha256Hex(tokens[3]!), records)?.id).toBe('tok-3');
  });

  it('examines every record: a match in the first position still compares the rest', () => {
    const token = generateToken();
    let reads = 0;
    const counted = [record('first', token), record('second', generateToken())].map((r) => {
      const copy = { ...r };
      Object.defineProperty(copy, 'sha256', {
        get: () => {
          reads++;
          return r.sha256;
        },
      });
      return copy;
    });
    expect(findTokenRecord(token, counted)?.id).toBe('first');
    expect(reads).toBe(2);
  });

  it('never matches the hash itself presented as a token', () => {
    const token = generateToken();
    expect(findTokenRecord(sha256Hex(token), [record('a', token)])).toBeUndefined();
  });
});
