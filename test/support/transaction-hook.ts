/**
 * Forces an interleaving: runs `action` when the table client is about to send (or has just
 * sent) the first TransactWriteItems whose marshalled input `matches`, and waits for it, so a
 * test can put another request exactly between two steps of one request. One hook per name;
 * `remove()` takes it off the client (call it in `finally`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface TransactionHook {
  /** Whether the hook has run. */
  readonly fired: () => boolean;
  readonly remove: () => void;
}

export function onTransaction(
  db: DynamoDBDocumentClient,
  options: {
    readonly name: string;
    readonly when: 'before' | 'after';
    readonly matches?: (input: string) => boolean;
    readonly action: () => Promise<void>;
  },
): TransactionHook {
  let fired = false;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '';
      const hit =
        !fired &&
        command.startsWith('TransactWrite') &&
        (options.matches?.(JSON.stringify(args.input ?? {})) ?? true);
      if (hit) fired = true;
      if (hit && options.when === 'before') await options.action();
      const output = await next(args);
      if (hit && options.when === 'after') await options.action();
      return output;
    },
    { step: 'finalizeRequest', priority: 'low', name: options.name, override: true },
  );
  return { fired: () => fired, remove: () => db.middlewareStack.remove(options.name) };
}

/**
 * Holds back the first matching transaction until `release()`; `reached` resolves once it is
 * being held.
 */
export function holdTransaction(
  db: DynamoDBDocumentClient,
  name: string,
  matches: (input: string) => boolean,
): { readonly reached: Promise<void>; readonly release: () => void; readonly remove: () => void } {
  let onReached = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    onReached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hook = onTransaction(db, {
    name,
    when: 'before',
    matches,
    action: async () => {
      onReached();
      await released;
    },
  });
  return { reached, release, remove: hook.remove };
}
