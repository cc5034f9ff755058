/**
 * The filter AST (RFC 7644 §3.4.2.2) and PATCH path (§3.5.2) shapes shared by the parser,
 * the in-memory evaluator, the query planner and the PATCH engine.
 */

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** A literal of the filter grammar: JSON string, number, true/false or null. */
export type FilterValue = string | number | boolean | null;

/**
 * An attribute reference. `schema` is set when the client wrote a full URN prefix
 * (`urn:…:enterprise:2.0:User:manager.value`). Names are kept as written; consumers resolve
 * them case-insensitively against the schema registry.
 */
export interface AttributePath {
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type FilterNode =
  | {
      readonly kind: 'compare';
      readonly path: AttributePath;
      readonly op: CompareOperator;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly path: AttributePath }
  | { readonly kind: 'and'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  /**
   * `emails[type eq "work"]` — true when some element of the multi-valued attribute matches
   * `filter` (whose paths are relative to the element).
   */
  | { readonly kind: 'valuePath'; readonly path: AttributePath; readonly filter: FilterNode };

/**
 * A PATCH target: `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr`.
 * For `emails[type eq "work"].value`: path = {attribute: 'emails'}, valueFilter = type eq
 * "work", subAttribute = 'value'.
 */
export interface PatchPath {
  readonly path: AttributePath;
  readonly valueFilter?: FilterNode;
  /** Only with valueFilter: the sub-attribute of the matching elements. */
  readonly subAttribute?: string;
}

/**
 * How filter evaluation and PATCH learn attribute characteristics (type, caseExact,
 * multiValued, mutability) without depending on the schema module: the schema registry hands
 * out a lookup per resource type. Names resolve case-insensitively. For an element-relative
 * path inside `emails[…]`, callers ask for `{attribute: 'emails', subAttribute: 'type'}`.
 * Returns the definition of the deepest named attribute (the sub-attribute when given).
 */
export type AttributeLookup = (
  path: AttributePath,
) => import('../schema/types').AttributeDefinition | undefined;
