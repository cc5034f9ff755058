/**
 * The one retry loop. Every place that tries an operation again — a lost optimistic-concurrency
 * race, a busy group's membership transaction, DynamoDB batch items left unprocessed,
 * EventBridge entries that failed, the token CLI's secret updates — runs it with a policy.
 * Backoff is capped exponential with full jitter: before attempt n+1 sleep a random time in
 * [0, min(capMs, baseMs · 2^n)). Written here rather than taken from a library because it is
 * a dozen lines and the libraries that fit (p-retry) are ESM-only; docs/ARCHITECTURE.md says more.
 * Retries that outlive an invocation (webhook deliveries, re-queued) use the same ceiling.
 */

export interface RetryPolicy {
  /** Total attempts, the first included (≥ 1). */
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
}

export interface RetryOptions {
  /** Whether `error`, thrown by attempt `attempt` (1-based), is worth another attempt. */
  readonly retryIf: (error: unknown, attempt: number) => boolean;
  /** Sleep function; tests pass one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random source in [0, 1); tests pass a fixed one. */
  readonly random?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest pause before attempt `attempt + 1`: min(capMs, baseMs · 2^attempt). */
export function backoffCeilingMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
}

/** The pause before attempt `attempt + 1`, full jitter. */
function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(policy, attempt));
}

/**
 * Runs `operation` until it succeeds, throws an error `retryIf` rejects, or `policy.attempts`
 * are used up; then the last error is rethrown unchanged, for the caller to name.
 */
export async function retry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !options.retryIf(error, attempt)) throw error;
      await wait(backoffMs(policy, attempt, options.random));
    }
  }
}
