/**
 * What a mutating request did, as a provisioning-activity record: who (token id and label),
 * what (method, path, resource id, attribute names) and the outcome status, with the SCIM
 * error's scimType and detail (≤ 512 characters) when it failed. Derived from the
 * request and the response alone, so every operation is covered the same way, including the
 * ones that failed validation (a rejected request is exactly what an administrator troubleshooting Okta
 * needs to see).
 *
 * "Changed attributes" are the attribute names the request set or removed: the keys of a
 * POST/PUT body and the attribute of each PATCH operation's path or value keys: names, not
 * values. The error `detail` is the client's own error text, which can quote a value it sent
 * (the userName a 409 names).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Principal } from '../auth/authenticator';
import { scopeAllows } from '../auth/token-document';
import { OPERATION_SCOPES, type Operation, type RouteTarget } from '../routes';
import { parseProjection } from '../scim/list';
import { isPlainObject } from '../scim/schema/json';
import { namesAttributes } from '../scim/schema/projection';
import { parsedBody, type ScimRequest } from './request';
import { isCreated } from './response';

/**
 * One mutating request, as the activity log keeps it: attribute names and the outcome (an
 * error's detail may quote a value the client sent). The
 * shape is what activityRecorder builds; the activity store accepts exactly this shape.
 */
export type ActivityRecord = ReturnType<ReturnType<typeof activityRecorder>>;

/**
 * Where activity records go; the Runtime provides it (the activity store in production). A
 * request's record first rides along with its first committed transaction (`pending` and
 * `committed`, the store's companion write) as `draft` predicts it; `finish` then makes the
 * log say what was answered.
 */
export interface ActivityLog {
  begin(db: DynamoDBDocumentClient, draft: (resourceId: string) => ActivityRecord): RequestActivity;
}
export interface RequestActivity {
  readonly viaStream: boolean;
  pending(resourceId: string): Record<string, unknown> | undefined;
  stamp(resourceId: string): Record<string, unknown> | undefined;
  committed(): void;
  finish(record: ActivityRecord): Promise<void>;
}

/** What a request was answered, as the activity record keeps it. */
export interface ActivityOutcome {
  readonly status: number;
  readonly resourceId?: string;
  /** On 4xx/5xx: the SCIM error's scimType and detail. */
  readonly scimType?: string;
  readonly detail?: string;
}

const RESOURCE_TYPE: Record<RouteTarget, string> = {
  users: 'User',
  groups: 'Group',
  discovery: 'Discovery',
  console: 'Console',
  feed: 'Events',
  activity: 'Activity',
};
const MAX_DETAIL = 512;
const IGNORED_KEYS = new Set(['schemas', 'id', 'meta']);
const MAX_NAMES = 100;

/** The operations that change the directory: those the route table gives `write` scope. */
export function isMutating(operation: Operation): boolean {
  return OPERATION_SCOPES[operation] === 'write';
}

/**
 * The records of one write request, one per answer it may be given (the drafted success, then
 * the answer sent): its attribute names are read from the request once.
 */
export function activityRecorder(
  target: RouteTarget,
  operation: Operation,
  request: ScimRequest,
  principal: Principal,
) {
  // A token whose scope refuses the write gets its attempt recorded, but not names from a body
  // that is never read: a read token must not fill the log with text of its choosing.
  const refused = !scopeAllows(principal.scope, OPERATION_SCOPES[operation]);
  const changedAttributes = operation === 'delete' || refused ? [] : attributeNames(operation, request);
  return (outcome: ActivityOutcome, now: Date = new Date()) =>
    activityOf(target, operation, request, principal, outcome, changedAttributes, now);
}

function activityOf(
  target: RouteTarget,
  operation: Operation,
  request: ScimRequest,
  principal: Principal,
  outcome: ActivityOutcome,
  changedAttributes: string[],
  now: Date,
) {
  const resourceId = request.pathParameters.id ?? outcome.resourceId;
  return {
    tenant: principal.tenant,
    time: now.toISOString(),
    tokenId: principal.tokenId,
    tokenLabel: principal.label,
    method: request.method,
    path: request.path.slice(0, 512),
    operation,
    resourceType: RESOURCE_TYPE[target],
    ...(resourceId ? { resourceId: resourceId.slice(0, 256) } : {}),
    status: outcome.status,
    ...(outcome.scimType !== undefined ? { scimType: outcome.scimType.slice(0, 64) } : {}),
    ...(outcome.detail !== undefined ? { detail: outcome.detail.slice(0, MAX_DETAIL) } : {}),
    changedAttributes,
  };
}

/**
 * The answer a write operation gives when it succeeds, before it runs: 201 for a create, 204
 * for a delete and for a group PATCH that names no attributes (handlers/groups.ts), else 200.
 * A wrong guess costs one more write in finish, never a wrong record.
 */
export function successOutcome(
  target: RouteTarget,
  operation: Operation,
  request: ScimRequest,
  resourceId: string,
): ActivityOutcome {
  const status =
    operation === 'create'
      ? 201
      : operation === 'delete' ||
          (operation === 'patch' && target === 'groups' && !namesAttributes(parseProjection(request.query)))
        ? 204
        : 200;
  return { status, resourceId };
}

/** What a response says: its status, a created resource's id, a SCIM error's scimType and detail. */
export function outcomeOf(result: APIGatewayProxyResult): ActivityOutcome {
  const body = result.statusCode >= 400 || isCreated(result) ? parseJson(result.body) : undefined;
  if (!isPlainObject(body)) return { status: result.statusCode };
  if (result.statusCode < 400) {
    return { status: result.statusCode, ...(typeof body.id === 'string' ? { resourceId: body.id } : {}) };
  }
  return {
    status: result.statusCode,
    ...(typeof body.scimType === 'string' ? { scimType: body.scimType } : {}),
    ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function attributeNames(operation: Operation, request: ScimRequest): string[] {
  // The operation's own parse when it read the body; otherwise (rejected before) parsed here.
  const parsed = parsedBody(request);
  const body = parsed.ok ? parsed.value : undefined;
  if (!isPlainObject(body)) return [];
  const names = new Set<string>();
  if (operation === 'patch') {
    const operations = Array.isArray(body.Operations) ? body.Operations : [];
    for (const op of operations) {
      if (!isPlainObject(op)) continue;
      if (typeof op.path === 'string' && op.path.trim() !== '') names.add(attributeOfPath(op.path));
      else if (isPlainObject(op.value)) keyNames(op.value, names);
    }
  } else {
    keyNames(body, names);
  }
  return [...names].slice(0, MAX_NAMES).sort();
}

function keyNames(value: Record<string, unknown>, names: Set<string>): void {
  for (const [key, inner] of Object.entries(value)) {
    if (IGNORED_KEYS.has(key)) continue;
    if (key.toLowerCase().startsWith('urn:') && isPlainObject(inner)) {
      for (const sub of Object.keys(inner)) names.add(`${key}:${sub}`);
    } else {
      names.add(attributeOfPath(key));
    }
  }
}

/**
 * `emails[type eq "work"].value` → `emails`; `name.familyName` → `name`;
 * `urn:…:enterprise:2.0:User:manager.value` → `urn:…:enterprise:2.0:User:manager`.
 */
export function attributeOfPath(path: string): string {
  const beforeFilter = (path.split('[')[0] ?? '').trim();
  const colon = beforeFilter.lastIndexOf(':');
  const prefix = colon >= 0 ? beforeFilter.slice(0, colon + 1) : '';
  const attribute = (colon >= 0 ? beforeFilter.slice(colon + 1) : beforeFilter).split('.')[0] ?? '';
  return `${prefix}${attribute}`.slice(0, 200);
}
