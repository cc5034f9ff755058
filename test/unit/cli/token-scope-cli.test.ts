/**
 * Token scopes through the real `scim-token` command (in-process, against a temporary local
 * token file and an in-memory Secrets Manager): create --scope read|write (default write),
 * list shows the scope, rotate keeps it, a document written before scopes lists as write and
 * rotates to write, and the authenticators give the principal the stored scope.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, runCli } from '../../../cli/main';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { fileTokenSource } from '../../../lambdas/auth/file-token-source';
import { secretsManagerTokenSource } from '../../../lambdas/auth/secrets-manager-token-source';
import { parseTokenDocument } from '../../../lambdas/auth/token-document';
import { generateToken } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { FakeSecretsManager } from '../auth/fake-secrets-manager';

const NOW = new Date('2026-12-04T10:00:00Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-token-scope-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(sm: FakeSecretsManager | undefined, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd: dir,
    now: () => NOW,
    sleep: async () => undefined,
    ...(sm ? { secretsManager: () => sm.client } : {}),
  };
  const code = await runCli(argv, io);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(stdout);
  } catch {
    json = {};
  }
  return { code, stdout, stderr, json };
}

const file = () => join(dir, '.scim-local', 'tokens.json');

describe('scim-token --scope (local token file)', () => {
  it('create --scope read, list shows it, rotate keeps it; the authenticator gets the scope', async () => {
    const created = await run(
      undefined,
      'create',
      '--local',
      '--tenant',
      'acme',
      '--label',
      'console',
      '--scope',
      'read',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(created.json.scope).toBe('read');
    const writer = await run(undefined, 'create', '--local', '--tenant', 'acme', '--label', 'okta', '--json');
    expect(writer.json.scope).toBe('write');

    const list = await run(undefined, 'list', '--local', '--json');
    const rows = (list.json.tokens as { id: string; scope: string }[]).map((r) => [r.id, r.scope]);
    expect(rows).toEqual(
      expect.arrayContaining([
        [created.json.id, 'read'],
        [writer.json.id, 'write'],
      ]),
    );
    const table = await run(undefined, 'list', '--local');
    expect(table.stdout).toMatch(new RegExp(`${created.json.id}\\s+acme\\s+console\\s+read\\s`));

    const rotated = await run(undefined, 'rotate', '--local', '--id', String(created.json.id), '--json');
    expect(rotated.code).toBe(0);
    expect(rotated.json.scope).toBe('read');
    const authenticate = createAuthenticator(fileTokenSource(file()));
    expect(await authenticate(`Bearer ${rotated.json.token}`)).toMatchObject({
      tenant: 'acme',
      scope: 'read',
    });
    expect(await authenticate(`Bearer ${writer.json.token}`)).toMatchObject({ scope: 'write' });
    const stored = parseTokenDocument(readFileSync(file(), 'utf8')).tokens;
    expect(stored.find((t) => t.id === rotated.json.id)?.scope).toBe('read');
  });

  it('a token stored before scopes lists as write and rotates to write', async () => {
    const legacy = generateToken();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '.scim-local'), { recursive: true });
    writeFileSync(
      file(),
      JSON.stringify({
        tokens: [
          {
            id: 'tok_legacy',
            tenant: 'acme',
            label: 'old okta',
            sha256: sha256Hex(legacy),
            createdAt: '2026-01-01T00:00:00Z',
          },
        ],
      }),
    );
    const list = await run(undefined, 'list', '--local', '--json');
    expect((list.json.tokens as { scope: string }[])[0]?.scope).toBe('write');
    expect((await createAuthenticator(fileTokenSource(file()))(`Bearer ${legacy}`)).scope).toBe('write');
    const rotated = await run(undefined, 'rotate', '--local', '--id', 'tok_legacy', '--json');
    expect(rotated.json.scope).toBe('write');
  });

  it('refuses an unknown scope, and --scope on other commands, as usage errors (exit 2)', async () => {
    const bad = await run(
      undefined,
      'create',
      '--local',
      '--tenant',
      'acme',
      '--label',
      'x',
      '--scope',
      'admin',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scope must be one of read, write');
    const misplaced = await run(undefined, 'rotate', '--local', '--id', 'tok_x', '--scope', 'read');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--scope does not apply to "rotate"');
  });
});

describe('scim-token --scope (Secrets Manager)', () => {
  it('create, list and rotate keep the scope in the secret the Lambda reads', async () => {
    const sm = new FakeSecretsManager();
    sm.createSecret('ScimStack/tokens', JSON.stringify({ tokens: [] }));
    const created = await run(
      sm,
      'create',
      '--secret-id',
      'ScimStack/tokens',
      '--tenant',
      'acme',
      '--label',
      'console',
      '--scope',
      'read',
      '--json',
    );
    expect(created.code).toBe(0);
    const rotated = await run(
      sm,
      'rotate',
      '--secret-id',
      'ScimStack/tokens',
      '--id',
      String(created.json.id),
      '--json',
    );
    expect(rotated.json.scope).toBe('read');
    const source = secretsManagerTokenSource({ secretId: 'ScimStack/tokens', readSecret: sm.readSecret });
    expect((await createAuthenticator(source)(`Bearer ${rotated.json.token}`)).scope).toBe('read');
    const list = await run(sm, 'list', '--secret-id', 'ScimStack/tokens', '--json');
    expect((list.json.tokens as { scope: string }[]).map((t) => t.scope)).toEqual(['read', 'read']);
  });
});
