/**
 * Token document read from AWS Secrets Manager, cached per container (docs/TOKENS.md):
 * `current()` serves the cached document for `ttlSeconds`; `refresh()` (on an unknown token)
 * re-reads at most once per `minRefreshSeconds`; concurrent reads are coalesced; after a
 * re-read that failed for a transient reason (throttling, 5xx, network) the last good document
 * is served for at most `staleGraceSeconds`; any other failure fails closed at once. Any failure to read
 * is a TokenStoreUnavailableError, logged with the error name only, never the secret's contents.
 *
 * Why these rules, their price, and why not Powertools Parameters: docs/DECISIONS.md.
 */
import { type ReadSecret, SecretReadError, secretsManagerReader } from './secret-reader';
import { parseTokenDocumentReport, type TokenDocument } from './token-document';
import {
  SILENT_LOG,
  type TokenSource,
  type TokenSourceLog,
  TokenStoreUnavailableError,
} from './token-source';

export interface SecretsManagerTokenSourceOptions {
  readonly secretId: string;
  readonly ttlSeconds?: number;
  readonly minRefreshSeconds?: number;
  readonly staleGraceSeconds?: number;
  /** Default: a signed GetSecretValue call (secret-reader.ts). */
  readonly readSecret?: ReadSecret;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  readonly now?: () => number;
  /** Where failures and dropped records are reported (the runtime passes the service logger). */
  readonly log?: TokenSourceLog;
}

export const TOKEN_CACHE_DEFAULTS = { ttlSeconds: 60, minRefreshSeconds: 5, staleGraceSeconds: 300 } as const;

/** Environment variables that tune the cache (set by the CDK construct, all optional). */
const TOKEN_CACHE_ENV = {
  ttlSeconds: 'TOKEN_CACHE_TTL_SECONDS',
  minRefreshSeconds: 'TOKEN_MIN_REFRESH_SECONDS',
  staleGraceSeconds: 'TOKEN_STALE_GRACE_SECONDS',
} as const;

type CacheSettings = { ttlSeconds: number; minRefreshSeconds: number; staleGraceSeconds: number };

/** Reads the cache settings; a missing, negative or non-numeric value falls back to its default. */
export function tokenCacheSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CacheSettings {
  const read = (key: keyof CacheSettings): number => {
    const value = Number(env[TOKEN_CACHE_ENV[key]]);
    return env[TOKEN_CACHE_ENV[key]] !== undefined && Number.isFinite(value) && value >= 0
      ? value
      : TOKEN_CACHE_DEFAULTS[key];
  };
  return {
    ttlSeconds: read('ttlSeconds'),
    minRefreshSeconds: read('minRefreshSeconds'),
    staleGraceSeconds: read('staleGraceSeconds'),
  };
}

function seconds(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function secretsManagerTokenSource(options: SecretsManagerTokenSourceOptions): TokenSource {
  const readSecret = options.readSecret ?? secretsManagerReader();
  const ttlMs = seconds(options.ttlSeconds, TOKEN_CACHE_DEFAULTS.ttlSeconds) * 1000;
  const minRefreshSeconds = seconds(options.minRefreshSeconds, TOKEN_CACHE_DEFAULTS.minRefreshSeconds);
  const minRefreshMs = minRefreshSeconds * 1000;
  const staleGraceMs = seconds(options.staleGraceSeconds, TOKEN_CACHE_DEFAULTS.staleGraceSeconds) * 1000;
  const retryAfterSeconds = Math.max(1, Math.ceil(minRefreshSeconds));
  const now = options.now ?? Date.now;
  const log = options.log ?? SILENT_LOG;

  let cached: { document: TokenDocument; fetchedAt: number } | undefined;
  let lastAttemptAt: number | undefined;
  let lastFailure: TokenStoreUnavailableError | undefined;
  let inFlight: Promise<TokenDocument> | undefined;

  const read = async (): Promise<TokenDocument> => {
    let text: string | undefined;
    try {
      // VersionStage is explicit: it is what the CLI moves when it writes (see cli/).
      text = await readSecret(options.secretId, 'AWSCURRENT');
    } catch (error) {
      throw unavailable(awsErrorName(error), isTransientReadFailure(error), {
        httpStatus: httpStatusOf(error),
      });
    }
    if (text === undefined) throw unavailable('secret has no SecretString', false);
    let parsed: ReturnType<typeof parseTokenDocumentReport>;
    try {
      parsed = parseTokenDocumentReport(text);
    } catch {
      // Deliberately not the parse error: its message quotes the secret's text.
      throw unavailable('secret is not a valid token document', false);
    }
    if (parsed.dropped > 0) {
      log.warn('Token records ignored as invalid', {
        dropped: parsed.dropped,
        secretId: options.secretId,
      });
    }
    return parsed.document;
  };

  const unavailable = (
    reason: string,
    transient: boolean,
    extra: Record<string, unknown> = {},
  ): TokenStoreUnavailableError => {
    log.error('Token store unavailable', { reason, transient, secretId: options.secretId, ...extra });
    return new TokenStoreUnavailableError(reason, retryAfterSeconds, transient);
  };

  const fetchDocument = (): Promise<TokenDocument> => {
    inFlight ??= (async () => {
      lastAttemptAt = now();
      try {
        const document = await read();
        cached = { document, fetchedAt: now() };
        lastFailure = undefined;
        return document;
      } catch (error) {
        lastFailure =
          error instanceof TokenStoreUnavailableError
            ? error
            : new TokenStoreUnavailableError('read failed', 5);
        throw lastFailure;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const attemptedRecently = (): boolean =>
    lastAttemptAt !== undefined && now() - lastAttemptAt < minRefreshMs;

  // The last good document outlives its TTL only while the store is briefly unreachable.
  const staleOr = (failure: unknown): TokenDocument => {
    const transient = !(failure instanceof TokenStoreUnavailableError) || failure.transient;
    if (transient && cached && now() - cached.fetchedAt < ttlMs + staleGraceMs) return cached.document;
    throw failure;
  };

  return {
    async current() {
      if (cached && now() - cached.fetchedAt < ttlMs) return cached.document;
      if (inFlight) return inFlight.catch(staleOr);
      // A read failed moments ago: do not hammer the store, answer from what we have.
      if (lastFailure && attemptedRecently()) return staleOr(lastFailure);
      return fetchDocument().catch(staleOr);
    },
    async refresh() {
      if (inFlight) return inFlight;
      if (attemptedRecently()) {
        if (lastFailure) throw lastFailure;
        if (cached) return cached.document;
      }
      return fetchDocument();
    },
  };
}

/**
 * Throttling, a server-side failure or no answer at all (timeout, network): the store may
 * answer again by itself. Anything else Secrets Manager answers (access denied, no such
 * secret, KMS cannot decrypt, bad request) is a decision or a misconfiguration, not an outage.
 */
function isTransientReadFailure(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === undefined || status >= 500 || status === 429) return true;
  // ExpiredToken: the function's own session credentials lapsed, which the runtime renews.
  return /Throttl|TooManyRequests|RequestLimitExceeded|Timeout|InternalService|ServiceUnavailable|ExpiredToken/i.test(
    awsErrorName(error),
  );
}

function awsErrorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

function httpStatusOf(error: unknown): number | undefined {
  return error instanceof SecretReadError ? error.httpStatusCode : undefined;
}
