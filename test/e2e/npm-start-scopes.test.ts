/**
 * `npm start` as a process (bin/scim-local.ts on this run's DynamoDB Local): it prints a write
 * and a read token (lines `write token: …`, `read token: …`), honours
 * SCIM_LOCAL_TOKENS=tenant:token:read, and over real HTTP the read token reads, is refused
 * writes with a 403 (nothing created) and sees that refusal in GET /Activity.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestTable, type TestTable } from '../support/dynamo';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..');
const GLOBEX_READ = 'globex-read-token-0123456789abcdef0123456789';
let table: TestTable;
let server: ChildProcess;
let cwd: string;
let output = '';

beforeAll(async () => {
  table = await createTestTable('npm-start');
  cwd = mkdtempSync(join(tmpdir(), 'npm-start-scopes-'));
  // tsx from this checkout: the server runs in a temporary directory (its .scim-local/ goes there).
  const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  server = spawn(process.execPath, ['--import', tsx, join(ROOT, 'bin', 'scim-local.ts')], {
    cwd,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      PORT: '0',
      SCIM_IN_MEMORY: '1',
      DYNAMODB_ENDPOINT: table.endpoint,
      TABLE_NAME: table.tableName,
      SCIM_LOCAL_TOKENS: `globex:${GLOBEX_READ}:read`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const started = Date.now();
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (server.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }
  await table.drop();
  rmSync(cwd, { recursive: true, force: true });
});

const line = (prefix: string): string => {
  const match = new RegExp(`^${prefix} (\\S+)$`, 'm').exec(output);
  if (!match) throw new Error(`no "${prefix}" line in:\n${output}`);
  return match[1] as string;
};

async function call(token: string, method: string, path: string, body?: unknown) {
  const base = line('SCIM server ready:');
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    scope: res.headers.get('x-token-scope'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

describe('npm start with scopes', () => {
  it('prints a write token and a read token for tenant default, and names the extra read token', () => {
    expect(line('write token:')).toMatch(/^scim_/);
    expect(line('read token:')).toMatch(/^scim_/);
    expect(line('write token:')).not.toBe(line('read token:'));
    expect(output).toContain('Tenant "globex": read token from SCIM_LOCAL_TOKENS');
  });

  it('the read token reads, cannot write, and sees its refusal in the activity', async () => {
    const read = line('read token:');
    const write = line('write token:');
    const user = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'npm.start@example.com',
    };
    const refused = await call(read, 'POST', '/Users', user);
    expect([refused.status, refused.scope, refused.body.status]).toEqual([403, 'read', '403']);
    const list = await call(read, 'GET', '/Users');
    expect([list.status, list.scope, list.body.totalResults]).toEqual([200, 'read', 0]);
    const created = await call(write, 'POST', '/Users', user);
    expect([created.status, created.scope]).toEqual([201, 'write']);
    const activity = await call(read, 'GET', '/Activity?status=403');
    expect(activity.status).toBe(200);
    expect(activity.body.records).toEqual([
      expect.objectContaining({ method: 'POST', status: 403, tokenId: 'local-env-default-read' }),
    ]);
    const globex = await call(GLOBEX_READ, 'DELETE', `/Users/${created.body.id}`);
    expect([globex.status, globex.scope]).toEqual([403, 'read']);
  });
});
