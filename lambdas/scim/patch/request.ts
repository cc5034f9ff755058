/**
 * Parses a PATCH body (RFC 7644 §3.5.2) into operations with parsed paths, before anything is
 * read from the store, so a malformed request costs no DynamoDB reads.
 *
 * Tolerant where real clients deviate and the intent is unambiguous (docs/ENTRA.md):
 * capitalised op names and member names (Entra), a missing `schemas` member (some Entra
 * samples), an empty `Operations` list (Entra's validator). Strict everywhere else: an
 * unknown op or a wrongly typed member is a 400 naming the member, never a silent no-op.
 */
import { clipped } from '../clip';
import { badRequest } from '../errors';
import { parsePatchPath } from '../filter/parser';
import { ENTERPRISE_USER_SCHEMA } from '../schema/enterprise-user-schema';
import { GROUP_SCHEMA } from '../schema/group-schema';
import { getCi, isPlainObject } from '../schema/json';
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

export function parsePatchRequest(body: unknown, options: ParsePatchOptions = {}): PatchOperation[] {
  if (!isPlainObject(body)) {
    throw badRequest('invalidSyntax', 'The PATCH body must be a JSON object with an "Operations" array');
  }
  // Case-insensitive member names: Entra asks servers not to require exact case on structure.
  const declared = getCi(body, 'schemas');
  if (declared !== undefined) {
    // RFC 7644 §3.5.2: the body's schemas must name PatchOp; absent is tolerated, wrong is not.
    if (
      !Array.isArray(declared) ||
      !declared.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
    ) {
      throw badRequest('invalidSyntax', `"schemas" must be an array containing "${PATCH_OP_SCHEMA}"`);
    }
  }
  const list = getCi(body, 'Operations');
  if (!Array.isArray(list)) {
    throw badRequest('invalidSyntax', 'The PATCH body must contain an "Operations" array');
  }
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
  if (!isPlainObject(raw)) throw badRequest('invalidSyntax', `${where} must be a JSON object`);
  const opName = getCi(raw, 'op');
  if (typeof opName !== 'string') {
    throw badRequest('invalidSyntax', `${where}.op must be one of "add", "replace", "remove"`);
  }
  const op = OPS[opName.toLowerCase()];
  if (op === undefined || !Object.hasOwn(OPS, opName.toLowerCase())) {
    throw badRequest(
      'invalidSyntax',
      `${where}.op "${clipped(opName)}" is not one of "add", "replace", "remove"`,
    );
  }
  const path = getCi(raw, 'path');
  let pathText: string | undefined;
  if (path !== undefined && path !== null) {
    if (typeof path !== 'string') throw badRequest('invalidSyntax', `${where}.path must be a string`);
    // An empty path means "no path"; a remove without one is then rejected as noTarget.
    if (path.trim() !== '') pathText = path.trim();
  }
  const value = getCi(raw, 'value');
  const hasValue = value !== undefined;
  if (op !== 'remove' && !hasValue) {
    throw badRequest('invalidSyntax', `${where}: "${op}" requires a "value" member (RFC 7644 §3.5.2)`);
  }
  return {
    op,
    ...(pathText !== undefined ? { path: parsePatchPath(pathText, { schemas }), pathText } : {}),
    hasValue,
    ...(hasValue ? { value } : {}),
  };
}

/** The PatchSchemas of a resource type, from the registry's `resourceSchemas(type)`. */
export function patchSchemasOf(schemas: ResourceSchemas): PatchSchemas {
  return { core: schemas.core.id, extensions: schemas.extensions.map((e) => e.schema.id) };
}
