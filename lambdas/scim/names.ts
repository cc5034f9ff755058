/**
 * The name profile of userName and group displayName (docs/NAMES.md): one identity per
 * visible name. `normaliseName` is what is stored (NFC; control, invisible and bidi-control
 * characters, lone surrogates, leading/trailing whitespace and empty names refused with
 * invalidValue); `nameKey` is what names are compared by (uniqueness guards, the name index,
 * `eq`/`sw`/`co`/`ew` of caseExact=false strings): a compatibility-and-case fold.
 */
import { badRequest } from './errors';

/** Cc (NUL, TAB, CR, LF, DEL, C1), lone surrogates, and the invisible/bidi format characters. */
const REFUSED = /[\p{Cc}\p{Cs}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const EDGE_SPACE = /^\s|\s$/u;

/** A character's code point as U+XXXX, for messages (the character itself may be invisible). */
const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** The stored form of a name: NFC, or 400 invalidValue naming what is refused. */
export function normaliseName(attribute: string, value: string): string {
  const refused = REFUSED.exec(value);
  if (refused) {
    throw badRequest(
      'invalidValue',
      `${attribute} must not contain control, invisible or bidirectional-control characters (found ${codePoint(refused[0])})`,
    );
  }
  const nfc = value.normalize('NFC');
  if (nfc === '') throw badRequest('invalidValue', `${attribute} must not be empty`);
  if (EDGE_SPACE.test(nfc)) {
    throw badRequest('invalidValue', `${attribute} must not begin or end with whitespace`);
  }
  return nfc;
}

/**
 * The comparison key of a name: NFKC, a full case fold (lower, upper, lower case: "ẞ", "ß"
 * and "SS" ≡ "ss", "ς" ≡ "σ"), NFKC again (case mapping can leave unnormalised sequences).
 * Idempotent over every code point (tested).
 */
export function nameKey(value: string): string {
  return value.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}
