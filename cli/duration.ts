/**
 * Durations on the command line (`--expires-in 90d`, `--grace 24h`). Hand-written because the
 * grammar is tiny and the CLI must reject anything ambiguous (a bare number, `1.5d`, months)
 * with a clear message instead of guessing.
 */
import { usageError } from './errors';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PART = /(\d+)([smhdw])/g;
const WHOLE = /^(?:\d+[smhdw])+$/;
/** Ten years: beyond that the number is almost certainly a typo. */
const MAX_MS = 3650 * UNIT_MS.d;

/** Parses `90d`, `24h`, `1h30m`, `0s`… into milliseconds. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) {
    throw usageError(
      `${option} "${text}" is not a duration: use a number with a unit s, m, h, d or w, e.g. 90d, 24h, 1h30m`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (total > MAX_MS) throw usageError(`${option} "${text}" is longer than ten years`);
  return total;
}
