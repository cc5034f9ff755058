/**
 * Cursor keys from the generated secret: AWSCURRENT signs, AWSPREVIOUS still verifies (so a
 * rotation breaks no live cursor), reads are cached and coalesced, and a secret never rotated
 * (no AWSPREVIOUS) is just the current key.
 */
import { secretsManagerCursorKeys } from '../../../lambdas/auth/cursor-keys';
import { type ReadSecret, SecretReadError } from '../../../lambdas/auth/secret-reader';
import { decodeCursor, encodeCursor } from '../../../lambdas/scim/cursor';
import { cursorBindingFrom } from '../../../lambdas/service/list-pages';

function fakeSecret(stages: Record<string, string | undefined>) {
  const calls: string[] = [];
  const readSecret: ReadSecret = async (_secretId, stage) => {
    calls.push(stage);
    const value = stages[stage];
    if (value === undefined) throw new SecretReadError('ResourceNotFoundException', 'no such version', 400);
    return value;
  };
  return { readSecret, calls };
}

describe('secretsManagerCursorKeys', () => {
  it('current first, then previous; cached for the TTL and coalesced', async () => {
    let now = 0;
    const { readSecret, calls } = fakeSecret({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });
    const keys = secretsManagerCursorKeys({ secretId: 's', readSecret, now: () => now });
    expect(await Promise.all([keys(), keys()])).toEqual([
      ['k2', 'k1'],
      ['k2', 'k1'],
    ]);
    expect(calls).toHaveLength(2);
    now = 59_000;
    await keys();
    expect(calls).toHaveLength(2);
    now = 61_000;
    await keys();
    expect(calls).toHaveLength(4);
  });

  it('Secrets Manager unreachable: the keys last read keep serving; with none read yet, 503 unavailable', async () => {
    let now = 0;
    let down = false;
    const calls: string[] = [];
    const readSecret: ReadSecret = async (_secretId, stage) => {
      calls.push(stage);
      if (down) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
      return 'k1';
    };
    const keys = secretsManagerCursorKeys({ secretId: 's', readSecret, now: () => now });
    expect(await keys()).toEqual(['k1']);
    down = true;
    now = 120_000;
    expect(await keys()).toEqual(['k1']);
    expect(calls.length).toBeGreaterThan(2);

    const cold = secretsManagerCursorKeys({ secretId: 's', readSecret });
    await expect(cold()).rejects.toMatchObject({
      name: 'DomainError',
      code: 'unavailable',
      retryAfterSeconds: 1,
    });
  });

  it('a secret never rotated has only its current key', async () => {
    const { readSecret } = fakeSecret({ AWSCURRENT: 'only' });
    expect(await secretsManagerCursorKeys({ secretId: 's', readSecret })()).toEqual(['only']);
  });
});

describe('rotation does not break cursors', () => {
  it('a cursor signed with the key now previous still decodes; one with an unknown key does not', async () => {
    const before = await cursorBindingFrom('acme', 't', async () => ['k1']);
    const cursor = encodeCursor('q', { afterId: 'x' }, new Date(), before);
    const after = await cursorBindingFrom('acme', 't', async () => ['k2', 'k1']);
    expect(decodeCursor(cursor, 'q', new Date(), after)).toEqual({ afterId: 'x' });
    const later = await cursorBindingFrom('acme', 't', async () => ['k3', 'k2']);
    expect(() => decodeCursor(cursor, 'q', new Date(), later)).toThrow(/not a value this server issued/);
    // New cursors are signed with the current key only.
    const fresh = encodeCursor('q', { afterId: 'y' }, new Date(), after);
    expect(() => decodeCursor(fresh, 'q', new Date(), before)).toThrow();
  });

  it('without configured keys the table-name key of before is used', async () => {
    expect((await cursorBindingFrom('acme', 'tbl', undefined)).key).toBe(
      process.env.SCIM_CURSOR_KEY || 'scim-cursor:tbl',
    );
  });
});
