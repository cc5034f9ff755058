/**
 * Fault injection for tests: a middleware on a DynamoDB client's stack that makes chosen calls
 * fail the way DynamoDB and the network fail — throttling, timeouts, transaction conflicts,
 * server errors — or lets a call reach DynamoDB and then loses its response ("the write
 * happened, the caller never heard"). Rules pick calls by operation name and by call number,
 * or at random with a seeded generator, so a failing run can be replayed exactly.
 *
 * Why a middleware rather than a mock client: everything else stays real (DynamoDB Local, the
 * SDK's own retry strategy, the store's translation of errors), so a test observes what a
 * client of the deployed service would see. The middleware sits in the finalizeRequest step
 * after the SDK's retry middleware, i.e. INSIDE the retry loop: each SDK attempt passes
 * through it, and injected errors are classified and retried exactly like real ones.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seededRandom } from './seeded-random';

/** Names are DynamoDB operation names: 'GetItem', 'TransactWriteItems', 'BatchWriteItem'… */
type DynamoOperation = string;

type FaultKind =
  /** ProvisionedThroughputExceededException: the SDK retries it with throttling backoff. */
  | 'throttle'
  /** The request handler's TimeoutError, as when DynamoDB does not answer in time. */
  | 'timeout'
  /** ECONNRESET from the socket. */
  | 'network'
  /** HTTP 500 InternalServerError from DynamoDB. */
  | 'internal'
  /** TransactionCanceledException with a TransactionConflict reason (not retried by the SDK). */
  | 'transactionConflict'
  /** A failure the store does not know: must still never reach the client as a leak. */
  | 'unknown';

export interface FaultRule {
  /** Operation(s) the rule applies to; omitted = every operation. */
  readonly operation?: DynamoOperation | readonly DynamoOperation[];
  readonly fault: FaultKind;
  /** 1-based numbers of the matching calls (SDK attempts) to fail; omitted = every call. */
  readonly calls?: readonly number[];
  /** Chance of failing a matching call, drawn from the seeded generator; default 1. */
  readonly probability?: number;
  /**
   * Let the call reach DynamoDB first, then fail its response: a write that succeeded but
   * whose caller saw an error.
   */
  readonly afterSuccess?: boolean;
}

interface InjectedFault {
  readonly operation: DynamoOperation;
  readonly call: number;
  readonly fault: FaultKind;
  readonly afterSuccess: boolean;
}

export interface FaultInjector {
  /** Replaces the rules (and resets call numbering); [] turns injection off. */
  setRules(rules: readonly FaultRule[]): void;
  /** SDK attempts seen per operation since the last setRules/reset. */
  attempts(operation?: DynamoOperation): number;
  readonly injected: readonly InjectedFault[];
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

const MIDDLEWARE_NAME = 'testFaultInjection';

type MetaError = Error & Record<string, unknown>;

function awsError(
  name: string,
  message: string,
  status: number,
  extra: Record<string, unknown> = {},
): MetaError {
  const error = new Error(message) as MetaError;
  error.name = name;
  // The SDK's retry classification reads these, as on a real service error.
  Object.assign(error, {
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
  Object.assign(error, extra);
  return error;
}

function faultError(fault: FaultKind, input: Record<string, unknown> | undefined): Error {
  switch (fault) {
    case 'throttle':
      return awsError('ProvisionedThroughputExceededException', 'Injected: throughput exceeded', 400);
    case 'timeout': {
      const error = new Error('Injected: request timed out') as MetaError;
      error.name = 'TimeoutError';
      return error;
    }
    case 'network': {
      const error = new Error('Injected: socket hang up') as MetaError;
      error.code = 'ECONNRESET';
      return error;
    }
    case 'internal':
      return awsError('InternalServerError', 'Injected: internal server error', 500);
    case 'transactionConflict': {
      const items = Array.isArray(input?.TransactItems) ? input.TransactItems.length : 1;
      const reasons = Array.from({ length: Math.max(1, items) }, (_, i) => ({
        Code: i === 0 ? 'TransactionConflict' : 'None',
      }));
      return awsError(
        'TransactionCanceledException',
        `Injected: Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
          .map((r) => r.Code)
          .join(', ')}]`,
        400,
        { CancellationReasons: reasons },
      );
    }
    case 'unknown':
      return awsError('InjectedUnknownFault', 'Injected: secret internal detail arn:aws:dynamodb:xyz', 400);
  }
}

function operationOf(context: Record<string, unknown>): DynamoOperation {
  const smithy = context.__smithy_context as { operation?: string } | undefined;
  if (smithy?.operation) return smithy.operation;
  const name = typeof context.commandName === 'string' ? context.commandName : 'Unknown';
  return name.replace(/Command$/, '');
}

function matches(rule: FaultRule, operation: DynamoOperation): boolean {
  if (rule.operation === undefined) return true;
  return typeof rule.operation === 'string'
    ? rule.operation === operation
    : rule.operation.includes(operation);
}

/**
 * Attaches fault injection to `db` (a document client shares its base client's stack, so every
 * store module using this client is affected). Starts with `rules` (default: none).
 */
export function injectFaults(
  db: DynamoDBDocumentClient,
  options: { rules?: readonly FaultRule[]; seed?: number } = {},
): FaultInjector {
  let rules: readonly FaultRule[] = options.rules ?? [];
  let random = seededRandom(options.seed ?? 1);
  const counts = new Map<DynamoOperation, number>();
  const injected: InjectedFault[] = [];

  db.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context as unknown as Record<string, unknown>);
      const call = (counts.get(operation) ?? 0) + 1;
      counts.set(operation, call);
      const rule = rules.find(
        (r) =>
          matches(r, operation) &&
          (r.calls === undefined || r.calls.includes(call)) &&
          (r.probability === undefined || random() < r.probability),
      );
      if (!rule) return next(args);
      const input = args.input as Record<string, unknown> | undefined;
      const afterSuccess = rule.afterSuccess === true;
      injected.push({ operation, call, fault: rule.fault, afterSuccess });
      if (afterSuccess) await next(args);
      throw faultError(rule.fault, input);
    },
    { step: 'finalizeRequest', priority: 'low', name: MIDDLEWARE_NAME, override: true },
  );

  return {
    setRules(next) {
      rules = next;
      counts.clear();
      injected.length = 0;
    },
    attempts(operation) {
      if (operation !== undefined) return counts.get(operation) ?? 0;
      let total = 0;
      for (const n of counts.values()) total += n;
      return total;
    },
    injected,
    reset() {
      rules = [];
      counts.clear();
      injected.length = 0;
      random = seededRandom(options.seed ?? 1);
    },
    detach() {
      db.middlewareStack.remove(MIDDLEWARE_NAME);
    },
  };
}
