/**
 * The cursor-signing keys from the stack's generated secret: AWSCURRENT signs, AWSPREVIOUS
 * still verifies, so rotating the secret (a new value: `put-secret-value`, or a rotation)
 * breaks no cursor younger than CURSOR_TIMEOUT_SECONDS as long as rotations are at least that
 * far apart. Cached like the token secret (60 s), concurrent reads coalesced; read only when
 * a request uses a cursor. Rationale: docs/ROOT-SEARCH.md (Cursor keys).
 */
import { DomainError } from '../domain/errors';
import { type ReadSecret, secretsManagerReader } from './secret-reader';

export interface CursorKeySourceOptions {
  readonly secretId: string;
  readonly ttlSeconds?: number;
  /** Default: a signed GetSecretValue call (secret-reader.ts). */
  readonly readSecret?: ReadSecret;
  readonly now?: () => number;
}

const isMissing = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ResourceNotFoundException';

export function secretsManagerCursorKeys(options: CursorKeySourceOptions): () => Promise<readonly string[]> {
  const readSecret = options.readSecret ?? secretsManagerReader();
  const ttlMs = (options.ttlSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  let cached: { keys: readonly string[]; at: number } | undefined;
  let inFlight: Promise<readonly string[]> | undefined;
  const read = async (stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> => {
    try {
      return (await readSecret(options.secretId, stage)) || undefined;
    } catch (error) {
      // No previous version before the first rotation.
      if (stage === 'AWSPREVIOUS' && isMissing(error)) return undefined;
      throw error;
    }
  };
  const fetch = async (): Promise<readonly string[]> => {
    const [current, previous] = await Promise.all([read('AWSCURRENT'), read('AWSPREVIOUS')]);
    if (!current) throw new Error(`The cursor key secret ${options.secretId} has no value`);
    const keys = previous && previous !== current ? [current, previous] : [current];
    cached = { keys, at: now() };
    return keys;
  };
  // Unreachable: keep serving the keys last read (a rotation waits), else 503 like the token store.
  const fetchOrStale = async (): Promise<readonly string[]> => {
    try {
      return await fetch();
    } catch (error) {
      if (cached) return cached.keys;
      throw new DomainError('unavailable', 'The cursor key store is temporarily unavailable', {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
  };
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.keys;
    inFlight ??= fetchOrStale().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
