/**
 * Splits filter and PATCH path text into tokens that remember where they start, so every
 * syntax error can name the position and the text near it.
 *
 * Hand-written because the rules are specific to SCIM on API Gateway: a `+` outside a string
 * literal is a space (API Gateway hands over form-encoded query strings without turning `+`
 * into a space, and Okta's older requests send `userName+eq+%22x%22`), while a `+` inside a
 * string literal or in a number's exponent (`1e+5`) is kept. The scan is one linear pass with
 * no backtracking, so a 100 KB input costs O(n).
 */

import { badRequest, type ScimError, type ScimType } from '../errors';

export type Token =
  | { readonly kind: '(' | ')' | '[' | ']'; readonly pos: number }
  /** A run of anything that is not a delimiter: attribute paths, operators, keywords, numbers. */
  | { readonly kind: 'word'; readonly pos: number; readonly text: string }
  /** A JSON string literal, already unescaped (RFC 7644 §3.4.2.2 compValue = JSON string). */
  | { readonly kind: 'string'; readonly pos: number; readonly value: string; readonly end: number };

/** Characters that end a word: whitespace (including `+`), brackets, parentheses, quotes. */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '+';
}

function isDelimiter(c: string): boolean {
  return isSpace(c) || c === '(' || c === ')' || c === '[' || c === ']' || c === '"';
}

/** A word that so far reads `-12.5e`: a following `+` is the exponent sign, not a space. */
const NUMBER_BEFORE_EXPONENT_SIGN = /^-?\d+(\.\d+)?[eE]$/;

/** Shows the text at `pos` in an error detail, quoted as JSON so control characters stay visible. */
function near(text: string, pos: number): string {
  if (pos >= text.length) return 'at the end of the text';
  const snippet = text.slice(pos, pos + 20);
  return `at position ${pos} near ${JSON.stringify(snippet)}`;
}

export function syntaxError(scimType: ScimType, what: string, text: string, pos: number): ScimError {
  return badRequest(scimType, `${what} ${near(text, pos)}`);
}

export function tokenize(text: string, scimType: ScimType): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && text[i] !== '"') {
        // Skip the escaped character so `\"` does not end the literal; JSON.parse checks it below.
        i += text[i] === '\\' ? 2 : 1;
      }
      if (i >= n) throw syntaxError(scimType, 'Unterminated string literal', text, start);
      i++;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(start, i));
      } catch {
        throw syntaxError(scimType, 'Invalid string literal (bad escape or control character)', text, start);
      }
      tokens.push({ kind: 'string', pos: start, value: value as string, end: i });
      continue;
    }
    const start = i;
    while (i < n) {
      const d = text[i] as string;
      if (d === '+' && NUMBER_BEFORE_EXPONENT_SIGN.test(text.slice(start, i))) {
        i++;
        continue;
      }
      if (isDelimiter(d)) break;
      i++;
    }
    tokens.push({ kind: 'word', pos: start, text: text.slice(start, i) });
  }
  return tokens;
}
