/**
 * Shapes shared by the PATCH request parser, the attribute engine and the membership splitter.
 * Kept in their own module so handlers and the store can name a parsed operation or a member
 * change without pulling in the engine.
 */
import type { FilterNode, PatchPath } from '../filter/ast';

/** RFC 7644 §3.5.2: op names, normalised to lower case (Entra sends `Add`, `Replace`, `Remove`). */
export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: PatchOpName;
  /** Parsed `path`; absent for a path-less operation. */
  readonly path?: PatchPath;
  /** The path as the client wrote it, for error details. */
  readonly pathText?: string;
  /** True when the client sent a `value` member (even `null`). */
  readonly hasValue: boolean;
  readonly value?: unknown;
}

/**
 * A change to a group's membership. The store keeps one item per member, so membership
 * operations become these instead of edits of a `members` array.
 */
export type MemberChange =
  | { readonly kind: 'add'; readonly ids: string[] }
  | { readonly kind: 'remove'; readonly ids: string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly ids: string[] }
  /** `members[<filter>]` that is not a plain `value eq "id"`: the store evaluates it per member. */
  | { readonly kind: 'removeWhere'; readonly filter: FilterNode };

/** The schema URNs of the resource type being patched. */
export interface PatchSchemas {
  readonly core: string;
  readonly extensions: readonly string[];
}
