/**
 * `scim-token limit` (docs/FAIRNESS.md): a tenant's own request-rate limit lives in the token
 * document; every other write (create, rotate, revoke, the local server's own records) keeps it,
 * and the local server's gate enforces it from the next request.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type CliIo, runCli } from '../../../cli/main';
import { fileTokenSource } from '../../../lambdas/auth/file-token-source';
import { writeDevTokens } from '../../../local/dev-tokens';
import { tenantGate } from '../../../local/tenant-gate';
import { FakeSecretsManager } from '../auth/fake-secrets-manager';

const SECRET = 'ScimStack/tokens';

function cli(io: Partial<CliIo>) {
  return async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: {},
      cwd: tmpdir(),
      now: () => new Date('2026-12-04T10:00:00Z'),
      sleep: async () => undefined,
      ...io,
    });
    return { code, stdout, stderr };
  };
}

describe('scim-token limit --local', () => {
  let dir: string;
  let run: ReturnType<typeof cli>;
  const file = () => join(dir, '.scim-local', 'tokens.json');
  const stored = () => JSON.parse(readFileSync(file(), 'utf8')) as { tokens: unknown[]; limits?: unknown };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scim-limit-'));
    run = cli({ cwd: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the override; create, revoke and the local server keep it; the gate enforces it', async () => {
    const set = await run('limit', '--local', '--tenant', 'acme', '--rate', '2', '--burst', '3');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Tenant "acme" is limited to 2 requests/s, burst 3');
    expect(stored().limits).toEqual({ acme: { rate: 2, burst: 3 } });

    const created = await run('create', '--local', '--tenant', 'acme', '--label', 'Okta', '--json');
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    writeDevTokens(file(), [{ tenant: 'dev', token: 'developer-chosen-token-0123456789abcdef' }]);
    expect(stored().limits).toEqual({ acme: { rate: 2, burst: 3 } });

    let clock = 0;
    const gate = tenantGate({ source: fileTokenSource(file()), now: () => clock });
    const request = { headers: { Authorization: `Bearer ${token}` } } as unknown as APIGatewayProxyEvent;
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await gate(request))?.statusCode ?? 'passed');
    expect(outcomes).toEqual(['passed', 'passed', 'passed', 429, 429]);
    clock += 500; // one request back at 2/s
    expect((await gate(request))?.statusCode ?? 'passed').toBe('passed');

    expect((await run('revoke', '--local', '--id', id)).code).toBe(0);
    expect(stored().limits).toEqual({ acme: { rate: 2, burst: 3 } });

    const reset = await run('limit', '--local', '--tenant', 'acme', '--default', '--json');
    expect(JSON.parse(reset.stdout)).toEqual({ tenant: 'acme', limit: null, usagePlan: 'r10-b20' });
    expect(stored().limits).toBeUndefined();
  });

  it.each([
    [['--tenant', 'acme', '--rate', '2'], '--rate and --burst are both required'],
    [['--tenant', 'acme', '--rate', '0', '--burst', '3'], '--rate must be a number > 0'],
    [['--tenant', 'acme', '--rate', '2', '--burst', '1.5'], '--burst a whole number'],
    [['--tenant', 'acme', '--default', '--rate', '2'], '--default removes the override'],
    [['--rate', '2', '--burst', '3'], '--tenant is required'],
  ])('%j is a usage error that writes nothing', async (args, message) => {
    const res = await run('limit', '--local', ...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(existsSync(file())).toBe(false);
  });
});

describe('scim-token limit against Secrets Manager', () => {
  it('writes the override into the secret, and a later create keeps it', async () => {
    const sm = new FakeSecretsManager();
    sm.createSecret(SECRET, '{"tokens":[]}');
    const run = cli({ secretsManager: () => sm.client });
    const set = await run(
      'limit',
      '--secret-id',
      SECRET,
      '--tenant',
      'globex',
      '--rate',
      '50',
      '--burst',
      '100',
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('the usage plan r50-b100 enforces it');
    expect(set.stdout).toContain('Run "scim-token keys --stack <name>"');
    expect((await run('create', '--secret-id', SECRET, '--tenant', 'globex', '--label', 'Entra')).code).toBe(
      0,
    );
    const document = JSON.parse(sm.currentText(SECRET) ?? '{}') as { tokens: unknown[]; limits?: unknown };
    expect(document.tokens).toHaveLength(1);
    expect(document.limits).toEqual({ globex: { rate: 50, burst: 100 } });
  });
});
