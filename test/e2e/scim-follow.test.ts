/**
 * `scim-follow` end to end: the local server (the adapter `npm start` runs) over DynamoDB Local,
 * its stream follower writing the change feed, SCIM writes over HTTP with a write token, and
 * the real bin (`node bin/scim-follow.cjs`) following with a read token. Each change shows up
 * once; a second run from the cursor file brings only what is new; Ctrl-C keeps a valid cursor;
 * a refused token is exit 2 with the server's detail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFollowCli } from '../../cli/follow';
import { localFeedWriter } from '../../local/feed-writer';
import { createLocalServer, listen } from '../../local/http-server';
import type { StreamFollower } from '../../local/stream-events';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';
import { followTestStream } from '../support/stream-follower';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BIN = join(__dirname, '..', '..', 'bin', 'scim-follow.cjs');

let client: ScimTestClient;
let server: Server;
let follower: StreamFollower;
let base: string;
let dir: string;

beforeAll(async () => {
  client = await createScimTestClient();
  follower = await followTestStream(client.table, {
    sink: localFeedWriter(client.table.endpoint, client.table.tableName),
  });
  server = createLocalServer(client.handlers);
  base = `http://127.0.0.1:${await listen(server, 0)}/scim/v2`;
  dir = mkdtempSync(join(tmpdir(), 'scim-follow-'));
});

afterAll(async () => {
  await follower.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scim(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${client.tokenFor('acme')}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect({ method, path, status: res.status < 300 }).toEqual({ method, path, status: true });
  return (text === '' ? { id: '' } : JSON.parse(text)) as { id: string };
}

const patch = (Operations: unknown[]) => ({ schemas: [PATCH], Operations });

interface Set {
  jti: string;
  sub_id: { uri: string };
  events: Record<string, unknown>;
}

/** Every entry of the feed (read through the API) once `done` holds and nothing new came for 300 ms. */
async function feedUntil(done: (all: Set[]) => boolean): Promise<Set[]> {
  let last = -1;
  let quietSince = Date.now();
  for (let i = 0; i < 400; i++) {
    const all: Set[] = [];
    let cursor: string | undefined;
    for (;;) {
      const q = new URLSearchParams({ count: '1000', ...(cursor ? { cursor } : {}) });
      const res = await client.request('GET', `/Events?${q}`, { token: client.readTokenFor('acme') });
      const page = res.body as unknown as { events: Set[]; cursor: string; more: boolean };
      all.push(...page.events);
      cursor = page.cursor;
      if (!page.more) break;
    }
    if (all.length !== last) {
      last = all.length;
      quietSince = Date.now();
    } else if (done(all) && Date.now() - quietSince >= 300) {
      return all;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the feed never settled');
}

const DELETE = 'urn:ietf:params:scim:event:prov:delete';
const deleted = (id: string) => (all: Set[]) =>
  all.some((s) => s.sub_id.uri.endsWith(`/${id}`) && DELETE in s.events);
const everything = () => true;

/** The real bin; `token` goes in SCIM_TOKEN, as the docs advise (not on the command line). */
function run(args: string[], token?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--base', base, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A developer's own SCIM_TOKEN must not stand in for a test's missing token.
      env: { ...process.env, SCIM_TOKEN: token ?? '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The real bin, once, as JSON lines, resuming from (and saving to) `file`. */
const drainTo = (file: string) =>
  run(['--once', '--json', '--cursor-file', file], client.readTokenFor('acme'));

const jsonLines = (out: string): Set[] =>
  out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Set);

describe('scim-follow against the local server', () => {
  const cursorFile = () => join(dir, 'acme.cursor');

  it('shows each change once, in feed order; a second run from its cursor file shows only what is new', async () => {
    const ada = await scim('POST', '/Users', { schemas: [USER], userName: 'ada@example.com', active: true });
    await scim('PATCH', `/Users/${ada.id}`, patch([{ op: 'replace', path: 'displayName', value: 'Ada' }]));
    await scim('PATCH', `/Users/${ada.id}`, patch([{ op: 'replace', path: 'active', value: false }]));
    const bob = await scim('POST', '/Users', { schemas: [USER], userName: 'bob@example.com' });
    const group = await scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Devices',
      members: [{ value: ada.id }],
    });
    await scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch([{ op: 'add', path: 'members', value: [{ value: bob.id }] }]),
    );
    await scim('DELETE', `/Users/${bob.id}`);
    const expected = await feedUntil(deleted(bob.id));

    const first = await drainTo(cursorFile());
    expect(first).toMatchObject({ code: 0, err: '' });
    const seen = jsonLines(first.out);
    expect(seen.map((s) => s.jti)).toEqual(expected.map((s) => s.jti));
    expect(new Set(seen.map((s) => s.jti)).size).toBe(seen.length);
    expect(seen.map((s) => s.sub_id.uri)).toEqual(
      expect.arrayContaining([`/Users/${ada.id}`, `/Groups/${group.id}`]),
    );
    expect(existsSync(cursorFile())).toBe(true);

    await scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch([{ op: 'replace', path: 'displayName', value: 'Laptops' }]),
    );
    await scim('DELETE', `/Groups/${group.id}`);
    const after = await feedUntil(deleted(group.id));
    const fresh = after.slice(expected.length);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(after.slice(0, expected.length).map((s) => s.jti)).toEqual(expected.map((s) => s.jti));

    const second = await drainTo(cursorFile());
    expect(second).toMatchObject({ code: 0, err: '' });
    expect(jsonLines(second.out).map((s) => s.jti)).toEqual(fresh.map((s) => s.jti));

    const third = await drainTo(cursorFile());
    expect(third).toMatchObject({ code: 0, out: '' });
  }, 60_000);

  it('readable lines: time, what changed, resource type and id', async () => {
    const lines: string[] = [];
    const code = await runFollowCli(['--base', base, '--once'], {
      out: (l) => lines.push(...l.split('\n')),
      err: (l) => lines.push(`ERR ${l}`),
      env: { SCIM_TOKEN: client.readTokenFor('acme') },
    });
    expect(code).toBe(0);
    const all = await feedUntil(everything);
    expect(lines).toHaveLength(all.length);
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}\S.* (User|Group) +[0-9a-f-]{36}$/);
    }
    expect(lines.some((l) => /create userName\s+User/.test(l))).toBe(true);
    expect(lines.some((l) => /deactivate\s+User/.test(l))).toBe(true);
    expect(lines.some((l) => /patch displayName\s+User/.test(l))).toBe(true);
    expect(lines.some((l) => /member\+ [0-9a-f-]{36}\s+Group/.test(l))).toBe(true);
    expect(lines.some((l) => /delete\s+Group/.test(l))).toBe(true);
  });

  it('--local follows the server npm start recorded (any PORT); without one it says to start it', async () => {
    const env = { SCIM_TOKEN: client.readTokenFor('acme') };
    const before = process.cwd();
    const lines: string[] = [];
    try {
      process.chdir(dir);
      const none = await runFollowCli(['--local', '--once'], {
        out: () => undefined,
        err: (l) => lines.push(l),
        env,
      });
      expect(none).toBe(2);
      expect(lines.join('\n')).toContain('start it with npm start');
      const both = await runFollowCli(['--local', '--base', base, '--once'], {
        out: () => undefined,
        err: () => undefined,
        env,
      });
      expect(both).toBe(2);
      mkdirSync(join(dir, '.scim-local'), { recursive: true });
      writeFileSync(join(dir, '.scim-local', 'server.json'), JSON.stringify({ baseUrl: base }));
      lines.length = 0;
      const code = await runFollowCli(['--local', '--once'], {
        out: (l) => lines.push(l),
        err: (l) => lines.push(`ERR ${l}`),
        env,
      });
      expect(code).toBe(0);
    } finally {
      process.chdir(before);
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('ERR'))).toBe(false);
  });

  it('a refused token is exit 2 with the SCIM detail; a missing --token is a usage error', async () => {
    const refused = await run(['--token', 'not-a-token-of-this-server-0123456789abcdef', '--once']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^scim-follow: 401 /m);
    // A token on the command line is readable by every user of the machine (ps): said once.
    expect(refused.err.split('\n')[0]).toBe(
      'scim-follow: warning: --token is visible to other users of this machine (ps); prefer SCIM_TOKEN',
    );
    const usage = await run(['--once']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--token (or SCIM_TOKEN) is required');
  });

  it('plain http to another machine is refused before the token is sent, unless --allow-http', async () => {
    const port = new URL(base).port;
    const elsewhere = `http://0.0.0.0:${port}/scim/v2`; // not a loopback name, yet it reaches this server
    const env = { SCIM_TOKEN: client.readTokenFor('acme') };
    const said: string[] = [];
    const io = { out: () => undefined, err: (l: string) => said.push(l), env };
    expect(await runFollowCli(['--base', elsewhere, '--once'], io)).toBe(2);
    expect(said.join('\n')).toContain('the token would travel in clear');
    expect(await runFollowCli(['--base', 'http://[not-a-host/scim/v2', '--once'], io)).toBe(2);
    expect(said.join('\n')).toContain('is not a URL');
    // Which hosts count as this machine: decided before any request (an aborted run sends none).
    const refused = async (url: string): Promise<boolean> => {
      const lines: string[] = [];
      await runFollowCli(['--base', url, '--once'], {
        err: (l) => lines.push(l),
        out: () => undefined,
        env,
        signal: AbortSignal.abort(),
      });
      return lines.some((l) => l.includes('the token would travel in clear'));
    };
    for (const local of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      '127.0.0.2',
      '127.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
    ])
      expect([local, await refused(`http://${local}:1/scim/v2`)]).toEqual([local, false]);
    for (const remote of ['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '[::2]'])
      expect([remote, await refused(`http://${remote}:1/scim/v2`)]).toEqual([remote, true]);
    expect(await refused('https://example.com/scim/v2')).toBe(false);
    said.length = 0;
    expect(await runFollowCli(['--base', elsewhere, '--allow-http', '--once'], io)).toBe(0);
    expect(said).toEqual([]);
  });

  it('Ctrl-C while polling: exit 0, and the cursor file still resumes with nothing missed', async () => {
    const file = join(dir, 'interrupted.cursor');
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, '--base', base, '--json', '--cursor-file', file, '--poll-interval', '0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCIM_TOKEN: client.readTokenFor('acme') } },
    );
    let printed = '';
    child.stdout?.on('data', (d) => {
      printed += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(file)).toBe(true);
    // Polling now; a change made while it runs is printed before the stop or resumed after it.
    const carol = await scim('POST', '/Users', { schemas: [USER], userName: 'carol@example.com' });
    await feedUntil((all) => all.some((x) => x.sub_id.uri === `/Users/${carol.id}`));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const saved = readFileSync(file, 'utf8').trim();
    expect(saved).not.toBe('');
    const resumed = await drainTo(file);
    expect(resumed.code).toBe(0);
    // Every entry was printed by the interrupted run or by the resumed one (a replay is allowed,
    // a gap is not), and the resumed run starts where the saved cursor says.
    const all = await feedUntil(everything);
    const tail = jsonLines(resumed.out).map((s) => s.jti);
    expect(all.slice(all.length - tail.length).map((s) => s.jti)).toEqual(tail);
    const shown = new Set([...jsonLines(printed).map((s) => s.jti), ...tail]);
    expect(all.filter((s) => !shown.has(s.jti))).toEqual([]);
    expect(all.some((s) => s.sub_id.uri === `/Users/${carol.id}`)).toBe(true);
  }, 30_000);
});
