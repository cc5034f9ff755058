/**
 * Instants of RFC 3339 / xsd:dateTime text (RFC 7643 §2.3.5) to the nanosecond, for filters and
 * sorting: Date.parse stops at the millisecond, so "…37.751999Z" would equal "…37.751Z" and a
 * client's sub-millisecond watermark (.NET writes 7 fraction digits) would skip or repeat a
 * change. Filters compare exactly; sort keys (scim/sort.ts) keep about a quarter of a
 * microsecond, which only ties what no client tells apart. Text that is not a date-time (Date.parse would guess at "May 5") is no instant. A time
 * without an offset is UTC: SCIM means UTC, not the process's local time.
 */

/** Milliseconds in an hour and in a day (UTC days: no leap seconds in epoch time). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface Instant {
  /** Milliseconds since the epoch. */
  readonly ms: number;
  /** Nanoseconds past `ms` (0–999,999). */
  readonly nanos: number;
}

const DATE_TIME =
  /^(-?\d{4,}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;

export function parseInstant(text: unknown): Instant | undefined {
  const match = typeof text === 'string' ? DATE_TIME.exec(text) : null;
  if (!match) return undefined;
  const [, date, hoursMinutes = '00:00', seconds = '00', fraction = '', zone = 'Z'] = match;
  const digits = fraction.padEnd(9, '0');
  const ms = Date.parse(`${date}T${hoursMinutes}:${seconds}.${digits.slice(0, 3)}${zone.toUpperCase()}`);
  return Number.isNaN(ms) ? undefined : { ms, nanos: Number(digits.slice(3, 9)) };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.nanos - b.nanos;
}
