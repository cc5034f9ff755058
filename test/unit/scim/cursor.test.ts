import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { CURSOR_TIMEOUT_SECONDS, decodeCursor, encodeCursor, queryHash } from '../../../lambdas/scim/cursor';
import { ScimError } from '../../../lambdas/scim/errors';

const hash = queryHash({ resourceType: 'User', filter: 'active eq true' });

function scimTypeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return 'no error';
}

describe('RFC 9865 cursors', () => {
  it('round-trips a position after an id and an offset', () => {
    expect(decodeCursor(encodeCursor(hash, { afterId: '0194-abc' }), hash)).toEqual({ afterId: '0194-abc' });
    expect(decodeCursor(encodeCursor(hash, { offset: 201 }), hash)).toEqual({ offset: 201 });
  });

  it('treats an empty cursor as a request for the first page', () => {
    expect(decodeCursor('', hash)).toBeUndefined();
  });

  it('rejects a cursor issued for another filter with invalidCursor', () => {
    const other = queryHash({ resourceType: 'User', filter: 'active eq false' });
    expect(scimTypeOf(() => decodeCursor(encodeCursor(other, { afterId: 'x' }), hash))).toBe('invalidCursor');
  });

  it('distinguishes resource types, sort attributes and sort orders in the query hash', () => {
    const variants = new Set([
      queryHash({ resourceType: 'User' }),
      queryHash({ resourceType: 'Group' }),
      queryHash({ resourceType: 'User', sortBy: 'userName' }),
      queryHash({ resourceType: 'User', sortBy: 'userName', sortOrder: 'descending' }),
    ]);
    expect(variants.size).toBe(4);
    expect(queryHash({ resourceType: 'User', sortBy: 'USERNAME' })).toBe(
      queryHash({ resourceType: 'User', sortBy: 'userName' }),
    );
  });

  it('rejects a cursor older than the advertised timeout with expiredCursor', () => {
    const issued = new Date('2026-11-01T00:00:00Z');
    const cursor = encodeCursor(hash, { afterId: 'x' }, issued);
    const late = new Date(issued.getTime() + (CURSOR_TIMEOUT_SECONDS + 5) * 1000);
    expect(scimTypeOf(() => decodeCursor(cursor, hash, late))).toBe('expiredCursor');
  });

  it('answers any string that is not a cursor with invalidCursor, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        if (text === '') return;
        const outcome = scimTypeOf(() => decodeCursor(text, hash));
        expect(outcome === 'invalidCursor' || outcome === 'no error').toBe(true);
      }),
      { seed: 9865, numRuns: 500 },
    );
  });

  it('is bound to the tenant and tamper-evident: another tenant, another key or an edited body is invalidCursor', () => {
    const acme = { tenant: 'acme', key: 'k1' };
    const cursor = encodeCursor(hash, { afterId: 'u1' }, new Date(), acme);
    expect(decodeCursor(cursor, hash, new Date(), acme)).toEqual({ afterId: 'u1' });
    expect(scimTypeOf(() => decodeCursor(cursor, hash, new Date(), { tenant: 'globex', key: 'k1' }))).toBe(
      'invalidCursor',
    );
    expect(scimTypeOf(() => decodeCursor(cursor, hash, new Date(), { tenant: 'acme', key: 'k2' }))).toBe(
      'invalidCursor',
    );
    const [body, sig] = cursor.split('.');
    const edited = Buffer.from(
      Buffer.from(body ?? '', 'base64url')
        .toString('utf8')
        .replace('"u1"', '"u9"'),
    ).toString('base64url');
    expect(scimTypeOf(() => decodeCursor(`${edited}.${sig}`, hash, new Date(), acme))).toBe('invalidCursor');
  });

  it('rejects signed payloads of the wrong shape: both positions, neither, or a non-positive offset', () => {
    // Signed as the server would (default binding), so only the payload checks can reject them.
    const forge = (payload: object) => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const mac = createHmac('sha256', '').update(`\n${body}`).digest('base64url').slice(0, 22);
      return `${body}.${mac}`;
    };
    const t = Math.floor(Date.now() / 1000);
    for (const payload of [
      { v: 1, q: hash, t, a: 'x', o: 3 },
      { v: 1, q: hash, t },
      { v: 1, q: hash, t, o: 0 },
      { v: 2, q: hash, t, a: 'x' },
      [1, 2, 3],
    ]) {
      expect(scimTypeOf(() => decodeCursor(forge(payload), hash))).toBe('invalidCursor');
    }
  });
});
