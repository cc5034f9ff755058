/**
 * Where the token document comes from: Secrets Manager in Lambda, a JSON file for the local
 * server. The authenticator asks `current()` on every request (sources cache) and `refresh()`
 * once when a token is unknown, so a token created a moment ago works at once; sources
 * throttle refreshes so a flood of bad tokens cannot hammer the backing store.
 *
 * A source that cannot produce a trustworthy document throws TokenStoreUnavailableError; the
 * authenticator turns that (and any other failure of a source) into 'unavailable', failing closed.
 */
import type { TokenDocument } from './token-document';

export interface TokenSource {
  current(): Promise<TokenDocument>;
  /** Re-reads the backing store unless a refresh happened very recently. */
  refresh(): Promise<TokenDocument>;
}

/** Where a token source reports trouble: the service's logger in production, nothing by default. */
export interface TokenSourceLog {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export const SILENT_LOG: TokenSourceLog = { warn: () => undefined, error: () => undefined };

/** Why the token store could not be read; `reason` is safe to log (never secret contents). */
export class TokenStoreUnavailableError extends Error {
  readonly reason: string;
  readonly retryAfterSeconds: number;
  /**
   * Whether the store may answer again by itself (throttling, a 5xx, the network): only then is
   * a stale document worth serving. Access denied, a missing secret or a corrupt document is an
   * operator's doing (perhaps on purpose, in an incident) and fails closed at once.
   */
  readonly transient: boolean;

  constructor(reason: string, retryAfterSeconds: number, transient = true) {
    super(`token store unavailable: ${reason}`);
    this.name = 'TokenStoreUnavailableError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
    this.transient = transient;
  }
}

/** A fixed in-memory document (tests, embedded use). */
export function staticTokenSource(document: TokenDocument): TokenSource {
  return { current: async () => document, refresh: async () => document };
}
