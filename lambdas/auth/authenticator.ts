/**
 * Bearer authentication: token → tenant. Every failure (missing header, wrong scheme, unknown,
 * expired) produces the same 401 error, so a caller learns nothing about why. A token store
 * that cannot be read produces 503, never an open door and never a 500.
 */
import { ScimError, serviceUnavailable, unauthorized } from '../scim/errors';
import type { TokenRecord } from './token-document';
import { findTokenRecord } from './token-hash';
import type { TokenSource } from './token-source';

export interface Principal {
  readonly tenant: string;
  readonly tokenId: string;
  readonly label: string;
}

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** Upper bound on what we hash: real tokens are < 100 characters. */
const MAX_TOKEN_LENGTH = 512;

export function createAuthenticator(source: TokenSource, now: () => Date = () => new Date()): Authenticate {
  return async (authorization) => {
    const token = bearerToken(authorization);
    let record = await lookup(token, () => source.current());
    if (!record && token !== undefined) record = await lookup(token, () => source.refresh());
    if (!record || token === undefined || isExpired(record, now())) throw unauthorized();
    return { tenant: record.tenant, tokenId: record.id, label: record.label };
  };
}

async function lookup(
  token: string | undefined,
  load: () => Promise<{ tokens: readonly TokenRecord[] }>,
): Promise<TokenRecord | undefined> {
  let records: readonly TokenRecord[];
  try {
    records = (await load()).tokens;
  } catch (error) {
    if (error instanceof ScimError) throw error;
    throw serviceUnavailable('The token store is temporarily unavailable', 5);
  }
  // Hash even when the header is malformed, so every rejection costs about the same time.
  return findTokenRecord(token ?? '', records);
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  const token = match?.[1];
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  return token;
}

function isExpired(record: TokenRecord, now: Date): boolean {
  if (!record.expiresAt) return false;
  const expires = Date.parse(record.expiresAt);
  return Number.isNaN(expires) || expires <= now.getTime();
}
