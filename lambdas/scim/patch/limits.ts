/**
 * Bounds on the work one PATCH request may cause (docs/HARDENING.md, "PATCH work"). Each is
 * answered with 400 tooMany before the work it bounds is done.
 */

/** Values (list elements, at any depth) across the attribute operations of one request. */
export const MAX_PATCH_VALUES = 10_000;
/** Elements of one list: in one operation's value, and after an operation that grows an attribute. */
export const MAX_VALUES_PER_ATTRIBUTE = 1_000;
/**
 * Element visits across one request: each operation on a multi-valued attribute costs the
 * elements it examines (times the terms of its value filter) plus the values it carries.
 */
export const MAX_PATCH_WORK = 100_000;

export interface ListValueCount {
  /** List elements at any depth. */
  readonly total: number;
  /** Elements of the longest list. */
  readonly longest: number;
}

/**
 * Counts list elements anywhere inside `value` without recursion (bodies may nest deeply);
 * top-level keys for which `skipKey` is true are not counted.
 */
export function countListValues(value: unknown, skipKey?: (key: string) => boolean): ListValueCount {
  let total = 0;
  let longest = 0;
  const pending: unknown[] = [];
  if (Array.isArray(value) || typeof value !== 'object' || value === null) pending.push(value);
  else {
    for (const [key, child] of Object.entries(value)) if (!skipKey?.(key)) pending.push(child);
  }
  while (pending.length > 0) {
    const item = pending.pop();
    if (Array.isArray(item)) {
      total += item.length;
      longest = Math.max(longest, item.length);
      for (const element of item) if (typeof element === 'object' && element !== null) pending.push(element);
    } else if (typeof item === 'object' && item !== null) {
      for (const child of Object.values(item))
        if (typeof child === 'object' && child !== null) pending.push(child);
    }
  }
  return { total, longest };
}
