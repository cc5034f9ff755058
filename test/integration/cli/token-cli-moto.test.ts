/**
 * scim-token as a real process (bin/scim-token.cjs → tsx → cli/) against moto's
 * Secrets Manager server, reached only through AWS_ENDPOINT_URL — which also proves the SDK
 * honours that variable natively. Concurrent processes must not lose a token, and the Lambda's
 * token source, reading through its own signed call (lambdas/auth/secret-reader.ts), must accept
 * what the CLI created. Skipped, loudly, when moto_server is missing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createAuthenticator } from '../../../lambdas/auth/authenticator';
import { type ReadSecret, secretsManagerReader } from '../../../lambdas/auth/secret-reader';
import { secretsManagerTokenSource } from '../../../lambdas/auth/secrets-manager-token-source';
import { parseTokenDocument } from '../../../lambdas/auth/token-document';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'scim-token.cjs');

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

const MOTO = onPath('moto_server');
// Each test starts real CLI processes (tsx compiles on start); a loaded CI machine needs room.
jest.setTimeout(180_000);
if (!MOTO) {
  // The skip must be visible in the test output, not only as a skipped count.
  console.warn(
    'SKIPPED token-cli-moto: moto_server is not on the PATH (pip install "moto[server]" to run it)',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

(MOTO ? describe : describe.skip)(
  `scim-token against moto_server (AWS_ENDPOINT_URL)${MOTO ? '' : ' — SKIPPED: moto_server not on PATH'}`,
  () => {
    let moto: ChildProcess;
    let endpoint: string;
    let env: NodeJS.ProcessEnv;
    let client: SecretsManagerClient;
    let readSecret: ReadSecret;
    const secretId = 'ScimStack/tokens';

    beforeAll(async () => {
      const port = await freePort();
      endpoint = `http://127.0.0.1:${port}`;
      moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      await waitForHttp(`${endpoint}/moto-api/`, 30_000);
      env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      };
      client = new SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      await client.send(new CreateSecretCommand({ Name: secretId, SecretString: '{"tokens":[]}' }));
      // The Lambda's own signed GetSecretValue (not the SDK client), sent where AWS_ENDPOINT_URL says.
      readSecret = secretsManagerReader({
        env,
        credentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
      });
    }, 120_000);

    // Wait for moto to exit: a child still running keeps the jest worker from exiting cleanly.
    afterAll(async () => {
      client?.destroy();
      if (!moto || moto.exitCode !== null || moto.signalCode !== null) return;
      const exited = new Promise((resolve) => moto.once('exit', resolve));
      moto.kill();
      const force = setTimeout(() => moto.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    });

    const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [CLI, ...args],
          { cwd: ROOT, env, timeout: 60_000 },
          (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
          },
        );
      });

    const tokenIds = async (): Promise<string[]> => {
      const current = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
      );
      return parseTokenDocument(current.SecretString ?? '').tokens.map((t) => t.id);
    };

    it('create, list, rotate and revoke through the real executable; the Lambda source accepts the result', async () => {
      const created = await cli(
        'create',
        '--secret-id',
        secretId,
        '--tenant',
        'acme',
        '--label',
        'okta',
        '--json',
      );
      expect(created).toMatchObject({ code: 0, stderr: '' });
      const first = JSON.parse(created.stdout);
      const authenticate = createAuthenticator(
        secretsManagerTokenSource({ secretId, readSecret, minRefreshSeconds: 0 }),
      );
      expect((await authenticate(`Bearer ${first.token}`)).tenant).toBe('acme');

      const listed = await cli('list', '--secret-id', secretId);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(first.id);
      expect(listed.stdout).not.toContain(first.token);

      const rotated = JSON.parse(
        (await cli('rotate', '--secret-id', secretId, '--id', first.id, '--grace', '1h', '--json')).stdout,
      );
      expect(rotated.previous.id).toBe(first.id);
      expect((await authenticate(`Bearer ${rotated.token}`)).tenant).toBe('acme');

      expect((await cli('revoke', '--secret-id', secretId, '--id', first.id)).code).toBe(0);
      expect(await tokenIds()).toEqual([rotated.id]);
      const fresh = createAuthenticator(secretsManagerTokenSource({ secretId, readSecret }));
      await expect(fresh(`Bearer ${first.token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('concurrent CLI processes do not lose a token', async () => {
      const before = await tokenIds();
      const runs = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          cli('create', '--secret-id', secretId, '--tenant', `tenant${i}`, '--label', 'parallel', '--json'),
        ),
      );
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      const ids = await tokenIds();
      for (const r of runs) expect(ids).toContain(JSON.parse(r.stdout).id);
      expect(ids).toHaveLength(before.length + 4);
      // The per-write staging labels were all removed again: only AWS's own labels remain.
      const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      const labels = Object.values(described.VersionIdsToStages ?? {}).flat();
      expect(labels.filter((l) => !l.startsWith('AWS'))).toEqual([]);
      expect(labels.filter((l) => l === 'AWSCURRENT')).toHaveLength(1);
    });

    it('finds the secret through the stack output TokenSecretArn (--stack)', async () => {
      const created = await client.send(
        new CreateSecretCommand({ Name: 'by-stack', SecretString: '{"tokens":[]}' }),
      );
      const cfn = new CloudFormationClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      // moto cannot create a secret from a template; the output carries the ARN as a literal.
      await cfn.send(
        new CreateStackCommand({
          StackName: 'Scim',
          TemplateBody: JSON.stringify({
            Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } },
            Outputs: { TokenSecretArn: { Value: created.ARN } },
          }),
        }),
      );
      cfn.destroy();
      const res = await cli('create', '--stack', 'Scim', '--tenant', 'globex', '--label', 'entra', '--json');
      // This stack (like one deployed before per-tenant limits) has no usage-plan outputs: the token
      // is created all the same, with a warning that the tenant's API key could not be synced.
      expect(res.code).toBe(0);
      expect(res.stderr).toContain('has no RestApiId/TenantUsagePlans outputs');
      const stored = await client.send(
        new GetSecretValueCommand({ SecretId: 'by-stack', VersionStage: 'AWSCURRENT' }),
      );
      expect(parseTokenDocument(stored.SecretString ?? '').tokens.map((t) => t.id)).toEqual([
        JSON.parse(res.stdout).id,
      ]);
      const missing = await cli('list', '--stack', 'NoSuchStack');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('stack NoSuchStack was not found');
    });

    it('names a missing secret clearly', async () => {
      const res = await cli('list', '--secret-id', 'no-such-secret');
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('secret no-such-secret was not found');
    });
  },
);
