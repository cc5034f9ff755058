import fc from 'fast-check';
import { compareInstants, parseInstant } from '../../../lambdas/scim/date-time';

/** Nanoseconds since the epoch of a UTC timestamp written with `digits` fraction digits. */
function nanosOf(isoSeconds: string, fraction: string): bigint {
  return BigInt(Date.parse(`${isoSeconds}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

it('orders timestamps as their exact instants, down to the nanosecond, whatever their offset', () => {
  const seconds = fc
    .integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2090, 0, 1) / 1000 })
    .map((s) => new Date(s * 1000).toISOString().slice(0, 19));
  const fraction = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 9 });
  const offsetMinutes = fc.constantFrom(0, 60, -300, 330, 840, -720);
  const stamp = fc.tuple(seconds, fraction, offsetMinutes).map(([utc, digits, offset]) => {
    // The same instant written in another offset.
    const local = new Date(Date.parse(`${utc}Z`) + offset * 60_000).toISOString().slice(0, 19);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const zone =
      offset === 0
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return { text: `${local}${digits ? `.${digits}` : ''}${zone}`, nanos: nanosOf(utc, digits) };
  });
  fc.assert(
    fc.property(stamp, stamp, (a, b) => {
      const x = parseInstant(a.text);
      const y = parseInstant(b.text);
      expect(x).toBeDefined();
      expect(y).toBeDefined();
      const want = a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
      expect(Math.sign(compareInstants(x as never, y as never))).toBe(want);
    }),
    { numRuns: 500, seed: 7 },
  );
});

it('reads dates, zoneless times as UTC, lower-case separators; refuses what is not a date-time', () => {
  expect(parseInstant('2024-05-01')).toEqual({ ms: Date.UTC(2024, 4, 1), nanos: 0 });
  expect(parseInstant('2024-05-01T10:00')).toEqual({ ms: Date.UTC(2024, 4, 1, 10), nanos: 0 });
  expect(parseInstant('2024-05-01t10:00:00.1234567z')).toEqual({
    ms: Date.UTC(2024, 4, 1, 10, 0, 0, 123),
    nanos: 456_700,
  });
  for (const text of ['1', 'May 5', '2024-05-01T10', '2024-13-01T00:00:00Z', '', 5, null]) {
    expect(parseInstant(text)).toBeUndefined();
  }
});
