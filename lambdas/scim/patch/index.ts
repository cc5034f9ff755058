/**
 * The PATCH module's public surface: parse a body, split group membership changes off, apply
 * the rest to a resource.
 */
export {
  type ApplyPatchOptions,
  applyPatch,
  type PatchResult,
  type PatchSchemas,
  patchSchemasOf,
} from './apply';
export { MAX_PATCH_VALUES, MAX_PATCH_WORK, MAX_VALUES_PER_ATTRIBUTE } from './limits';
export { type SplitOperations, splitMemberOperations } from './members';
export { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, type ParsePatchOptions, parsePatchRequest } from './request';
export type { MemberChange, PatchOperation, PatchOpName } from './types';
