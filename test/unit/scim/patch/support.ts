/**
 * Shared helpers for the PATCH unit tests: the real schema registry (so mutability, case and
 * extension layout are the ones the service uses), a one-call `patch(resource, body)` that goes
 * through the same parse → split → apply path as the services, and an assertion for ScimErrors.
 */
import { isScimError, type ScimError, type ScimType } from '../../../../lambdas/scim/errors';
import {
  applyPatch,
  type PatchResult,
  parsePatchRequest,
  patchSchemasOf,
  splitMemberOperations,
} from '../../../../lambdas/scim/patch';
import { createSchemaRegistry } from '../../../../lambdas/scim/schema/registry';

export const registry = createSchemaRegistry();
export const userLookup = registry.lookup('User');
export const groupLookup = registry.lookup('Group');
export const userSchemas = patchSchemasOf(registry.resourceSchemas('User'));
export const groupSchemas = patchSchemasOf(registry.resourceSchemas('Group'));

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A stored user the way the schema module canonicalises one (Okta's create body). */
export function storedUser(): Record<string, unknown> {
  return {
    schemas: [USER, ENTERPRISE],
    id: '0190a4c2-7b1e-7c3d-8e4f-5a6b7c8d9e0f',
    userName: 'test.user@okta.local',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    active: true,
    [ENTERPRISE]: { department: 'Sales' },
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z' },
  };
}

export function storedGroup(): Record<string, unknown> {
  return {
    schemas: [GROUP],
    id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b',
    displayName: 'Test SCIMv2',
    meta: { resourceType: 'Group', created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z' },
  };
}

/** Parses a PATCH body and applies it to a user, as the users service does. */
export function patchUser(resource: Record<string, unknown>, body: unknown): PatchResult {
  const operations = parsePatchRequest(body, { schemas: [userSchemas.core, ...userSchemas.extensions] });
  return applyPatch(resource, operations, userLookup, { schemas: userSchemas });
}

/** Parses a PATCH body for a group, splits membership off, applies the rest. */
export function patchGroup(resource: Record<string, unknown>, body: unknown) {
  const operations = parsePatchRequest(body, { schemas: [groupSchemas.core] });
  const { memberChanges, attributeOperations } = splitMemberOperations(operations);
  return {
    memberChanges,
    ...applyPatch(resource, attributeOperations, groupLookup, { schemas: groupSchemas }),
  };
}

export function ops(...operations: unknown[]): unknown {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Runs `fn` and returns the ScimError it throws; fails the test on success or another error. */
function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (isScimError(error)) return error;
    throw new Error(`expected a ScimError, got ${String(error)}`);
  }
  throw new Error('expected a ScimError, but the call succeeded');
}

export function expectScimError(
  fn: () => unknown,
  status: number,
  scimType: ScimType | undefined,
): ScimError {
  const error = scimErrorOf(fn);
  expect({ status: error.status, scimType: error.scimType }).toEqual({ status, scimType });
  return error;
}

/** Freezes a value recursively, so any mutation by the engine throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
