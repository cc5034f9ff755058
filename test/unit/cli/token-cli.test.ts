/**
 * scim-token end to end, in-process: the real command against an in-memory Secrets Manager
 * (aws-sdk-client-mock) and against a temporary local token file, including what the Lambda's
 * and the local server's authenticators then accept.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { type CliIo, runCli } from '../../../cli/main';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { fileTokenSource } from '../../../lambdas/auth/file-token-source';
import { secretsManagerTokenSource } from '../../../lambdas/auth/secrets-manager-token-source';
import { parseTokenDocument, type TokenRecord } from '../../../lambdas/auth/token-document';
import { hasValidFormat } from '../../../lambdas/auth/token-format';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { DomainError } from '../../../lambdas/domain/errors';
import { writeDevTokens } from '../../../local/dev-tokens';
import { awsError, FakeSecretsManager } from '../auth/fake-secrets-manager';

const SECRET = 'ScimStack/tokens';
const NOW = new Date('2026-11-23T10:00:00Z');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed --json output, navigated by assertions.
  json: any;
}

function cli(options: {
  sm?: FakeSecretsManager;
  cfn?: CloudFormationClient;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: Date;
}) {
  return async (...argv: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: options.env ?? {},
      cwd: options.cwd ?? tmpdir(),
      now: () => options.now ?? NOW,
      sleep: async () => undefined,
      ...(options.sm ? { secretsManager: () => options.sm!.client } : {}),
      ...(options.cfn ? { cloudFormation: () => options.cfn! } : {}),
    };
    const code = await runCli(argv, io);
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { code, stdout, stderr, json };
  };
}

function records(sm: FakeSecretsManager): TokenRecord[] {
  return [...parseTokenDocument(sm.currentText(SECRET) ?? '{"tokens":[]}').tokens];
}

describe('scim-token against Secrets Manager (aws-sdk-client-mock)', () => {
  let sm: FakeSecretsManager;
  let run: ReturnType<typeof cli>;
  beforeEach(() => {
    sm = new FakeSecretsManager();
    sm.createSecret(SECRET, '{"tokens":[]}');
    run = cli({ sm });
  });

  it('create prints the token once, stores only its hash, and the Lambda authenticator accepts it', async () => {
    const res = await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'Okta production');
    expect(res.code).toBe(0);
    const token = /\s(scim_\S+)/.exec(res.stdout)?.[1] ?? '';
    expect(hasValidFormat(token)).toBe(true);
    expect(res.stdout.split(token)).toHaveLength(2);
    const stored = sm.currentText(SECRET)!;
    expect(stored).not.toContain(token);
    const [record] = records(sm);
    expect(record).toMatchObject({ tenant: 'acme', label: 'Okta production', sha256: sha256Hex(token) });
    expect(record?.expiresAt).toBeUndefined();
    expect(res.stdout).toContain(record!.id);

    const authenticate = createAuthenticator(
      secretsManagerTokenSource({ secretId: SECRET, readSecret: sm.readSecret }),
    );
    await expect(authenticate(`Bearer ${token}`)).resolves.toMatchObject({
      tenant: 'acme',
      tokenId: record!.id,
    });
  });

  it('create --expires-in 90d sets the expiry; --json gives id and token for scripts', async () => {
    const res = await run(
      'create',
      '--secret-id',
      SECRET,
      '--tenant',
      'acme',
      '--label',
      'ci',
      '--expires-in',
      '90d',
      '--json',
    );
    expect(res.code).toBe(0);
    expect(res.json).toMatchObject({
      tenant: 'acme',
      label: 'ci',
      createdAt: NOW.toISOString(),
      expiresAt: '2027-02-21T10:00:00.000Z',
    });
    expect(hasValidFormat(res.json.token)).toBe(true);
    expect(records(sm)[0]?.expiresAt).toBe('2027-02-21T10:00:00.000Z');
  });

  it('list shows id, tenant, label, created and expiry, never a hash or token, and filters by tenant', async () => {
    const a = await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'okta', '--json');
    await run(
      'create',
      '--secret-id',
      SECRET,
      '--tenant',
      'globex',
      '--label',
      'entra',
      '--expires-in',
      '1d',
    );
    const text = await run('list', '--secret-id', SECRET);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ID\s+TENANT\s+LABEL\s+SCOPE\s+CREATED\s+EXPIRES/);
    expect(text.stdout).toContain('never');
    for (const r of records(sm)) {
      expect(text.stdout).toContain(r.id);
      expect(text.stdout).not.toContain(r.sha256.slice(0, 16));
    }
    expect(text.stdout).not.toContain(a.json.token);
    const json = await run('list', '--secret-id', SECRET, '--tenant', 'globex', '--json');
    expect(json.json.tokens).toEqual([
      expect.objectContaining({
        tenant: 'globex',
        label: 'entra',
        expiresAt: '2026-11-24T10:00:00.000Z',
        expired: false,
      }),
    ]);
    expect(JSON.stringify(json.json)).not.toMatch(/sha256|scim_/);
  });

  it('rotate issues a successor for the same tenant and lets the old token expire after the grace', async () => {
    const old = (await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'okta', '--json'))
      .json;
    const res = await run('rotate', '--secret-id', SECRET, '--id', old.id, '--grace', '24h', '--json');
    expect(res.code).toBe(0);
    expect(res.json).toMatchObject({
      tenant: 'acme',
      label: 'okta',
      previous: { id: old.id, expiresAt: '2026-11-24T10:00:00.000Z' },
    });
    expect(res.json.token).not.toBe(old.token);

    // Both work during the grace period; after it, only the successor.
    let clock = NOW.getTime();
    const authenticate = createAuthenticator(
      secretsManagerTokenSource({ secretId: SECRET, readSecret: sm.readSecret, now: () => clock }),
      () => new Date(clock),
    );
    expect((await authenticate(`Bearer ${old.token}`)).tenant).toBe('acme');
    expect((await authenticate(`Bearer ${res.json.token}`)).tenant).toBe('acme');
    clock += 24 * 3600_000;
    await expect(authenticate(`Bearer ${old.token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await authenticate(`Bearer ${res.json.token}`)).tokenId).toBe(res.json.id);
  });

  it('rotate keeps the lifetime of a token that expires, unless --expires-in says otherwise', async () => {
    const old = (
      await run(
        'create',
        '--secret-id',
        SECRET,
        '--tenant',
        'acme',
        '--label',
        'x',
        '--expires-in',
        '30d',
        '--json',
      )
    ).json;
    const later = cli({ sm, now: new Date(NOW.getTime() + 10 * 86_400_000) });
    const res = await later('rotate', '--secret-id', SECRET, '--id', old.id, '--json');
    expect(res.json.expiresAt).toBe('2027-01-02T10:00:00.000Z');
    // The default grace is 24 h.
    expect(res.json.previous.expiresAt).toBe('2026-12-04T10:00:00.000Z');
  });

  it('revoke removes the token at once and a new authenticator rejects it', async () => {
    const keep = (await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'keep', '--json'))
      .json;
    const gone = (
      await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'leaked', '--json')
    ).json;
    const res = await run('revoke', '--secret-id', SECRET, '--id', gone.id);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Revoked ${gone.id}`);
    expect(records(sm).map((r) => r.id)).toEqual([keep.id]);
    const authenticate = createAuthenticator(
      secretsManagerTokenSource({ secretId: SECRET, readSecret: sm.readSecret }),
    );
    await expect(authenticate(`Bearer ${gone.token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await authenticate(`Bearer ${keep.token}`)).tenant).toBe('acme');
  });

  it('two concurrent creates that read the same version both survive (compare-and-swap on AWSCURRENT)', async () => {
    // Hold both writers after their read, so both base their write on the same version.
    let arrived = 0;
    let releaseAll: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => (releaseAll = resolve));
    sm.hooks.PutSecretValue = async () => {
      arrived++;
      if (arrived === 2) releaseAll();
      await bothRead;
    };
    const [a, b] = await Promise.all([
      run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'a', '--json'),
      run('create', '--secret-id', SECRET, '--tenant', 'globex', '--label', 'b', '--json'),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const ids = records(sm).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([a.json.id, b.json.id]));
    expect(ids).toHaveLength(2);
    // The loser retried: more puts than writers.
    expect(sm.calls.filter((c) => c === 'PutSecretValue').length).toBe(3);
    const authenticate = createAuthenticator(
      secretsManagerTokenSource({ secretId: SECRET, readSecret: sm.readSecret }),
    );
    expect((await authenticate(`Bearer ${a.json.token}`)).tenant).toBe('acme');
    expect((await authenticate(`Bearer ${b.json.token}`)).tenant).toBe('globex');
    // No working labels left behind: only AWSCURRENT/AWSPREVIOUS remain.
    expect(
      sm
        .labels(SECRET)
        .flat()
        .every((l) => l === 'AWSCURRENT' || l === 'AWSPREVIOUS'),
    ).toBe(true);
  });

  it('many concurrent writers (create, rotate, revoke) lose nothing', async () => {
    const seed = await Promise.all(
      ['r1', 'r2'].map(
        async (label) =>
          (await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', label, '--json')).json,
      ),
    );
    const runs = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) =>
        run('create', '--secret-id', SECRET, '--tenant', `t${i}`, '--label', 'c', '--json'),
      ),
      run('rotate', '--secret-id', SECRET, '--id', seed[0].id, '--json'),
      run('revoke', '--secret-id', SECRET, '--id', seed[1].id, '--json'),
    ]);
    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    const ids = new Set(records(sm).map((r) => r.id));
    for (const r of runs.slice(0, 7)) expect(ids.has(r.json.id)).toBe(true);
    expect(ids.has(seed[0].id)).toBe(true);
    expect(ids.has(seed[1].id)).toBe(false);
    expect(ids.size).toBe(8);
  });

  it('writes the first version of a secret that has no value yet', async () => {
    sm.createSecret('fresh');
    const res = await run('create', '--secret-id', 'fresh', '--tenant', 'acme', '--label', 'first', '--json');
    expect(res.code).toBe(0);
    expect(parseTokenDocument(sm.currentText('fresh')!).tokens).toHaveLength(1);
  });

  it('finds the secret from the stack output TokenSecretArn, or from SCIM_TOKEN_SECRET_ID', async () => {
    const arn = sm.createSecret('by-stack', '{}');
    const cfn = new CloudFormationClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const cfnMock = mockClient(cfn);
    cfnMock.on(DescribeStacksCommand, { StackName: 'ScimStack' }).resolves({
      Stacks: [
        {
          StackName: 'ScimStack',
          CreationTime: NOW,
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ScimBaseUrl', OutputValue: 'https://x/scim/v2' },
            { OutputKey: 'TokenSecretArn', OutputValue: arn },
          ],
        },
      ],
    });
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const withStack = cli({ sm, cfn });
    expect((await withStack('create', '--stack', 'ScimStack', '--tenant', 'acme', '--label', 'l')).code).toBe(
      0,
    );
    expect(parseTokenDocument(sm.currentText('by-stack')!).tokens).toHaveLength(1);

    const missing = await withStack('list', '--stack', 'Nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('stack Nope was not found');

    const fromEnv = cli({ sm, env: { SCIM_TOKEN_SECRET_ID: arn } });
    expect((await fromEnv('list', '--json')).json.tokens).toHaveLength(1);
  });

  it.each([
    [['create', '--secret-id', SECRET, '--label', 'x'], 2, '--tenant is required'],
    [['create', '--secret-id', SECRET, '--tenant', '../etc', '--label', 'x'], 2, 'tenant "../etc" must be'],
    [['create', '--secret-id', SECRET, '--tenant', 'acme'], 2, '--label is required'],
    [
      ['create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'x', '--expires-in', '90 days'],
      2,
      'is not a duration',
    ],
    [
      ['create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'x', '--expires-in', '0d'],
      2,
      'longer than zero',
    ],
    [['rotate', '--secret-id', SECRET, '--id', 'tok_nope'], 1, 'no token with id "tok_nope"'],
    [
      ['rotate', '--secret-id', SECRET, '--id', 'x', '--grace', 'soon'],
      2,
      '--grace "soon" is not a duration',
    ],
    [['revoke', '--secret-id', SECRET], 2, '--id is required'],
    [['revoke', '--secret-id', SECRET, '--id', 'tok_nope'], 1, 'no token with id'],
    [['list', '--secret-id', 'missing-secret'], 1, 'secret missing-secret was not found'],
    [['list'], 2, 'say which token store to use'],
    [['launch'], 2, 'unknown command "launch"'],
    [['list', '--grace', '1d', '--secret-id', SECRET], 2, '--grace does not apply to "list"'],
    [['list', '--secret-id', SECRET, '--stack', 'S'], 2, 'not both'],
  ])('rejects %j with exit code %i and a clear message', async (argv, code, message) => {
    const res = await run(...argv);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
    expect(res.stdout).toBe('');
  });

  it('passes --region and --profile to the AWS clients', async () => {
    const seen: unknown[] = [];
    const res = await runCli(['list', '--secret-id', SECRET, '--region', 'eu-west-1', '--profile', 'ops'], {
      stdout: () => {},
      stderr: () => {},
      env: {},
      cwd: tmpdir(),
      secretsManager: (config) => {
        seen.push(config);
        return sm.client;
      },
    });
    expect(res).toBe(0);
    expect(seen).toEqual([{ region: 'eu-west-1', profile: 'ops' }]);
  });

  it('reports missing permissions clearly and leaves the secret unchanged', async () => {
    const before = sm.currentText(SECRET);
    sm.failNext(
      'GetSecretValue',
      awsError('AccessDeniedException', 'User: arn:aws:iam::1:user/x is not authorized'),
    );
    const res = await run('create', '--secret-id', SECRET, '--tenant', 'acme', '--label', 'x');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`no permission to use secret ${SECRET}`);
    expect(sm.currentText(SECRET)).toBe(before);
  });

  it('warns about invalid records in the secret without printing them', async () => {
    sm.createSecret(
      'mixed',
      JSON.stringify({ tokens: [{ id: 'broken', tenant: 'acme', sha256: 'not-a-hash-secretish' }] }),
    );
    const res = await run('create', '--secret-id', 'mixed', '--tenant', 'acme', '--label', 'x');
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('1 invalid token record(s)');
    expect(res.stderr).not.toContain('secretish');
  });

  it('refuses to overwrite a secret that holds something other than a token document', async () => {
    sm.createSecret('other', '{"password":"hunter2"}');
    const res = await run('create', '--secret-id', 'other', '--tenant', 'acme', '--label', 'x');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('does not hold a token document');
    expect(res.stderr).not.toContain('hunter2');
    expect(sm.currentText('other')).toBe('{"password":"hunter2"}');
  });
});

describe('scim-token --local', () => {
  let dir: string;
  let run: ReturnType<typeof cli>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scim-token-'));
    run = cli({ cwd: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = () => join(dir, '.scim-local', 'tokens.json');

  it('creates .scim-local/tokens.json (mode 0600) and the running server accepts the token without restart', async () => {
    const devToken = 'developer-chosen-token-0123456789abcdef';
    writeDevTokens(file(), [{ tenant: 'default', token: devToken }]);
    const authenticate = createAuthenticator(fileTokenSource(file()));
    expect((await authenticate(`Bearer ${devToken}`)).tenant).toBe('default');

    const created = await run('create', '--local', '--tenant', 'globex', '--label', 'okta', '--json');
    expect(created.code).toBe(0);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect((await authenticate(`Bearer ${created.json.token}`)).tenant).toBe('globex');
    // The server-managed record is untouched.
    expect((await authenticate(`Bearer ${devToken}`)).tenant).toBe('default');

    const revoked = await run('revoke', '--local', '--id', created.json.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('rejects it from its next request');
    await expect(authenticate(`Bearer ${created.json.token}`)).rejects.toBeInstanceOf(DomainError);
  });

  it('keeps tokens created by the CLI when the local server rewrites its own records at start', async () => {
    const created = await run('create', '--local', '--tenant', 'acme', '--label', 'kept', '--json');
    writeDevTokens(file(), [{ tenant: 'default', token: 'another-developer-token-0123456789abc' }]);
    const ids = parseTokenDocument(readFileSync(file(), 'utf8')).tokens.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining([created.json.id, 'local-env-default']));
  });

  it('refuses to rotate or revoke the records the local server manages', async () => {
    writeDevTokens(file(), [{ tenant: 'default', token: 'developer-chosen-token-0123456789abcdef' }]);
    const res = await run('revoke', '--local', '--id', 'local-env-default');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('managed by the local server');
  });

  it('honours --dir', async () => {
    const res = await run('create', '--local', '--dir', 'elsewhere', '--tenant', 'acme', '--label', 'x');
    expect(res.code).toBe(0);
    expect(
      parseTokenDocument(readFileSync(join(dir, 'elsewhere', 'tokens.json'), 'utf8')).tokens,
    ).toHaveLength(1);
  });

  it('concurrent local writers lose nothing (lock file)', async () => {
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        run('create', '--local', '--tenant', `t${i}`, '--label', 'c', '--json'),
      ),
    );
    expect(runs.every((r) => r.code === 0)).toBe(true);
    const ids = parseTokenDocument(readFileSync(file(), 'utf8')).tokens.map((t) => t.id);
    expect(new Set(ids)).toEqual(new Set(runs.map((r) => r.json.id)));
  });

  it('reports a corrupt token file instead of overwriting it', async () => {
    mkdirSync(join(dir, '.scim-local'), { recursive: true });
    writeFileSync(file(), 'not json');
    const res = await run('create', '--local', '--tenant', 'acme', '--label', 'x');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('is not a token document');
    expect(readFileSync(file(), 'utf8')).toBe('not json');
  });

  it('lists an empty store politely', async () => {
    expect((await run('list', '--local')).stdout).toBe('No tokens.\n');
  });
});
