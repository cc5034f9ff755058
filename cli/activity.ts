/**
 * `scim-activity`: lists provisioning activity newest first, for the question a platform
 * engineer asks when Okta says "pushed" and the application says "nothing happened".
 * Kept apart from bin/ so tests can run it with their own table and output streams; shares
 * duration parsing and error conventions (exit 2 = bad command line) with scim-token.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ActivityQuery, type ActivityRecord, listActivity } from '../lambdas/store/activity-store';
import { createDocumentClient } from '../lambdas/store/client';
import { parseDuration } from './duration';
import { CliError, usageError } from './errors';

const USAGE = `Usage: scim-activity --tenant <tenant> [options]

Where the table is (one of):
  --local [--dir .scim-local]   the table of a running \`npm start\`
  --table <name>                a table name (or env TABLE_NAME); AWS credentials from the usual chain
  --stack <name>                the TableName output of a deployed stack

Filters:
  --since <duration|time>       e.g. 15m, 1h, 7d, or an ISO time (default 24h)
  --until <time>                ISO time (default now)
  --resource <id>               one user or group
  --status <4xx|404>            a status class or an exact status
  --limit <n>                   at most n records (default 100)
  --json                        one JSON object per line
`;

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now?: Date;
  /** Tests inject a client for their table; otherwise one is built from the options. */
  readonly db?: DynamoDBDocumentClient;
}

/** `--since 1h` (a duration back from now) or `--since 2026-11-01T00:00:00Z` (a time). */
export function parseSince(value: string, now: Date, option = '--since'): Date {
  if (/^\s*\d+[smhdw]/.test(value)) return new Date(now.getTime() - parseDuration(value, option));
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute)) {
    throw usageError(`${option} "${value}" is neither a duration (15m, 1h, 7d) nor a time`);
  }
  return new Date(absolute);
}

export function parseStatus(value: string): ActivityQuery['status'] {
  const klass = /^([1-5])xx$/i.exec(value.trim());
  if (klass) return { class: Number(klass[1]) };
  if (/^[1-5]\d\d$/.test(value.trim())) return { exact: Number(value) };
  throw usageError(`--status "${value}" must be a class like 4xx or a status like 404`);
}

export async function runActivityCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        tenant: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        resource: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        local: { type: 'boolean' },
        dir: { type: 'string' },
        table: { type: 'string' },
        stack: { type: 'string' },
        endpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.tenant) throw usageError('--tenant is required');
    const now = io.now ?? new Date();
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw usageError('--limit must be 1..10000');
    const until = values.until === undefined ? now : parseSince(values.until, now, '--until');
    const query: ActivityQuery = {
      tenant: values.tenant,
      since: parseSince(values.since ?? '24h', now),
      until,
      limit,
      ...(values.resource ? { resourceId: values.resource } : {}),
      ...(values.status ? { status: parseStatus(values.status) } : {}),
    };
    const { db, tableName } = io.db
      ? { db: io.db, tableName: values.table ?? '' }
      : await locateTable(values);
    const records = await listActivity(db, tableName, query);
    if (values.json) {
      for (const record of records) io.out(JSON.stringify(record));
    } else {
      io.out(formatTable(records));
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage = (error instanceof CliError && error.exitCode === 2) || isParseArgsError(error);
    io.err(usage ? `${message}\n\n${USAGE}` : message);
    return usage ? 2 : 1;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

interface Location {
  local?: boolean;
  dir?: string;
  table?: string;
  stack?: string;
  endpoint?: string;
}

async function locateTable(values: Location): Promise<{ db: DynamoDBDocumentClient; tableName: string }> {
  if (values.local) {
    const file = join(resolve(values.dir ?? '.scim-local'), 'server.json');
    let info: { endpoint?: string; tableName?: string };
    try {
      info = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`No running local server found (${file} is missing): start it with npm start`);
    }
    if (!info.endpoint || !info.tableName) throw new Error(`${file} does not name an endpoint and table`);
    return { db: createDocumentClient({ endpoint: info.endpoint }), tableName: info.tableName };
  }
  const endpoint = values.endpoint ? { endpoint: values.endpoint } : {};
  if (values.table ?? process.env.TABLE_NAME) {
    return {
      db: createDocumentClient(endpoint),
      tableName: (values.table ?? process.env.TABLE_NAME) as string,
    };
  }
  if (values.stack) {
    const cfn = new CloudFormationClient({});
    const stacks = await cfn.send(new DescribeStacksCommand({ StackName: values.stack }));
    const output = stacks.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName')?.OutputValue;
    cfn.destroy();
    if (!output) throw new Error(`Stack ${values.stack} has no TableName output`);
    return { db: createDocumentClient(endpoint), tableName: output };
  }
  throw usageError('Say where the table is: --local, --table <name> or --stack <name>');
}

function formatTable(records: readonly ActivityRecord[]): string {
  if (records.length === 0) return 'No activity in that window.';
  const rows = records.map((r) => [
    r.time,
    String(r.status),
    r.method,
    r.path,
    r.tokenLabel || r.tokenId,
    r.changedAttributes.join(','),
  ]);
  const header = ['TIME', 'STATUS', 'METHOD', 'PATH', 'TOKEN', 'ATTRIBUTES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
