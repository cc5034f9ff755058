/**
 * The one way the stream functions hand entries to an AWS batch API (EventBridge PutEvents, SQS
 * SendMessageBatch): slices of the API's maximum size, and the entries a call answers as failed
 * sent again, alone, up to three attempts in all. Errors of the call itself propagate.
 */
import { type RetryPolicy, retry } from '../retry';

/** Entries a batch call rejected are sent again, up to three attempts in all. */
const REJECTED_ENTRIES_RETRY: RetryPolicy = { attempts: 3, baseMs: 100, capMs: 1000 };

/** Some entries of a batch call failed; they are what the next attempt sends. */
class EntriesRejected extends Error {
  constructor(readonly count: number) {
    super(`${count} entries rejected`);
    this.name = 'EntriesRejected';
  }
}

/**
 * Sends `entries` in batches of `size`. `sendBatch` sends one batch and returns the entries the
 * service rejected; they are sent again until none is left or the attempts run out, which
 * throws an error naming `what` and how many were rejected.
 */
export async function sendInBatches<T>(
  entries: readonly T[],
  size: number,
  what: string,
  sendBatch: (batch: readonly T[]) => Promise<readonly T[]>,
): Promise<void> {
  for (let start = 0; start < entries.length; start += size) {
    let pending: readonly T[] = entries.slice(start, start + size);
    await retry(
      REJECTED_ENTRIES_RETRY,
      async () => {
        pending = await sendBatch(pending);
        if (pending.length > 0) throw new EntriesRejected(pending.length);
      },
      { retryIf: (error) => error instanceof EntriesRejected },
    ).catch((error: unknown) => {
      if (!(error instanceof EntriesRejected)) throw error;
      throw new Error(
        `${what} rejected ${error.count} entries after ${REJECTED_ENTRIES_RETRY.attempts} attempts`,
      );
    });
  }
}
