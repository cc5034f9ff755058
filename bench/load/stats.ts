/**
 * Counters of the load run: latencies overall and per operation, statuses, responses ≥ 500,
 * and answers the workload did not expect (kept with their detail for the report).
 */
export type OperationName =
  | 'createUser'
  | 'lookupUserName'
  | 'patchActive'
  | 'putUser'
  | 'getUser'
  | 'addMember'
  | 'removeMember'
  | 'deleteUser';

export interface LoadStats {
  total: number;
  serverErrors: number;
  readonly latencies: number[];
  readonly byOperation: Map<OperationName, { latencies: number[]; statuses: Record<string, number> }>;
  readonly unexpected: string[];
}

export function newStats(): LoadStats {
  return { total: 0, serverErrors: 0, latencies: [], byOperation: new Map(), unexpected: [] };
}

export function record(
  stats: LoadStats,
  operation: OperationName,
  status: number,
  ms: number,
  unexpected: string | undefined,
): void {
  stats.total += 1;
  if (status >= 500) stats.serverErrors += 1;
  stats.latencies.push(ms);
  let entry = stats.byOperation.get(operation);
  if (!entry) {
    entry = { latencies: [], statuses: {} };
    stats.byOperation.set(operation, entry);
  }
  entry.latencies.push(ms);
  entry.statuses[String(status)] = (entry.statuses[String(status)] ?? 0) + 1;
  if (unexpected) stats.unexpected.push(unexpected);
}
