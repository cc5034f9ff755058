/**
 * The one place where an API Gateway event becomes a SCIM operation call, and the one
 * try/catch of the request path (error-response.ts renders what it catches). Order: route →
 * method → authenticate → scope (OPERATION_SCOPES, before any DynamoDB work) → operation.
 * Unknown paths and methods are answered as SCIM errors too, so every response a client sees
 * is SCIM JSON. An authenticated response names the token's scope (X-Token-Scope). Writes,
 * refused ones included, are then recorded through the Runtime's activity recorder, if any.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Principal } from '../auth/authenticator';
import { scopeAllows } from '../auth/token-document';
import { DomainError } from '../domain/errors';
import { type CostScope, openCostScope } from '../observability/dynamo-cost';
import { isCostReported, operationName, reportRequestCost } from '../observability/dynamo-cost-report';
import { logger } from '../observability/logger';
import type { HttpMethod, Operation, RouteTarget } from '../routes';
import { matchRoute, OPERATION_SCOPES, ROUTES } from '../routes';
import type { Runtime } from '../runtime';
import { clipped } from '../scim/clip';
import {
  type ActivityOutcome,
  type ActivityRecord,
  activityRecorder,
  isMutating,
  outcomeOf,
  type RequestActivity,
  successOutcome,
} from './activity';
import { errorResponse, isExpectedError } from './error-response';
import { type ScimRequest, toScimRequest } from './request';

export interface OperationContext {
  readonly request: ScimRequest;
  readonly principal: Principal;
  readonly runtime: Runtime;
}

type OperationHandler = (context: OperationContext) => Promise<APIGatewayProxyResult>;
export type OperationTable = Partial<Record<Operation, OperationHandler>>;
export type LambdaHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export function createHttpHandler(
  target: RouteTarget,
  operations: OperationTable,
  runtime: () => Runtime,
): LambdaHandler {
  return async (event) => {
    const started = Date.now();
    // One cost scope per request, carried by the client the operation gets, so concurrent
    // requests in one process never share a meter. None when the cost goes nowhere.
    const cost: CostScope | undefined = isCostReported() ? openCostScope() : undefined;
    let result: APIGatewayProxyResult;
    let tenant: string | undefined;
    let operation: Operation | undefined;
    let activity: RequestActivity | undefined;
    let scope: string | undefined;
    let recordOf: ((outcome: ActivityOutcome) => ActivityRecord) | undefined;
    try {
      const resolved = resolveOperation(event, target, operations);
      operation = resolved.operation;
      const rt = runtime();
      const request = toScimRequest({ ...event, pathParameters: resolved.pathParameters }, rt.baseUrl);
      const principal = await rt.authenticate(request.headers.authorization);
      tenant = principal.tenant;
      const db = cost ? cost.bind(rt.db) : rt.db;
      if (rt.activity && isMutating(resolved.operation)) {
        const op = resolved.operation;
        const record = activityRecorder(target, op, request, principal);
        recordOf = record;
        activity = rt.activity.begin(db, (id) => record(successOutcome(target, op, request, id)));
      }
      scope = principal.scope;
      requireScope(principal, resolved.operation);
      // The request's own runtime: metered, and with the activity record as its writes' companion.
      const requestRuntime: Runtime = {
        ...rt,
        db,
        ...(activity && rt.activityWithWrite !== false ? { companion: activity } : {}),
      };
      result = await resolved.handle({ request, principal, runtime: requestRuntime });
    } catch (error) {
      // The store translates DynamoDB's failures itself; anything unknown here is a fault of ours.
      if (!isExpectedError(error)) {
        logger.error('Unhandled error', {
          error: describe(error),
          route: event.resource,
          method: event.httpMethod,
        });
      }
      result = errorResponse(error);
    }
    if (scope) result = { ...result, headers: { ...result.headers, [TOKEN_SCOPE_HEADER]: scope } };
    logger.info('request', {
      method: event.httpMethod,
      route: event.resource,
      operation,
      tenant,
      status: result.statusCode,
      durationMs: Date.now() - started,
    });
    if (activity && recordOf) {
      // The SCIM write already happened; losing its audit line must not turn it into an error.
      await activity.finish(recordOf(outcomeOf(result))).catch((error: unknown) =>
        logger.warn('Could not record provisioning activity', {
          error: describe(error),
          operation,
          tenant,
        }),
      );
    }
    if (event.httpMethod.toUpperCase() === 'HEAD') result = { ...result, body: '' };
    // DynamoDB cost of this request, activity included: EMF metrics in Lambda, a header only if
    // SCIM_COST_HEADER=1.
    return reportRequestCost(operation && operationName(target, operation), cost?.cost(), result);
  };
}

/** Tells the caller (the console) which scope its token has. */
const TOKEN_SCOPE_HEADER = 'X-Token-Scope';

/** A read token on a write operation: refused before the operation runs, so nothing is touched. */
function requireScope(principal: Principal, operation: Operation): void {
  const needed = OPERATION_SCOPES[operation];
  if (!scopeAllows(principal.scope, needed)) {
    throw new DomainError(
      'forbidden',
      `This token has ${principal.scope} scope; this operation needs a token with ${needed} scope`,
    );
  }
}

function resolveOperation(
  event: APIGatewayProxyEvent,
  target: RouteTarget,
  operations: OperationTable,
): { operation: Operation; handle: OperationHandler; pathParameters: Record<string, string> } {
  // API Gateway names the matched template in `resource`; the local server does the same.
  const declared = ROUTES.find((r) => r.path === event.resource);
  const match = declared
    ? { route: declared, pathParameters: (event.pathParameters ?? {}) as Record<string, string> }
    : matchRoute(event.path);
  if (!match || match.route.target !== target) {
    throw new DomainError('notFound', `No SCIM endpoint at ${clipped(event.path)}`);
  }
  // HEAD is GET without the body (RFC 9110 §9.3.2), wherever GET is served.
  const method = event.httpMethod.toUpperCase();
  const operation = match.route.methods[(method === 'HEAD' ? 'GET' : method) as HttpMethod];
  const handle = operation ? operations[operation] : undefined;
  if (!operation || !handle) {
    const declared = Object.keys(match.route.methods);
    const allow = declared.includes('GET') ? [...declared, 'HEAD'] : declared;
    throw new DomainError(
      'methodNotAllowed',
      `Method ${clipped(event.httpMethod)} is not supported here; allowed: ${allow.join(', ')}`,
      { allow },
    );
  }
  return { operation, handle, pathParameters: match.pathParameters };
}

/** Error description for logs: name, message and stack, never request data. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
