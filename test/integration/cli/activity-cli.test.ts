import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSince, parseStatus, runActivityCli } from '../../../cli/activity';
import { recordActivity } from '../../../lambdas/store/activity-store';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;
const now = new Date('2026-11-23T12:00:00.000Z');

beforeAll(async () => {
  table = await createTestTable('activity-cli');
  const base = {
    tenant: 'acme',
    tokenId: 'tok-1',
    tokenLabel: 'okta',
    operation: 'patch',
    resourceType: 'User',
  };
  await recordActivity(table.db, table.tableName, {
    ...base,
    time: '2026-11-23T11:50:00.000Z',
    method: 'PATCH',
    path: '/scim/v2/Users/u1',
    resourceId: 'u1',
    status: 200,
    changedAttributes: ['active'],
  });
  await recordActivity(table.db, table.tableName, {
    ...base,
    time: '2026-11-23T11:55:00.000Z',
    method: 'PUT',
    path: '/scim/v2/Users/u2',
    resourceId: 'u2',
    status: 409,
    changedAttributes: ['userName'],
  });
  await recordActivity(table.db, table.tableName, {
    ...base,
    time: '2026-11-23T09:00:00.000Z',
    method: 'DELETE',
    path: '/scim/v2/Users/u1',
    resourceId: 'u1',
    status: 204,
    changedAttributes: [],
  });
});
afterAll(() => table.drop());

async function run(args: string[], withDb = true) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runActivityCli(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now,
    ...(withDb ? { db: table.db } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('scim-activity', () => {
  it('"did Okta\'s deactivate arrive?": the last hour for one user, newest first', async () => {
    const result = await run([
      '--tenant',
      'acme',
      '--table',
      table.tableName,
      '--since',
      '1h',
      '--resource',
      'u1',
    ]);
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+STATUS\s+METHOD\s+PATH\s+TOKEN\s+ATTRIBUTES$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toContain('PATCH');
    expect(lines[1]).toContain('okta');
  });

  it('filters 4xx outcomes and prints JSON lines for scripts', async () => {
    const result = await run([
      '--tenant',
      'acme',
      '--table',
      table.tableName,
      '--since',
      '6h',
      '--status',
      '4xx',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const records = result.out.split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.status)).toEqual([409]);
  });

  it('explains usage mistakes with exit code 2', async () => {
    expect((await run(['--since', '1h'])).code).toBe(2);
    const bad = await run(['--tenant', 'acme', '--table', 'x', '--since', 'yesterday-ish']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--since');
    expect((await run(['--tenant', 'acme', '--bogus'])).code).toBe(2);
  });

  it("--local reads the running local server's table from .scim-local/server.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-activity-'));
    const missing = await run(['--tenant', 'acme', '--local', '--dir', dir], false);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('npm start');
    writeFileSync(
      join(dir, 'server.json'),
      JSON.stringify({ endpoint: table.endpoint, tableName: table.tableName }),
    );
    const found = await run(['--tenant', 'acme', '--local', '--dir', dir, '--since', '1d', '--json'], false);
    expect(found.code).toBe(0);
    expect(found.out.split('\n')).toHaveLength(3);
  });

  it('parses durations, times and status filters', () => {
    expect(parseSince('15m', now).toISOString()).toBe('2026-11-23T11:45:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00Z', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseStatus('5XX')).toEqual({ class: 5 });
    expect(parseStatus('404')).toEqual({ exact: 404 });
    expect(() => parseStatus('6xx')).toThrow('--status');
  });
});
