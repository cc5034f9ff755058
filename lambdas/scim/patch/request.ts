/**
 * Parses a PATCH body (RFC 7644 §3.5.2) into operations with parsed paths, before anything is
 * read from the store, so a malformed request costs no DynamoDB reads.
 *
 * Tolerant where real clients deviate and the intent is unambiguous (docs/ENTRA.md):
 * capitalised op names and member names (Entra), a missing `schemas` member (some Entra
 * samples), an empty `Operations` list (Entra's validator). Strict everywhere else: an
 * unknown op or a wrongly typed member is a 400 naming the member, never a silent no-op.
 */
import { badRequest } from '../errors';
import { parsePatchPath } from '../filter/parser';
import { ENTERPRISE_USER_SCHEMA } from '../schema/enterprise-user-schema';
import { GROUP_SCHEMA } from '../schema/group-schema';
import type { ResourceSchemas } from '../schema/registry';
import { USER_SCHEMA } from '../schema/user-schema';
import { countListValues, MAX_PATCH_VALUES, MAX_VALUES_PER_ATTRIBUTE } from './limits';
import { isMembersKey, isMembersPath } from './members';
import type { PatchOperation, PatchOpName, PatchSchemas } from './types';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Upper bound on operations per request. Each operation is applied in memory and may turn into
 * membership writes; a bound keeps one request's work (and Lambda time) predictable.
 */
export const MAX_PATCH_OPERATIONS = 1000;

export interface ParsePatchOptions {
  /**
   * Schema URNs of the resource type, so `urn:…:enterprise:2.0:User` alone names the extension
   * and URN-prefixed paths split at the schema. Defaults to the built-in User, Group and
   * enterprise schemas.
   */
  readonly schemas?: readonly string[];
}

const DEFAULT_SCHEMAS: readonly string[] = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];

const OPS: Readonly<Record<string, PatchOpName>> = { add: 'add', replace: 'replace', remove: 'remove' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Case-insensitive member access: Entra asks servers not to require exact case on structure. */
function member(object: Record<string, unknown>, name: string): { found: boolean; value: unknown } {
  if (Object.hasOwn(object, name)) return { found: true, value: object[name] };
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) return { found: true, value: object[key] };
  }
  return { found: false, value: undefined };
}

export function parsePatchRequest(body: unknown, options: ParsePatchOptions = {}): PatchOperation[] {
  if (!isObject(body)) {
    throw badRequest('invalidSyntax', 'The PATCH body must be a JSON object with an "Operations" array');
  }
  const schemasMember = member(body, 'schemas');
  if (schemasMember.found && schemasMember.value !== undefined) {
    // RFC 7644 §3.5.2: the body's schemas must name PatchOp; absent is tolerated, wrong is not.
    const declared = schemasMember.value;
    if (
      !Array.isArray(declared) ||
      !declared.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
    ) {
      throw badRequest('invalidSyntax', `"schemas" must be an array containing "${PATCH_OP_SCHEMA}"`);
    }
  }
  const operations = member(body, 'Operations');
  if (!operations.found || !Array.isArray(operations.value)) {
    throw badRequest('invalidSyntax', 'The PATCH body must contain an "Operations" array');
  }
  const list: unknown[] = operations.value;
  if (list.length > MAX_PATCH_OPERATIONS) {
    throw badRequest(
      'tooMany',
      `A PATCH request may contain at most ${MAX_PATCH_OPERATIONS} operations; got ${list.length}`,
    );
  }
  const schemas = options.schemas ?? DEFAULT_SCHEMAS;
  const parsed = list.map((raw, index) => parseOperation(raw, index, schemas));
  assertValueLimits(parsed);
  return parsed;
}

/**
 * Group `members` have their own limit (the groups service's member-id cap) and never reach
 * the attribute engine; every other list value counts here, before anything is read.
 */
function assertValueLimits(operations: readonly PatchOperation[]): void {
  let total = 0;
  for (const [index, operation] of operations.entries()) {
    if (!operation.hasValue || (operation.path && isMembersPath(operation.path.path))) continue;
    const { total: values, longest } = countListValues(
      operation.value,
      operation.path ? undefined : isMembersKey,
    );
    if (longest > MAX_VALUES_PER_ATTRIBUTE) {
      throw badRequest(
        'tooMany',
        `Operations[${index}]: a list may hold at most ${MAX_VALUES_PER_ATTRIBUTE} values; got ${longest}`,
      );
    }
    total += values;
    if (total > MAX_PATCH_VALUES) {
      throw badRequest(
        'tooMany',
        `A PATCH request may carry at most ${MAX_PATCH_VALUES} list values outside group members`,
      );
    }
  }
}

function parseOperation(raw: unknown, index: number, schemas: readonly string[]): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw badRequest('invalidSyntax', `${where} must be a JSON object`);
  const opMember = member(raw, 'op');
  if (typeof opMember.value !== 'string') {
    throw badRequest('invalidSyntax', `${where}.op must be one of "add", "replace", "remove"`);
  }
  const op = OPS[opMember.value.toLowerCase()];
  if (op === undefined || !Object.hasOwn(OPS, opMember.value.toLowerCase())) {
    throw badRequest(
      'invalidSyntax',
      `${where}.op "${opMember.value.slice(0, 40)}" is not one of "add", "replace", "remove"`,
    );
  }
  const pathMember = member(raw, 'path');
  let pathText: string | undefined;
  if (pathMember.value !== undefined && pathMember.value !== null) {
    if (typeof pathMember.value !== 'string')
      throw badRequest('invalidSyntax', `${where}.path must be a string`);
    // An empty path means "no path"; a remove without one is then rejected as noTarget.
    if (pathMember.value.trim() !== '') pathText = pathMember.value.trim();
  }
  const valueMember = member(raw, 'value');
  const hasValue = valueMember.found && valueMember.value !== undefined;
  if (op !== 'remove' && !hasValue) {
    throw badRequest('invalidSyntax', `${where}: "${op}" requires a "value" member (RFC 7644 §3.5.2)`);
  }
  return {
    op,
    ...(pathText !== undefined ? { path: parsePatchPath(pathText, { schemas }), pathText } : {}),
    hasValue,
    ...(hasValue ? { value: valueMember.value } : {}),
  };
}

/** The PatchSchemas of a resource type, from the registry's `resourceSchemas(type)`. */
export function patchSchemasOf(schemas: ResourceSchemas): PatchSchemas {
  return { core: schemas.core.id, extensions: schemas.extensions.map((e) => e.schema.id) };
}
