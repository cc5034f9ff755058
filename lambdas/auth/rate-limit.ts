/**
 * Request-rate limits (docs/FAIRNESS.md): a steady rate in requests per second and a burst (the
 * token bucket's size). Every tenant gets the default unless the token document names an
 * override for it; callers without a valid token share one far smaller limit. Deployed, API
 * Gateway usage plans enforce them; the local server enforces the same numbers in-process.
 */

export interface RateLimit {
  /** Steady requests per second. */
  readonly rate: number;
  /** Requests that may arrive at once (the bucket's size). */
  readonly burst: number;
}

/** Each tenant's limit unless overridden: a fifth of the stage's default 50 rps. */
export const DEFAULT_TENANT_RATE_LIMIT: RateLimit = { rate: 10, burst: 20 };

/** All callers without a valid token together (locally; deployed, the WAF rule's cap). */
export const DEFAULT_STRANGER_RATE_LIMIT: RateLimit = { rate: 2, burst: 10 };

/** Largest rate or burst accepted in an override (API Gateway's account default is 10,000 rps). */
const MAX_LIMIT = 10_000;

/** A limit read from stored JSON: positive numbers, whole burst ≥ 1; anything else is no limit. */
export function parseRateLimit(value: unknown): RateLimit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { rate, burst } = value as { rate?: unknown; burst?: unknown };
  if (typeof rate !== 'number' || typeof burst !== 'number') return undefined;
  if (!(rate > 0 && rate <= MAX_LIMIT) || !Number.isInteger(burst) || burst < 1 || burst > MAX_LIMIT) {
    return undefined;
  }
  return { rate, burst };
}

/** The name of the usage plan (deployed) that enforces `limit`: one plan per distinct limit. */
export function rateLimitTier(limit: RateLimit): string {
  return `r${limit.rate}-b${limit.burst}`;
}

/**
 * Route targets served without a token (the console's static files, when that route exists):
 * no authorizer, no usage-plan key and no tenant limit apply to them, deployed or local.
 */
export const TOKENLESS_TARGETS: ReadonlySet<string> = new Set(['console']);
