/**
 * Parses SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2) into the AST of
 * ast.ts, and prints an AST back as canonical filter text.
 *
 * A hand-written recursive-descent parser: nesting is capped at MAX_FILTER_DEPTH and attribute
 * expressions at MAX_FILTER_TERMS; `and`/`or` chains are loops. Every failure is a ScimError 400
 * (invalidFilter, or invalidPath for PATCH paths). Keywords and operators are case-insensitive,
 * and Entra's `attr[filter].sub op value` form is accepted.
 *
 * Why hand-written, and which leniencies are deliberate: docs/DECISIONS.md.
 */

import { badRequest, type ScimType } from '../errors';
import type { AttributePath, CompareOperator, FilterNode, FilterValue, PatchPath } from './ast';
import { syntaxError, type Token, tokenize } from './tokens';

/** Parentheses, `not` and value paths each add one level. */
export const MAX_FILTER_DEPTH = 32;
/** Attribute expressions (comparisons and `pr`) in one filter. */
export const MAX_FILTER_TERMS = 1000;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);

/** RFC 7643 §2.1 ATTRNAME, plus a leading `$` for `$ref` (RFC 7643 §2.3.7). */
const ATTRIBUTE_NAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;
/** A JSON number (RFC 8259 §6), the only number syntax compValue allows. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
/** Looks like it was meant to be a number (so a malformed one is an error, not a bare string). */
const NUMBER_LIKE = /^-?\d+(\.\d*)?([eE][+-]?\d*)?$/;

type Scope = 'top' | 'element';

function isOperatorWord(text: string): boolean {
  const lower = text.toLowerCase();
  return lower === 'pr' || COMPARE_OPERATORS.has(lower);
}

class Parser {
  private index = 0;
  private terms = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    private readonly scimType: ScimType,
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  private fail(what: string, pos?: number): never {
    throw syntaxError(this.scimType, what, this.text, pos ?? this.peek()?.pos ?? this.text.length);
  }

  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  /** How many tokens have been consumed. */
  get consumed(): number {
    return this.index;
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  expectEnd(): void {
    const token = this.peek();
    if (!token) return;
    if (token.kind === ')' || token.kind === ']') this.fail(`Unbalanced "${token.kind}"`);
    this.fail('Expected "and", "or" or the end of the filter');
  }

  private expect(kind: ')' | ']', opener: number): Token {
    const token = this.peek();
    if (token?.kind !== kind) {
      const open = kind === ')' ? '(' : '[';
      this.fail(`Expected "${kind}" (to close the "${open}" at position ${opener})`);
    }
    this.index++;
    return token;
  }

  /** FILTER with `or` binding loosest (RFC 7644 §3.4.2.2 precedence: not, and, or). */
  parseOr(depth: number, scope: Scope): FilterNode {
    return this.parseChain('or', () => this.parseChain('and', () => this.parseUnary(depth, scope)));
  }

  /** `operand (keyword operand)*`, left-associative, as a loop (no recursion per term). */
  private parseChain(keyword: 'and' | 'or', operand: () => FilterNode): FilterNode {
    let left = operand();
    while (this.isKeyword(this.peek(), keyword)) {
      this.index++;
      left = { kind: keyword, left, right: operand() };
    }
    return left;
  }

  private enter(depth: number, pos: number): number {
    if (depth + 1 > MAX_FILTER_DEPTH) this.fail(`Filter nests deeper than ${MAX_FILTER_DEPTH} levels`, pos);
    return depth + 1;
  }

  private parseUnary(depth: number, scope: Scope): FilterNode {
    const token = this.peek();
    if (!token) this.fail('Expected an attribute expression, "not" or "("');
    // `not` is only the operator when a parenthesis follows; otherwise it is an attribute name.
    if (this.isKeyword(token, 'not') && this.peek(1)?.kind === '(') {
      const open = this.peek(1) as Token;
      this.index += 2;
      const operand = this.parseOr(this.enter(depth, open.pos), scope);
      this.expect(')', open.pos);
      return { kind: 'not', operand };
    }
    const after = this.peek(1);
    if (
      this.isKeyword(token, 'not') &&
      after !== undefined &&
      !(after.kind === 'word' && isOperatorWord(after.text)) &&
      after.kind !== '['
    ) {
      this.fail('Expected "(" after "not" (RFC 7644 writes not (filter))', after.pos);
    }
    if (token.kind === '(') {
      this.index++;
      const inner = this.parseOr(this.enter(depth, token.pos), scope);
      this.expect(')', token.pos);
      return inner;
    }
    if (token.kind === 'word') return this.parseAttributeExpression(token, depth, scope);
    this.fail('Expected an attribute expression, "not" or "("');
  }

  private countTerm(pos: number): void {
    this.terms++;
    if (this.terms > MAX_FILTER_TERMS) {
      this.fail(`Filter has more than ${MAX_FILTER_TERMS} attribute expressions`, pos);
    }
  }

  private parseAttributeExpression(
    token: Extract<Token, { kind: 'word' }>,
    depth: number,
    scope: Scope,
  ): FilterNode {
    this.index++;
    const path =
      scope === 'top'
        ? parseAttributePath(token.text, token.pos, this.text, this.scimType)
        : parseElementName(token.text, token.pos, this.text, this.scimType);
    const next = this.peek();
    if (next?.kind === '[') {
      if (scope === 'element') this.fail('Value filters cannot be nested', next.pos);
      if (path.subAttribute !== undefined) {
        this.fail('A value filter applies to an attribute, not to a sub-attribute', next.pos);
      }
      this.index++;
      const filter = this.parseOr(this.enter(depth, next.pos), 'element');
      const close = this.expect(']', next.pos);
      const sub = this.peek();
      // Entra's `emails[type eq "work"].value eq "x"`: the `.value` must touch the bracket.
      if (sub?.kind === 'word' && sub.text.startsWith('.') && sub.pos === close.pos + 1) {
        this.index++;
        const name = sub.text.slice(1);
        if (!ATTRIBUTE_NAME.test(name)) this.fail('Expected a sub-attribute name after "]."', sub.pos + 1);
        const condition = this.parseOperatorAndValue({ attribute: name }, sub.pos);
        return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: condition } };
      }
      this.countTerm(token.pos);
      return { kind: 'valuePath', path, filter };
    }
    return this.parseOperatorAndValue(path, token.pos);
  }

  private parseOperatorAndValue(path: AttributePath, pathPos: number): FilterNode {
    this.countTerm(pathPos);
    const opToken = this.peek();
    if (opToken?.kind !== 'word') this.fail('Expected a comparison operator or "pr"');
    const op = opToken.text.toLowerCase();
    this.index++;
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPERATORS.has(op)) this.fail('Expected a comparison operator or "pr"', opToken.pos);
    return { kind: 'compare', path, op: op as CompareOperator, value: this.parseValue() };
  }

  private parseValue(): FilterValue {
    const token = this.peek();
    if (!token) this.fail('Expected a value (string, number, true, false or null)');
    if (token.kind === 'string') {
      this.index++;
      return token.value;
    }
    if (token.kind !== 'word') this.fail('Expected a value (string, number, true, false or null)');
    const lower = token.text.toLowerCase();
    if (lower === 'and' || lower === 'or' || lower === 'not') {
      this.fail('Expected a value (string, number, true, false or null)');
    }
    this.index++;
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (JSON_NUMBER.test(token.text)) {
      const value = Number(token.text);
      if (!Number.isFinite(value)) this.fail('Number is out of range', token.pos);
      return value;
    }
    if (NUMBER_LIKE.test(token.text)) this.fail('Invalid number', token.pos);
    // RFC 7644 §3.4.2.2: compValue is a JSON literal; an unquoted word is not one.
    this.fail('Expected a value (a quoted string, a number, true, false or null)', token.pos);
  }
}

/**
 * Splits a written attribute path. With a URN prefix the attribute is after the LAST colon
 * (RFC 7644 §3.10: the URN itself may contain dots such as `2.0`); then at most one dot
 * separates attribute and sub-attribute (RFC 7644 §3.4.2.2 attrPath).
 */
function parseAttributePath(word: string, pos: number, text: string, scimType: ScimType): AttributePath {
  let schema: string | undefined;
  let rest = word;
  let restPos = pos;
  if (word.slice(0, 4).toLowerCase() === 'urn:') {
    const cut = word.lastIndexOf(':');
    schema = word.slice(0, cut);
    rest = word.slice(cut + 1);
    restPos = pos + cut + 1;
    if (schema.length <= 4 || schema.endsWith(':')) {
      throw syntaxError(scimType, 'Invalid schema URN', text, pos);
    }
    if (rest === '')
      throw syntaxError(scimType, 'Expected an attribute name after the schema URN', text, restPos);
  } else if (word.includes(':')) {
    throw syntaxError(
      scimType,
      'Expected an attribute name (a schema prefix must start with "urn:")',
      text,
      pos,
    );
  }
  const dot = rest.indexOf('.');
  const attribute = dot < 0 ? rest : rest.slice(0, dot);
  const subAttribute = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!ATTRIBUTE_NAME.test(attribute))
    throw syntaxError(scimType, 'Expected an attribute name', text, restPos);
  if (subAttribute !== undefined && !ATTRIBUTE_NAME.test(subAttribute)) {
    throw syntaxError(scimType, 'Expected a sub-attribute name after "."', text, restPos + dot + 1);
  }
  return {
    ...(schema === undefined ? {} : { schema }),
    attribute,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}

/** Inside `attr[…]` paths name sub-attributes of the element: one plain name, no URN, no dots. */
function parseElementName(word: string, pos: number, text: string, scimType: ScimType): AttributePath {
  if (!ATTRIBUTE_NAME.test(word)) {
    throw syntaxError(scimType, 'Expected a sub-attribute name inside "[…]"', text, pos);
  }
  return { attribute: word };
}

/** Parses a filter (RFC 7644 §3.4.2.2). Throws ScimError 400 invalidFilter. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text, 'invalidFilter');
  const parser = new Parser(text, tokens, 'invalidFilter');
  if (parser.atEnd()) throw badRequest('invalidFilter', 'Filter is empty');
  const node = parser.parseOr(0, 'top');
  parser.expectEnd();
  return node;
}

export interface PatchPathOptions {
  /**
   * Schema URNs of the resource type. A path that is exactly one of them (`urn:…:enterprise:
   * 2.0:User`, RFC 7644 §3.5.2.1 value-is-the-extension form) parses as `{schema, attribute:
   * ''}`, and a path that starts with one splits there instead of at the last colon.
   */
  readonly schemas?: readonly string[];
}

/**
 * Parses a PATCH `path` (RFC 7644 §3.5.2): `attrPath`, `attrPath[valFilter]` or
 * `attrPath[valFilter].subAttr`, optionally URN-prefixed. Names keep the client's case.
 * Throws ScimError 400 invalidPath.
 */
export function parsePatchPath(text: string, options: PatchPathOptions = {}): PatchPath {
  const scimType: ScimType = 'invalidPath';
  const tokens = tokenize(text, scimType);
  const first = tokens[0];
  if (!first) throw badRequest(scimType, 'Path is empty');
  if (first.kind !== 'word') throw syntaxError(scimType, 'Expected an attribute name', text, first.pos);
  const known = matchKnownSchema(first.text, options.schemas ?? []);
  let path: AttributePath;
  if (known && first.text.length === known.length) {
    path = { schema: known, attribute: '' };
  } else if (known) {
    const rest = parseAttributePath(
      first.text.slice(known.length + 1),
      first.pos + known.length + 1,
      text,
      scimType,
    );
    path = { schema: known, ...rest };
  } else {
    path = parseAttributePath(first.text, first.pos, text, scimType);
  }
  const open = tokens[1];
  if (!open) return { path };
  if (open.kind !== '[') throw syntaxError(scimType, 'Expected "[" or the end of the path', text, open.pos);
  if (path.subAttribute !== undefined || path.attribute === '') {
    throw syntaxError(
      scimType,
      'A value filter applies to an attribute, not to a sub-attribute',
      text,
      open.pos,
    );
  }
  // The bracket content is a filter; parse it with the same parser, reporting invalidPath.
  const inner = new Parser(text, tokens.slice(2), scimType);
  const valueFilter = inner.parseOr(1, 'element');
  const remaining = tokens.slice(2 + inner.consumed);
  const close = remaining[0];
  if (close?.kind !== ']') {
    throw syntaxError(
      scimType,
      `Expected "]" (to close the "[" at position ${open.pos})`,
      text,
      close?.pos ?? text.length,
    );
  }
  const after = remaining[1];
  if (!after) return { path, valueFilter };
  if (after.kind === 'word' && after.text.startsWith('.') && after.pos === close.pos + 1) {
    const name = after.text.slice(1);
    if (!ATTRIBUTE_NAME.test(name)) {
      throw syntaxError(scimType, 'Expected a sub-attribute name after "]."', text, after.pos + 1);
    }
    const extra = remaining[2];
    if (extra) throw syntaxError(scimType, 'Expected the end of the path', text, extra.pos);
    return { path, valueFilter, subAttribute: name };
  }
  throw syntaxError(scimType, 'Expected ".subAttribute" or the end of the path', text, after.pos);
}

function matchKnownSchema(word: string, schemas: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  for (const urn of schemas) {
    const u = urn.toLowerCase();
    if ((lower === u || lower.startsWith(`${u}:`)) && (!best || urn.length > best.length)) best = urn;
  }
  return best;
}

/* ------------------------------------------------------------------------------------------ */
/* Printing                                                                                   */
/* ------------------------------------------------------------------------------------------ */

export function printPath(path: AttributePath): string {
  const base = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`;
  return path.subAttribute === undefined ? base : `${base}.${path.subAttribute}`;
}

function printValue(value: FilterValue): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return JSON.stringify(value);
}

/**
 * Canonical filter text: lower-case keywords, single spaces, JSON literals, parentheses only
 * where the tree shape needs them. Parsing the output yields an equal tree, so it is a stable
 * key for query hashes and cursors.
 */
export function printFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${printPath(node.path)} ${node.op} ${printValue(node.value)}`;
    case 'present':
      return `${printPath(node.path)} pr`;
    case 'not':
      return `not (${printFilter(node.operand)})`;
    case 'valuePath':
      return `${printPath(node.path)}[${printFilter(node.filter)}]`;
    case 'and': {
      // Chains parse left-deep, so only a right child that is itself and/or needs parentheses.
      const left = node.left.kind === 'or' ? `(${printFilter(node.left)})` : printFilter(node.left);
      const right =
        node.right.kind === 'or' || node.right.kind === 'and'
          ? `(${printFilter(node.right)})`
          : printFilter(node.right);
      return `${left} and ${right}`;
    }
    case 'or': {
      const right = node.right.kind === 'or' ? `(${printFilter(node.right)})` : printFilter(node.right);
      return `${printFilter(node.left)} or ${right}`;
    }
  }
}

/** Canonical PATCH path text; `parsePatchPath(printPatchPath(p))` equals `p`. */
export function printPatchPath(patchPath: PatchPath): string {
  const { path, valueFilter, subAttribute } = patchPath;
  const base = path.attribute === '' && path.schema !== undefined ? path.schema : printPath(path);
  if (valueFilter === undefined) return base;
  const filtered = `${base}[${printFilter(valueFilter)}]`;
  return subAttribute === undefined ? filtered : `${filtered}.${subAttribute}`;
}
