/**
 * `npm start` as a process (bin/scim-local.ts on this run's DynamoDB Local): it prints a write
 * and a read token (lines `write token: …`, `read token: …`), honours
 * SCIM_LOCAL_TOKENS=tenant:token:read, and over real HTTP the read token reads, is refused
 * writes with a 403 (nothing created) and sees that refusal in GET /Activity.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
let output: () => string;

/** bin/scim-local.ts on this run's DynamoDB Local in `dir` (its .scim-local/ goes there), once ready. */
async function startServer(
  dir: string,
  tokens: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  let text = '';
  // tsx from this checkout: the server runs in a temporary directory.
  const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'bin', 'scim-local.ts')], {
    cwd: dir,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      PORT: '0',
      SCIM_IN_MEMORY: '1',
      DYNAMODB_ENDPOINT: table.endpoint,
      TABLE_NAME: table.tableName,
      SCIM_LOCAL_TOKENS: tokens,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const started = Date.now();
  while (!text.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`server did not start:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => text };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

beforeAll(async () => {
  table = await createTestTable('npm-start');
  cwd = mkdtempSync(join(tmpdir(), 'npm-start-scopes-'));
  ({ child: server, output } = await startServer(cwd, `globex:${GLOBEX_READ}:read`));
});

afterAll(async () => {
  if (server) await stopServer(server);
  await table.drop();
  rmSync(cwd, { recursive: true, force: true });
});

const line = (prefix: string): string => {
  const match = new RegExp(`^${prefix} (\\S+)$`, 'm').exec(output());
  if (!match) throw new Error(`no "${prefix}" line in:\n${output()}`);
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
    expect(output()).toContain('Tenant "globex": read token from SCIM_LOCAL_TOKENS');
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

  // Last: it stops the server the other tests use.
  it('a second server in the same directory keeps its record when the first one stops', async () => {
    const record = () => JSON.parse(readFileSync(join(cwd, '.scim-local', 'server.json'), 'utf8'));
    expect(record().pid).toBe(server.pid);
    const second = await startServer(cwd, '');
    try {
      expect(record().pid).toBe(second.child.pid);
      await stopServer(server);
      // The first server's stop leaves the record of the one still running.
      expect(record()).toMatchObject({
        pid: second.child.pid,
        baseUrl: expect.stringContaining('http://127.0.0.1:'),
      });
    } finally {
      await stopServer(second.child);
    }
    expect(existsSync(join(cwd, '.scim-local', 'server.json'))).toBe(false);
  });
});
