/**
 * The local server's token source: re-reads the file whenever it is replaced (even twice within
 * one mtime tick), treats a missing file as "no tokens" and a corrupt one as unavailable (503).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { fileTokenSource } from '../../../lambdas/auth/file-token-source';
import { generateToken } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-token-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function replace(file: string, tokens: Array<[string, string]>): void {
  const temp = `${file}.tmp`;
  const records = tokens.map(([tenant, token]) => ({
    id: `tok-${tenant}`,
    tenant,
    label: tenant,
    sha256: sha256Hex(token),
    createdAt: '2026-01-01T00:00:00Z',
  }));
  writeFileSync(temp, JSON.stringify({ tokens: records }));
  renameSync(temp, file);
}

describe('fileTokenSource', () => {
  it('sees every replacement of the file, even several within one millisecond', async () => {
    const file = join(dir, 'tokens.json');
    const authenticate = createAuthenticator(fileTokenSource(file));
    const tokens = Array.from({ length: 5 }, () => generateToken());
    for (const [i, token] of tokens.entries()) {
      replace(file, [[`t${i}`, token]]);
      expect((await authenticate(`Bearer ${token}`)).tenant).toBe(`t${i}`);
    }
  });

  it('scim-token revoke --local: a token removed from the file is rejected on the very next request', async () => {
    const file = join(dir, 'tokens.json');
    const authenticate = createAuthenticator(fileTokenSource(file));
    const [kept, revoked] = [generateToken(), generateToken()];
    replace(file, [
      ['acme', kept],
      ['globex', revoked],
    ]);
    for (let i = 0; i < 3; i += 1) expect((await authenticate(`Bearer ${revoked}`)).tenant).toBe('globex');
    replace(file, [['acme', kept]]);
    await expect(authenticate(`Bearer ${revoked}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await authenticate(`Bearer ${kept}`)).tenant).toBe('acme');
  });

  it('sees an in-place rewrite (same inode) and a deleted file at once', async () => {
    const file = join(dir, 'tokens.json');
    const authenticate = createAuthenticator(fileTokenSource(file));
    const [first, second] = [generateToken(), generateToken()];
    replace(file, [['acme', first]]);
    expect((await authenticate(`Bearer ${first}`)).tenant).toBe('acme');
    const record = (tenant: string, token: string) => ({
      id: `tok-${tenant}`,
      tenant,
      label: tenant,
      sha256: sha256Hex(token),
      createdAt: '2026-01-01T00:00:00Z',
    });
    writeFileSync(file, JSON.stringify({ tokens: [record('globex-longer-name', second)] }));
    expect((await authenticate(`Bearer ${second}`)).tenant).toBe('globex-longer-name');
    await expect(authenticate(`Bearer ${first}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    rmSync(file);
    await expect(authenticate(`Bearer ${second}`)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('answers 401 while the file does not exist, and 503 when it is corrupt', async () => {
    const file = join(dir, 'tokens.json');
    const authenticate = createAuthenticator(fileTokenSource(file));
    const token = generateToken();
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    writeFileSync(file, '{"tokens": [');
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unavailable' });
    replace(file, [['acme', token]]);
    expect((await authenticate(`Bearer ${token}`)).tenant).toBe('acme');
  });
});
