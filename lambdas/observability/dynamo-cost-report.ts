/**
 * Where the per-request DynamoDB cost goes once a SCIM request is answered:
 *  - in Lambda, CloudWatch metrics in Embedded Metric Format (emf.ts)
 *    (DynamoRequests, DynamoRCU, DynamoWCU with dimension `operation`, e.g. `Users.create`), so
 *    dashboards show cost per operation without a metrics API call in the request path;
 *  - locally and in the benchmarks, an `x-scim-dynamodb-cost` response header, only when
 *    SCIM_COST_HEADER=1. It is off by default because it tells a caller about the storage layer.
 * Kept apart from the meter so the meter stays free of metric output and of HTTP shapes.
 */
import { METRIC_NAMESPACE } from '../deployment';
import { type DynamoCost, formatCost } from './dynamo-cost';
import { type Metric, publishMetrics } from './emf';

export const COST_HEADER = 'x-scim-dynamodb-cost';

interface ResultWithHeaders {
  headers?: { [header: string]: boolean | number | string } | undefined;
}

/**
 * Publishes `cost` for `operation` and returns the result to send: the same object, or a copy
 * with the cost header when SCIM_COST_HEADER=1. `operation` is undefined when the request never
 * reached an operation (unknown route, 405); nothing is published then.
 */
export function reportRequestCost<R extends ResultWithHeaders>(
  operation: string | undefined,
  cost: DynamoCost | undefined,
  result: R,
  env: NodeJS.ProcessEnv = process.env,
): R {
  if (!cost || operation === undefined) return result;
  if (env.AWS_LAMBDA_FUNCTION_NAME) {
    try {
      publishCost(operation, cost);
    } catch {
      // A metrics failure must never turn an answered request into an error.
    }
  }
  if (env.SCIM_COST_HEADER !== '1') return result;
  return { ...result, headers: { ...(result.headers ?? {}), [COST_HEADER]: formatCost(cost) } };
}

/**
 * Whether a request's cost goes anywhere (the conditions of reportRequestCost). When it does
 * not (the local server by default), the handler skips the meter altogether: no scope, and no
 * ReturnConsumedCapacity on the wire.
 */
export function isCostReported(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) || env.SCIM_COST_HEADER === '1';
}

/** `users` + `create` → `Users.create`, the dimension value dashboards group by. */
export function operationName(target: string, operation: string): string {
  return `${target.charAt(0).toUpperCase()}${target.slice(1)}.${operation}`;
}

function publishCost(operation: string, cost: DynamoCost): void {
  const count = (name: string, value: number): Metric => ({ name, unit: 'Count', value });
  publishMetrics({
    namespace: METRIC_NAMESPACE,
    service: 'scim',
    dimensions: { operation },
    metrics: [
      count('DynamoRequests', cost.requests),
      count('DynamoRCU', cost.readCapacityUnits),
      count('DynamoWCU', cost.writeCapacityUnits),
      ...(cost.retries > 0 ? [count('DynamoRetries', cost.retries)] : []),
    ],
  });
}
