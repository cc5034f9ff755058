/**
 * Evaluates a filter AST against a SCIM resource in memory (RFC 7644 §3.4.2.2). The query
 * planner uses it for every term it cannot answer from an index, so index look-ups and
 * in-memory evaluation must agree: both treat userName, displayName and emails.value as
 * case-insensitive and ids/externalId as caseExact, because the schema (via AttributeLookup)
 * says so, not a list in this file.
 *
 * A filter is compiled once per (filter, lookup) into closures: type errors in the filter
 * (`active gt true`, `emails co 5` on a number, `meta.created eq "yesterday"`) are found
 * before any resource is read, so they surface as 400 invalidFilter even when the tenant has
 * no data, and evaluation itself never throws.
 *
 * Resources are plain SCIM JSON: core attributes at the top level, extension attributes under
 * their schema URN. Names in the filter may be written in any case.
 */

import { compareInstants, parseInstant } from '../date-time';
import { badRequest } from '../errors';
import { nameKey } from '../names';
import { getCi, isPlainObject, keyCi } from '../schema/json';
import type { AttributeLookup, AttributePath, CompareOperator, FilterNode, FilterValue } from './ast';
import { printPath } from './parser';

type Predicate = (context: unknown) => boolean;
type ValueTest = (value: unknown) => boolean;

/** What a comparison needs to know about an attribute. */
type TypeInfo = { readonly type: string; readonly caseExact: boolean };

type ResourceObject = Readonly<Record<string, unknown>>;

/**
 * Where an attribute lives in the resource. With a URN prefix: under that URN key, or at the
 * top level for the core schema. Without one: the top level, else any extension object that
 * has it (clients filter on `employeeNumber` without the enterprise URN).
 */
function containerOf(resource: unknown, path: AttributePath): ResourceObject | undefined {
  if (!isPlainObject(resource)) return undefined;
  if (path.schema !== undefined) {
    const nested = getCi(resource, path.schema);
    if (isPlainObject(nested)) return nested;
    return /:core:/i.test(path.schema) ? resource : undefined;
  }
  if (keyCi(resource, path.attribute) !== undefined) return resource;
  for (const key of Object.keys(resource)) {
    const nested = resource[key];
    if (
      key.slice(0, 4).toLowerCase() === 'urn:' &&
      isPlainObject(nested) &&
      keyCi(nested, path.attribute) !== undefined
    ) {
      return nested;
    }
  }
  return resource;
}

/** Multi-valued attributes are arrays; a sub-attribute is read from every element. */
function subValues(value: unknown, subAttribute: string): unknown[] {
  const elements = Array.isArray(value) ? value : [value];
  const out: unknown[] = [];
  for (const element of elements) {
    if (isPlainObject(element)) out.push(getCi(element, subAttribute));
  }
  return out;
}

/** The raw value an attribute path names: top-level resource, or one element of a value path. */
function makeGetter(path: AttributePath, parent: AttributePath | undefined): (context: unknown) => unknown {
  if (parent === undefined) {
    return (resource) => {
      const container = containerOf(resource, path);
      if (!container) return undefined;
      const value = getCi(container, path.attribute);
      return path.subAttribute === undefined ? value : subValues(value, path.subAttribute);
    };
  }
  return (element) => {
    let value: unknown;
    if (isPlainObject(element)) value = getCi(element, path.attribute);
    // An array of plain values (`schemas`, or a stored multi-valued string): `value` is the item.
    else if (path.attribute.toLowerCase() === 'value') value = element;
    return path.subAttribute === undefined ? value : subValues(value, path.subAttribute);
  };
}

/**
 * The values to compare: arrays flattened, nulls dropped, and a complex value without an
 * explicit sub-attribute replaced by its `value` sub-attribute (RFC 7644 §3.4.2.2: `emails eq
 * "x"` compares emails.value).
 */
function comparable(raw: unknown): unknown[] {
  const out: unknown[] = [];
  const add = (item: unknown): void => {
    if (item === undefined || item === null) return;
    if (Array.isArray(item)) {
      for (const inner of item) add(inner);
      return;
    }
    if (isPlainObject(item)) {
      const value = getCi(item, 'value');
      if (value !== undefined && value !== null && !isPlainObject(value)) add(value);
      return;
    }
    out.push(item);
  };
  add(raw);
  return out;
}

/** RFC 7644 §3.4.2.2 `pr`: has a non-empty value; null, "", [] and {} (all empty) are absent. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isPlainObject(value)) return Object.values(value).some(isPresent);
  return true;
}

function invalid(path: AttributePath, why: string): never {
  throw badRequest('invalidFilter', `${printPath(path)}: ${why}`);
}

function order(op: CompareOperator, sign: number): boolean {
  switch (op) {
    case 'eq':
      return sign === 0;
    case 'ne':
      return sign !== 0;
    case 'gt':
      return sign > 0;
    case 'ge':
      return sign >= 0;
    case 'lt':
      return sign < 0;
    default:
      return sign <= 0;
  }
}

const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);

/**
 * caseExact=false strings compare by the name profile's fold (names.ts nameKey), the key the
 * userName/displayName guards and index use, so index-backed and walked answers agree.
 */
function stringTest(op: CompareOperator, literal: string, caseExact: boolean): ValueTest {
  const want = caseExact ? literal : nameKey(literal);
  return (value) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
    const text = caseExact ? String(value) : nameKey(String(value));
    switch (op) {
      case 'co':
        return text.includes(want);
      case 'sw':
        return text.startsWith(want);
      case 'ew':
        return text.endsWith(want);
      default:
        return order(op, text < want ? -1 : text > want ? 1 : 0);
    }
  };
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function numericTest(op: CompareOperator, literal: number, convert: (v: unknown) => number | undefined) {
  return (value: unknown): boolean => {
    const n = convert(value);
    return n !== undefined && order(op, n < literal ? -1 : n > literal ? 1 : 0);
  };
}

/**
 * One comparison as a test on a single value, chosen by the attribute's type. Unknown
 * attributes (no definition) compare as case-insensitive strings, except that a boolean or
 * number literal matches a stored value of the same JSON type.
 */
function valueTest(
  path: AttributePath,
  op: CompareOperator,
  literal: Exclude<FilterValue, null>,
  definition: TypeInfo | undefined,
): ValueTest {
  if (definition === undefined) {
    const asText = stringTest(op, String(literal), false);
    if (typeof literal === 'string') return asText;
    return (value) => (typeof value === typeof literal ? valueOrder(op, value, literal) : asText(value));
  }
  switch (definition.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') invalid(path, `is a boolean; "${op}" is not defined for booleans`);
      const want = toBoolean(literal);
      if (want === undefined) invalid(path, 'is a boolean; compare it with true or false');
      return (value) => {
        const b = toBoolean(value);
        return b !== undefined && (b === want) === (op === 'eq');
      };
    }
    case 'integer':
    case 'decimal': {
      if (SUBSTRING.has(op)) invalid(path, `is a number; "${op}" applies to strings only`);
      const want = toNumber(literal);
      if (want === undefined) invalid(path, 'is a number; compare it with a number');
      return numericTest(op, want, toNumber);
    }
    case 'dateTime': {
      // co/sw/ew on a timestamp's text (`meta.lastModified sw "2024-05"`) is still useful.
      if (SUBSTRING.has(op)) return stringTest(op, String(literal), true);
      const want = parseInstant(literal);
      if (want === undefined) invalid(path, 'is a dateTime; compare it with an RFC 3339 timestamp string');
      return (value) => {
        const instant = parseInstant(value);
        return instant !== undefined && order(op, Math.sign(compareInstants(instant, want)));
      };
    }
    case 'complex':
      invalid(path, 'is complex; filter on one of its sub-attributes');
      break;
    case 'binary':
      // RFC 7644 §3.4.2.2: gt, ge, lt and le on a binary attribute are invalidFilter.
      if (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') {
        invalid(path, `is binary; "${op}" is not defined for binary values`);
      }
      if (typeof literal !== 'string')
        invalid(path, `is binary; compare it with a quoted base64 string, not ${String(literal)}`);
      return stringTest(op, literal, true);
    default:
      // string, reference: RFC 7644 §3.4.2.2, a literal of another type is invalidFilter.
      if (typeof literal !== 'string') {
        invalid(path, `is a ${definition.type}; compare it with a quoted string, not ${String(literal)}`);
      }
      return stringTest(op, literal, definition.caseExact);
  }
}

function valueOrder(op: CompareOperator, value: unknown, literal: number | boolean): boolean {
  if (typeof literal === 'boolean') {
    if (op === 'eq') return value === literal;
    if (op === 'ne') return value !== literal;
    return false;
  }
  if (SUBSTRING.has(op)) return false;
  const n = value as number;
  return order(op, n < literal ? -1 : n > literal ? 1 : 0);
}

function compileCompare(
  node: Extract<FilterNode, { kind: 'compare' }>,
  parent: AttributePath | undefined,
  lookup: AttributeLookup,
): Predicate {
  const { path, op, value: literal } = node;
  const definitionPath: AttributePath =
    parent === undefined
      ? path
      : {
          ...(parent.schema === undefined ? {} : { schema: parent.schema }),
          attribute: parent.attribute,
          subAttribute: path.attribute,
        };
  const declared = lookup(definitionPath);
  let definition: TypeInfo | undefined = declared;
  const implicitValue = declared?.type === 'complex' && definitionPath.subAttribute === undefined;
  if (implicitValue) {
    if (ORDERING.has(op)) invalid(path, `is complex; "${op}" is not defined for complex attributes`);
    // `emails eq "x"` compares emails.value (RFC 7644 §3.4.2.2, multi-valued complex attributes).
    definition = lookup({ ...definitionPath, subAttribute: 'value' }) ?? { type: 'string', caseExact: false };
  }
  const get = makeGetter(path, parent);
  if (literal === null) {
    if (op !== 'eq' && op !== 'ne') invalid(path, `null can only be compared with "eq" or "ne"`);
    // `attr eq null` asks for "no value"; `attr ne null` for "has a value".
    return op === 'eq'
      ? (context) => comparable(get(context)).length === 0
      : (context) => comparable(get(context)).length > 0;
  }
  if (op === 'ne') {
    // Not equal = no value equals (so an absent attribute is "ne" anything).
    const equal = valueTest(path, 'eq', literal, definition);
    return (context) => !comparable(get(context)).some(equal);
  }
  const test = valueTest(path, op, literal, definition);
  return (context) => comparable(get(context)).some(test);
}

function compile(node: FilterNode, parent: AttributePath | undefined, lookup: AttributeLookup): Predicate {
  switch (node.kind) {
    case 'compare':
      return compileCompare(node, parent, lookup);
    case 'present': {
      const get = makeGetter(node.path, parent);
      return (context) => isPresent(get(context));
    }
    case 'not': {
      const operand = compile(node.operand, parent, lookup);
      return (context) => !operand(context);
    }
    case 'and': {
      const left = compile(node.left, parent, lookup);
      const right = compile(node.right, parent, lookup);
      return (context) => left(context) && right(context);
    }
    case 'or': {
      const left = compile(node.left, parent, lookup);
      const right = compile(node.right, parent, lookup);
      return (context) => left(context) || right(context);
    }
    case 'valuePath': {
      if (parent !== undefined) invalid(node.path, 'value filters cannot be nested');
      const declared = lookup(node.path);
      // A list of plain values (`schemas[value eq "…"]`) is filtered item by item; one simple value is not a list.
      if (declared !== undefined && declared.type !== 'complex' && !declared.multiValued) {
        invalid(
          node.path,
          `is a single ${declared.type}; a value filter "[…]" needs a multi-valued attribute`,
        );
      }
      const get = makeGetter(node.path, undefined);
      const inner = compile(node.filter, node.path, lookup);
      return (resource) => {
        const value = get(resource);
        if (value === undefined || value === null) return false;
        const elements = Array.isArray(value) ? value : [value];
        return elements.some((element) => inner(element));
      };
    }
  }
}

const compiled = new WeakMap<FilterNode, { lookup: AttributeLookup; predicate: Predicate }>();

/**
 * Checks the filter against the schema and returns a reusable predicate. Throws ScimError 400
 * invalidFilter when an operator or literal does not fit an attribute's type.
 */
export function compileFilter(
  filter: FilterNode,
  lookup: AttributeLookup,
): (resource: Readonly<Record<string, unknown>>) => boolean {
  const cached = compiled.get(filter);
  if (cached && cached.lookup === lookup) return cached.predicate;
  const predicate = compile(filter, undefined, lookup);
  compiled.set(filter, { lookup, predicate });
  return predicate;
}

/** Throws ScimError 400 invalidFilter when the filter does not fit the schema (see compileFilter). */
export function validateFilter(filter: FilterNode, lookup: AttributeLookup): void {
  compileFilter(filter, lookup);
}

export function matchesFilter(
  resource: Readonly<Record<string, unknown>>,
  filter: FilterNode,
  lookup: AttributeLookup,
): boolean {
  return compileFilter(filter, lookup)(resource);
}

type Comparison = Extract<FilterNode, { kind: 'compare' }>;

/** The comparisons joined by `and` at the top of the filter, left to right (nothing under `or`, `not` or a value path). */
function topLevelComparisons(filter: FilterNode): Comparison[] {
  const out: Comparison[] = [];
  const pending: FilterNode[] = [filter];
  while (pending.length > 0) {
    const node = pending.pop() as FilterNode;
    if (node.kind === 'and') pending.push(node.right, node.left);
    else if (node.kind === 'compare') out.push(node);
  }
  return out;
}

/**
 * The `eq` terms joined by `and` at the top of the filter (`userName eq "a" and active eq
 * true` → both). A planner picks one that an index can answer and still evaluates the whole
 * filter on what it reads.
 */
export function indexableEquality(filter: FilterNode): { path: AttributePath; value: FilterValue }[] {
  return topLevelComparisons(filter)
    .filter((node) => node.op === 'eq')
    .map((node) => ({ path: node.path, value: node.value }));
}

/**
 * The `sw` terms joined by `and` at the top of the filter: a planner can answer one of them with
 * a `begins_with` on a sorted name index and evaluate the whole filter on what it reads.
 * `sw ""` matches every present string; a begins_with on "" would answer it differently.
 */
export function indexablePrefixes(filter: FilterNode): { path: AttributePath; value: string }[] {
  return topLevelComparisons(filter).flatMap((node) =>
    node.op === 'sw' && typeof node.value === 'string' && node.value !== ''
      ? [{ path: node.path, value: node.value }]
      : [],
  );
}

/**
 * Every term (comparison, presence or `attr[…]` node) whose attribute path `names` accepts, at
 * any depth: a planner counts them to refuse references to an attribute it cannot evaluate.
 */
export function termsNaming(filter: FilterNode, names: (path: AttributePath) => boolean): FilterNode[] {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return [...termsNaming(filter.left, names), ...termsNaming(filter.right, names)];
    case 'not':
      return termsNaming(filter.operand, names);
    default:
      return names(filter.path) ? [filter] : [];
  }
}
