/**
 * The PATCH module's public surface: parse a body, split group membership changes off, apply
 * the rest to a resource.
 */
export { applyPatch, type PatchResult } from './apply';
export { MAX_PATCH_VALUES, MAX_PATCH_WORK, MAX_VALUES_PER_ATTRIBUTE } from './limits';
export { splitMemberOperations } from './members';
export { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, parsePatchRequest, patchSchemasOf } from './request';
