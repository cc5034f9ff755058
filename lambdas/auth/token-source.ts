/**
 * Where the token document comes from: Secrets Manager in Lambda, a JSON file for the local
 * server. The authenticator asks `current()` on every request (sources cache) and `refresh()`
 * once when a token is unknown, so a token created a moment ago works at once; sources
 * throttle refreshes so a flood of bad tokens cannot hammer the backing store.
 */
import type { TokenDocument } from './token-document';

export interface TokenSource {
  current(): Promise<TokenDocument>;
  /** Re-reads the backing store unless a refresh happened very recently. */
  refresh(): Promise<TokenDocument>;
}

/** A fixed in-memory document (tests, embedded use). */
export function staticTokenSource(document: TokenDocument): TokenSource {
  return { current: async () => document, refresh: async () => document };
}
