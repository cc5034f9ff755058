/**
 * The DynamoDB cost meter: how many requests, and how much read and write capacity, one SCIM
 * request spends.
 *
 * A middleware on the low-level DynamoDBClient that acts only inside a cost scope, asks for
 * `ReturnConsumedCapacity: 'TOTAL'` there and removes what it caused from the result. A
 * request's scope is carried explicitly by a tagged view of the client (the HTTP handler opens
 * it); measureCost/withCostScope (tests, scripts) use AsyncLocalStorage. Scopes nest.
 *
 * Why this shape (and not AsyncLocalStorage on the request path): docs/DECISIONS.md.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What one scope spent. Capacity units are summed over every ConsumedCapacity entry. */
export interface DynamoCost {
  /** Every DynamoDB request sent, including ones that failed. */
  readonly requests: number;
  /** Requests by command name without the `Command` suffix, e.g. `{ GetItem: 1 }`. */
  readonly byCommand: Readonly<Record<string, number>>;
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
  /** Extra attempts the SDK's retry strategy made (throttling, 5xx), as reported in $metadata. */
  readonly retries: number;
  /** Requests that ended in an error (conditional check failures included). */
  readonly errors: number;
  /**
   * Items sent in TransactWriteItems requests and the write capacity reported for them, present
   * when non-zero: AWS bills transactional writes at twice a plain write (docs/CAPACITY.md).
   */
  readonly transactItems?: number;
  readonly transactWriteCapacityUnits?: number;
}

interface CostAccumulator {
  requests: number;
  byCommand: Record<string, number>;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  retries: number;
  errors: number;
  transactItems: number;
  transactWriteCapacityUnits: number;
  readonly parent: CostAccumulator | undefined;
}

/** Commands that accept ReturnConsumedCapacity (DynamoDB API reference of each action). */
const CAPACITY_COMMANDS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/**
 * Commands whose capacity is read capacity. With TOTAL, DynamoDB reports only CapacityUnits for
 * most actions, so the split into RCU and WCU follows the action (PartiQL statements that write
 * are counted as reads; the store does not use PartiQL).
 */
const READ_COMMANDS = new Set([
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'TransactGetItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
]);

const MIDDLEWARE_NAME = 'scimDynamoCostMeter';

const storage = new AsyncLocalStorage<CostAccumulator>();

/**
 * Commands sent through a view from `openCostScope`, by their input object: the object the
 * caller built is the one the meter's `initialize` step sees as `args.input` (the document
 * client marshals later, in the serialize step), for plain and document commands alike.
 */
const explicitScopes = new WeakMap<object, CostAccumulator>();

/** A request's own cost scope, for a caller that can pass a client around (the HTTP handler). */
export interface CostScope {
  /** `client` with a `send` that counts in this scope; everything else is the client itself. */
  bind<C extends object>(client: C): C;
  /** What the scope spent so far. */
  cost(): DynamoCost;
}

/** Opens a scope without AsyncLocalStorage; inside a measureCost/withCostScope it adds to that one too. */
export function openCostScope(): CostScope {
  const scope = emptyAccumulator(storage.getStore());
  return {
    bind<C extends object>(client: C): C {
      const target = client as unknown as { send: (command: unknown, ...rest: unknown[]) => unknown };
      const send = target.send;
      const view = Object.create(client) as C;
      Object.defineProperty(view, 'send', {
        value(command: unknown, ...rest: unknown[]) {
          const input = (command as { input?: unknown } | null)?.input;
          if (typeof input === 'object' && input !== null) explicitScopes.set(input, scope);
          return send.call(client, command, ...rest);
        },
      });
      return view;
    },
    cost: () => snapshot(scope),
  };
}

/** Runs `fn` in a fresh cost scope; DynamoDB requests made inside it (even concurrently) count there. */
export function withCostScope<T>(fn: () => T): T {
  return storage.run(emptyAccumulator(storage.getStore()), fn);
}

/** Like withCostScope, and hands back what the scope spent once `fn` has settled. */
export async function measureCost<T>(fn: () => Promise<T>): Promise<{ result: T; cost: DynamoCost }> {
  const scope = emptyAccumulator(storage.getStore());
  const result = await storage.run(scope, fn);
  return { result, cost: snapshot(scope) };
}

/** The current scope's cost so far, or undefined outside any scope. */
export function currentCost(): DynamoCost | undefined {
  const scope = storage.getStore();
  return scope ? snapshot(scope) : undefined;
}

/**
 * Adds the meter to a client. Idempotent: a second call on the same client does nothing, so
 * every factory may call it without checking.
 */
export function attachCostMeter(client: DynamoDBClient): void {
  const stack = client.middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(MIDDLEWARE_NAME))) return;
  stack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const scope = explicitScopes.get(input) ?? storage.getStore();
      if (!scope) return next(args);
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const injected = CAPACITY_COMMANDS.has(command) && input.ReturnConsumedCapacity === undefined;
      const sent = injected ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args;
      try {
        const response = await next(sent);
        const output = response.output as Record<string, unknown> & { $metadata?: { attempts?: number } };
        record(scope, command, output.ConsumedCapacity, output.$metadata?.attempts, false);
        if (command === 'TransactWriteItems') recordTransaction(scope, input, output.ConsumedCapacity);
        if (!injected || !('ConsumedCapacity' in output)) return response;
        const { ConsumedCapacity: _ours, ...untouched } = output;
        return { ...response, output: untouched as typeof response.output };
      } catch (error) {
        const metadata = (error as { $metadata?: { attempts?: number } } | undefined)?.$metadata;
        record(scope, command, undefined, metadata?.attempts, true);
        throw error;
      }
    },
    // initialize: before the document client marshals and before retries, so one logical
    // request counts once and its retries show in $metadata.attempts.
    { step: 'initialize', name: MIDDLEWARE_NAME, priority: 'high' },
  );
}

/** Formats a cost for the `x-scim-dynamodb-cost` header, e.g. `requests=2;rcu=1;wcu=0;retries=0;ops=GetItem:2`. */
export function formatCost(cost: DynamoCost): string {
  const ops = Object.entries(cost.byCommand)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `${name}:${count}`)
    .join(',');
  return [
    `requests=${cost.requests}`,
    `rcu=${round(cost.readCapacityUnits)}`,
    `wcu=${round(cost.writeCapacityUnits)}`,
    `retries=${cost.retries}`,
    `errors=${cost.errors}`,
    ...(cost.transactItems ? [`titems=${cost.transactItems}`] : []),
    ...(cost.transactWriteCapacityUnits ? [`twcu=${round(cost.transactWriteCapacityUnits)}`] : []),
    `ops=${ops}`,
  ].join(';');
}

/** Reads a header written by formatCost; undefined when it is absent or malformed. */
export function parseCost(header: string | undefined): DynamoCost | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const num = (name: string): number | undefined => {
    const raw = fields.get(name);
    const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
    return Number.isFinite(value) ? value : undefined;
  };
  const requests = num('requests');
  const rcu = num('rcu');
  const wcu = num('wcu');
  if (requests === undefined || rcu === undefined || wcu === undefined) return undefined;
  const byCommand: Record<string, number> = {};
  for (const op of (fields.get('ops') ?? '').split(',')) {
    const colon = op.lastIndexOf(':');
    if (colon > 0) byCommand[op.slice(0, colon)] = Number(op.slice(colon + 1));
  }
  return {
    requests,
    byCommand,
    readCapacityUnits: rcu,
    writeCapacityUnits: wcu,
    retries: num('retries') ?? 0,
    errors: num('errors') ?? 0,
    ...transactFields(num('titems') ?? 0, num('twcu') ?? 0),
  };
}

/** The optional transaction fields, left out when zero. */
function transactFields(
  items: number,
  wcu: number,
): Pick<DynamoCost, 'transactItems' | 'transactWriteCapacityUnits'> {
  return { ...(items ? { transactItems: items } : {}), ...(wcu ? { transactWriteCapacityUnits: wcu } : {}) };
}

export const ZERO_COST: DynamoCost = Object.freeze({
  requests: 0,
  byCommand: Object.freeze({}),
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  retries: 0,
  errors: 0,
});

/** Sum of costs (benchmarks add up the pages of an import). */
export function addCosts(a: DynamoCost, b: DynamoCost): DynamoCost {
  const byCommand: Record<string, number> = { ...a.byCommand };
  for (const [name, count] of Object.entries(b.byCommand)) byCommand[name] = (byCommand[name] ?? 0) + count;
  return {
    requests: a.requests + b.requests,
    byCommand,
    readCapacityUnits: a.readCapacityUnits + b.readCapacityUnits,
    writeCapacityUnits: a.writeCapacityUnits + b.writeCapacityUnits,
    retries: a.retries + b.retries,
    errors: a.errors + b.errors,
    ...transactFields(
      (a.transactItems ?? 0) + (b.transactItems ?? 0),
      (a.transactWriteCapacityUnits ?? 0) + (b.transactWriteCapacityUnits ?? 0),
    ),
  };
}

function emptyAccumulator(parent: CostAccumulator | undefined): CostAccumulator {
  return {
    requests: 0,
    byCommand: {},
    readCapacityUnits: 0,
    writeCapacityUnits: 0,
    retries: 0,
    errors: 0,
    transactItems: 0,
    transactWriteCapacityUnits: 0,
    parent,
  };
}

function record(
  scope: CostAccumulator,
  command: string,
  consumed: unknown,
  attempts: number | undefined,
  failed: boolean,
): void {
  const { read, write } = capacityOf(command, consumed);
  const retries = attempts !== undefined && attempts > 1 ? attempts - 1 : 0;
  for (let s: CostAccumulator | undefined = scope; s; s = s.parent) {
    s.requests += 1;
    s.byCommand[command] = (s.byCommand[command] ?? 0) + 1;
    s.readCapacityUnits += read;
    s.writeCapacityUnits += write;
    s.retries += retries;
    if (failed) s.errors += 1;
  }
}

function recordTransaction(scope: CostAccumulator, input: Record<string, unknown>, consumed: unknown): void {
  const items = Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
  const { write } = capacityOf('TransactWriteItems', consumed);
  for (let s: CostAccumulator | undefined = scope; s; s = s.parent) {
    s.transactItems += items;
    s.transactWriteCapacityUnits += write;
  }
}

interface ConsumedCapacityEntry {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

/** Batch and transaction actions report one entry per table; single-item actions one object. */
function capacityOf(command: string, consumed: unknown): { read: number; write: number } {
  const entries = (
    Array.isArray(consumed) ? consumed : consumed ? [consumed] : []
  ) as ConsumedCapacityEntry[];
  let read = 0;
  let write = 0;
  const isRead = READ_COMMANDS.has(command);
  for (const entry of entries) {
    if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
      read += entry.ReadCapacityUnits ?? 0;
      write += entry.WriteCapacityUnits ?? 0;
    } else if (isRead) {
      read += entry.CapacityUnits ?? 0;
    } else {
      write += entry.CapacityUnits ?? 0;
    }
  }
  return { read, write };
}

function snapshot(scope: CostAccumulator): DynamoCost {
  return {
    requests: scope.requests,
    byCommand: { ...scope.byCommand },
    readCapacityUnits: scope.readCapacityUnits,
    writeCapacityUnits: scope.writeCapacityUnits,
    retries: scope.retries,
    errors: scope.errors,
    ...transactFields(scope.transactItems, scope.transactWriteCapacityUnits),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
