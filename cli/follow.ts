/**
 * `scim-follow`: the reference consumer of the change feed (GET /Events, docs/CONSUMING.md).
 * Prints each event once, as a readable line or as the SET claims object (`--json`), and keeps
 * its place in `--cursor-file`, written (atomically) only after a page has been printed, so a
 * restart resumes with nothing missed. Talks HTTP only: it works against any deployment.
 * Exit codes: 0 done or stopped (SIGINT/SIGTERM), 1 the server stayed unreachable, 2 the
 * command line or the server refused the request (the SCIM error's detail is printed).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type RetryPolicy, retry } from '../lambdas/retry';
import { CliError, usageError } from './errors';

const USAGE = `Usage: SCIM_TOKEN=<read token> scim-follow --base <SCIM base URL> [options]

  --base <url>              e.g. http://127.0.0.1:7643/scim/v2 (or env SCIM_BASE_URL)
  --local                   without --base: the local server npm start runs (any PORT)
  --token <token>           a read (or write) token; prefer env SCIM_TOKEN (a command line is
                            visible to every user of the machine)
  --allow-http              send the token over plain http to a host that is not this machine
  --cursor-file <file>      resume from the cursor in this file; rewritten after each page
  --start now               without a saved cursor, start at the end instead of the oldest entry
  --json                    one SET claims object per line, exactly as served
  --once                    stop when the feed has nothing more (instead of polling)
  --poll-interval <s>       seconds between polls once caught up (default 2)
  --event-type <uri,...>    only these RFC 9967 event URIs
  --resource-type <User|Group>
  --count <n>               events per page, 1..1000 (default 100)
`;

export interface FollowIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: the in-flight request is dropped and nothing more is written. */
  readonly signal?: AbortSignal;
}

interface FeedPage {
  readonly events: readonly SetClaims[];
  readonly cursor: string;
  readonly more: boolean;
}

interface SetClaims {
  readonly jti?: unknown;
  readonly iat?: unknown;
  readonly sub_id?: { readonly uri?: unknown };
  readonly events?: Readonly<Record<string, unknown>>;
}

/** A server answer that retrying will not fix (4xx but 429): printed, exit 2. */
class Refused extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** 5xx, 429 or no connection: retried, then reported with exit 1. */
class Unreachable extends Error {}

const FOLLOW_NETWORK_RETRY: RetryPolicy = { attempts: 8, baseMs: 500, capMs: 30_000 };

export async function runFollowCli(argv: readonly string[], io: FollowIo): Promise<number> {
  try {
    const options = parseOptions(argv, io.env ?? process.env);
    if (!options) {
      io.out(USAGE);
      return 0;
    }
    if (options.tokenOnCommandLine)
      io.err(
        'scim-follow: warning: --token is visible to other users of this machine (ps); prefer SCIM_TOKEN',
      );
    await follow(options, io);
    return 0;
  } catch (error) {
    // A stop drops the request in flight (exit 0); a bad command line is reported even then.
    if (io.signal?.aborted && !(error instanceof CliError)) return 0;
    if (error instanceof CliError) {
      io.err(`scim-follow: ${error.message}`);
      return error.exitCode;
    }
    io.err(`scim-follow: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

interface FollowOptions {
  readonly base: string;
  readonly token: string;
  /** --token rather than SCIM_TOKEN: warned about once (other users can read a command line). */
  readonly tokenOnCommandLine: boolean;
  readonly cursorFile?: string;
  readonly startNow: boolean;
  readonly json: boolean;
  readonly once: boolean;
  readonly pollMs: number;
  readonly filters: URLSearchParams;
}

/**
 * Whether the URL's host is this machine (127.0.0.0/8, ::1 and its IPv4-mapped form, localhost):
 * plain http stays on it. WHATWG parsing has already normalised `127.1`, `0x7f.1` and the like.
 */
function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw usageError(`the base URL ${url} is not a URL\n${USAGE}`);
  }
  host = host.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
}

/** The base URL `npm start` recorded in .scim-local/server.json while it runs. */
function localBaseUrl(): string {
  const file = join('.scim-local', 'server.json');
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { baseUrl?: unknown };
    if (typeof info.baseUrl === 'string') return info.baseUrl;
  } catch {
    // Reported below.
  }
  throw usageError(
    `--local: no running local server found (${file}): start it with npm start, or give --base`,
  );
}

function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        base: { type: 'string' },
        local: { type: 'boolean' },
        token: { type: 'string' },
        'allow-http': { type: 'boolean' },
        'cursor-file': { type: 'string' },
        start: { type: 'string' },
        json: { type: 'boolean' },
        once: { type: 'boolean' },
        'poll-interval': { type: 'string' },
        'event-type': { type: 'string' },
        'resource-type': { type: 'string' },
        count: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  if (values.help) return undefined;
  if (values.base !== undefined && values.local)
    throw usageError(`--base and --local name two servers: give one\n${USAGE}`);
  const base = String(values.base ?? (values.local ? localBaseUrl() : (env.SCIM_BASE_URL ?? ''))).replace(
    /\/+$/,
    '',
  );
  const token = String(values.token ?? env.SCIM_TOKEN ?? '');
  if (!/^https?:\/\/[^/]/.test(base))
    throw usageError(`--base must be the SCIM base URL (http(s)://…)\n${USAGE}`);
  if (!isLoopback(base) && base.startsWith('http:') && values['allow-http'] !== true)
    throw usageError(
      `the base URL ${base} is plain http to another machine: the token would travel in clear. Use https, or --allow-http on a network you trust`,
    );
  if (token === '') throw usageError(`--token (or SCIM_TOKEN) is required\n${USAGE}`);
  if (values.start !== undefined && values.start !== 'now') throw usageError('--start takes the value "now"');
  const pollSeconds = Number(values['poll-interval'] ?? 2);
  if (!Number.isFinite(pollSeconds) || pollSeconds < 0.05 || pollSeconds > 3600) {
    throw usageError('--poll-interval is a number of seconds from 0.05 to 3600');
  }
  const filters = new URLSearchParams();
  if (values.count !== undefined) filters.set('count', String(values.count));
  if (values['event-type'] !== undefined) filters.set('eventType', String(values['event-type']));
  if (values['resource-type'] !== undefined) filters.set('resourceType', String(values['resource-type']));
  return {
    base,
    token,
    tokenOnCommandLine: values.token !== undefined,
    ...(values['cursor-file'] !== undefined ? { cursorFile: String(values['cursor-file']) } : {}),
    startNow: values.start === 'now',
    json: values.json === true,
    once: values.once === true,
    pollMs: Math.round(pollSeconds * 1000),
    filters,
  } satisfies FollowOptions;
}

async function follow(options: FollowOptions, io: FollowIo): Promise<void> {
  let cursor = options.cursorFile ? readCursor(options.cursorFile) : undefined;
  if (cursor === undefined && options.startNow) {
    cursor = (await getPage(options, new URLSearchParams({ start: 'now' }), io.signal)).cursor;
    if (options.cursorFile) writeCursor(options.cursorFile, cursor);
  }
  while (!io.signal?.aborted) {
    const query = new URLSearchParams(options.filters);
    if (cursor !== undefined) query.set('cursor', cursor);
    const page = await getPage(options, query, io.signal);
    for (const set of page.events) io.out(options.json ? JSON.stringify(set) : describeEvent(set));
    cursor = page.cursor;
    // Only after the page's events are out: a stop before this line replays the page, never skips it.
    if (options.cursorFile && !io.signal?.aborted) writeCursor(options.cursorFile, cursor);
    if (page.more) continue;
    if (options.once) return;
    await pause(options.pollMs, io.signal);
  }
}

async function getPage(
  options: FollowOptions,
  query: URLSearchParams,
  signal?: AbortSignal,
): Promise<FeedPage> {
  return retry(
    FOLLOW_NETWORK_RETRY,
    async () => {
      let res: Response;
      try {
        res = await fetch(`${options.base}/Events?${query}`, {
          headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/scim+json' },
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        const cause =
          error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        throw new Unreachable(`cannot reach ${options.base}: ${cause}`);
      }
      const text = await res.text();
      if (res.status === 200) return parsePage(text);
      const detail = errorDetail(text);
      if (res.status === 429 || res.status >= 500) throw new Unreachable(`${res.status} ${detail}`);
      throw new Refused(refusal(res.status, text, detail));
    },
    { retryIf: (error) => error instanceof Unreachable && !signal?.aborted },
  );
}

function parsePage(text: string): FeedPage {
  const body: unknown = JSON.parse(text);
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as FeedPage).events) ||
    typeof (body as FeedPage).cursor !== 'string'
  ) {
    throw new CliError('the server answered 200 without a change-feed page (is --base the SCIM base URL?)');
  }
  return body as FeedPage;
}

function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200);
}

function refusal(status: number, text: string, detail: string): string {
  if (text.includes('"expiredCursor"')) {
    return `${status} expiredCursor: ${detail}. The saved cursor is older than the feed's retention: start again without the cursor file (everything retained) or with --start now after a full SCIM sync (docs/CONSUMING.md).`;
  }
  return `${status} ${detail}`;
}

/** `2026-12-04T18:02:11Z  create      User   <id>  [attributes]`. */
function describeEvent(set: SetClaims): string {
  const time = typeof set.iat === 'number' ? new Date(set.iat * 1000).toISOString().replace('.000', '') : '?';
  const uri = typeof set.sub_id?.uri === 'string' ? set.sub_id.uri : '';
  const [, path = '?', id = '?'] = /^\/(Users|Groups)\/(.+)$/.exec(uri) ?? [];
  const type = path === 'Users' ? 'User' : path === 'Groups' ? 'Group' : path;
  return Object.entries(set.events ?? {})
    .map(([eventUri, payload]) => {
      const what = eventUri.replace(/^urn:ietf:params:scim:event:prov:/, '').replace(/:notice$/, '');
      return `${time}  ${summary(what, payload).padEnd(24)} ${type.padEnd(5)} ${id}`;
    })
    .join('\n');
}

function summary(what: string, payload: unknown): string {
  const p = (payload ?? {}) as { attributes?: unknown; data?: { Operations?: unknown } };
  const ops = Array.isArray(p.data?.Operations)
    ? (p.data.Operations as { op?: string; path?: string; value?: unknown }[])
    : [];
  const member = ops
    .map((op) => {
      const id = Array.isArray(op.value)
        ? (op.value[0] as { value?: string } | undefined)?.value
        : /value eq "([^"]*)"/.exec(op.path ?? '')?.[1];
      return `${op.op === 'add' ? 'member+' : 'member-'} ${id ?? '?'}`;
    })
    .join(', ');
  if (member !== '') return member;
  const attributes = Array.isArray(p.attributes) ? p.attributes.join(',') : '';
  return attributes === '' ? what : `${what} ${attributes}`;
}

function readCursor(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const cursor = readFileSync(file, 'utf8').trim();
  if (cursor === '') throw usageError(`${file} is empty: delete it to start from the oldest entry`);
  return cursor;
}

/** Temp file in the same directory, then rename: the file holds the old or the new cursor, never half. */
function writeCursor(file: string, cursor: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(temp, `${cursor}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
