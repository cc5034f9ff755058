/**
 * The change-event lines `npm start` prints (issue #19 finding 8): names come from requests,
 * so control characters in them are escaped and can never start a forged line of their own.
 */
import type { ChangeEvent } from '../../../lambdas/events/change-events';
import { escapeControl } from '../../../local/escape-control';
import { summarizeEvent } from '../../../local/stream-events';

const event = (userName: string, changedAttributes?: string[]): ChangeEvent => ({
  type: 'User Created',
  detail: {
    eventId: 'e1',
    txn: 't1',
    tenant: 'acme',
    resourceType: 'User',
    resourceId: 'u1',
    time: '2026-01-01T00:00:00Z',
    userName,
    ...(changedAttributes ? { changedAttributes } : {}),
  },
});

describe('summarizeEvent', () => {
  it.each([
    'x"\nevent scim.user.deleted: acme/admin "root"',
    'x\r\u001b[2Kforged',
    'x\u2028forged',
    'x\u0085forged',
  ])('prints one line for a userName holding control characters: %j', (userName) => {
    const line = summarizeEvent(event(userName));
    const codes = [...line].map((c) => c.codePointAt(0) ?? 0);
    expect(codes.filter((c) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029)).toEqual(
      [],
    );
    expect(line.startsWith('event User Created: acme/u1 "x')).toBe(true);
  });

  it('escapes changed attribute names too, and leaves printable text alone', () => {
    expect(summarizeEvent(event('zoë 😀', ['name\nforged']))).toBe(
      'event User Created: acme/u1 "zoë 😀" (name\\x0aforged)',
    );
  });
});

describe('escapeControl', () => {
  it('turns control characters into visible escapes', () => {
    expect(escapeControl('a\nb\r\u0000\u007f\u009b\u2028')).toBe('a\\x0ab\\x0d\\x00\\x7f\\x9b\\u2028');
  });
});
