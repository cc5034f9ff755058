/**
 * Bearer authentication: token → principal (tenant, token id and label, scope). Every failure
 * (missing header, wrong scheme, malformed, unknown, expired, revoked) is the same
 * 'unauthenticated' error, so a caller learns nothing about why. A token store that cannot be
 * read is 'unavailable' (with Retry-After), never an open door and never an internal fault.
 *
 * Timing: the presented token is always hashed, and a lookup compares against every stored
 * hash. A token that fails the format check is rejected without loading the store at all: its
 * rejection is a little faster, but the format is public, so the difference reveals nothing
 * about which tokens exist — and it keeps garbage from triggering store refreshes.
 */
import { DomainError, isDomainError } from '../domain/errors';
import { scopeOf, type TokenDocument, type TokenRecord, type TokenScope } from './token-document';
import { hasValidFormat, isPlausibleToken } from './token-format';
import { findRecordByHash, sha256Hex } from './token-hash';
import { type TokenSource, TokenStoreUnavailableError } from './token-source';

export interface Principal {
  readonly tenant: string;
  readonly tokenId: string;
  readonly label: string;
  /** What the token may do; the request pipeline checks it against the route table. */
  readonly scope: TokenScope;
}

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** Upper bound on what we hash: real tokens are 56 characters, dev tokens rarely over 100. */
const MAX_TOKEN_LENGTH = 512;
/** Retry-After when a source fails without saying when to come back. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

const unauthenticated = (): DomainError =>
  new DomainError('unauthenticated', 'Authentication failed: a valid bearer token is required');

export interface AuthenticatorOptions {
  /**
   * Only `scim_` tokens, as the token CLI mints them (deployed functions). Without it a
   * developer-chosen token of 32+ characters is looked up too (the local server).
   */
  readonly scimTokensOnly?: boolean;
}

export function createAuthenticator(
  source: TokenSource,
  now: () => Date = () => new Date(),
  options: AuthenticatorOptions = {},
): Authenticate {
  const plausible = options.scimTokensOnly === true ? hasValidFormat : isPlausibleToken;
  return async (authorization) => {
    const token = bearerToken(authorization);
    // Hash before any decision, so every rejection pays for one hash.
    const presented = sha256Hex(token ?? '');
    if (token === undefined || !plausible(token)) throw unauthenticated();
    let record = findRecordByHash(presented, await load(() => source.current()));
    // Unknown: maybe created a moment ago. The source throttles how often this re-reads the store.
    if (!record) record = findRecordByHash(presented, await load(() => source.refresh()));
    if (!record || isExpired(record, now())) throw unauthenticated();
    return { tenant: record.tenant, tokenId: record.id, label: record.label, scope: scopeOf(record) };
  };
}

/** The records `read` yields; any failure of the source fails closed as 'unavailable'. */
function load(read: () => Promise<TokenDocument>): Promise<readonly TokenRecord[]> {
  return Promise.resolve()
    .then(read)
    .then((document) => document.tokens)
    .catch((error: unknown) => {
      if (isDomainError(error)) throw error;
      const retryAfterSeconds =
        error instanceof TokenStoreUnavailableError ? error.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
      // Fail closed: no document, no access.
      throw new DomainError('unavailable', 'The token store is temporarily unavailable', {
        retryAfterSeconds,
        cause: error,
      });
    });
}

/**
 * RFC 6750 §2.1: `Bearer <token>`; the scheme is case-insensitive. A header holding only one of
 * our own `scim_…` tokens is accepted too: identity-provider forms that expect the raw header
 * value send it that way, and the token's format leaves no doubt about what it is.
 */
function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match =
    /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) ??
    /^[ \t]*(scim_[A-Za-z0-9_-]+)[ \t]*$/.exec(authorization);
  const token = match?.[1];
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  return token;
}

/** A record with an unparseable expiry counts as expired: fail closed. */
function isExpired(record: TokenRecord, now: Date): boolean {
  if (!record.expiresAt) return false;
  const expires = Date.parse(record.expiresAt);
  return Number.isNaN(expires) || expires <= now.getTime();
}
