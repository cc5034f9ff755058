/**
 * `scim-token`: create, list, rotate and revoke the bearer tokens of the SCIM service, in the
 * deployed stack's secret or in the local server's token file. Everything the process touches
 * (argv, output, environment, AWS clients, clock) comes in through `CliIo`, so tests run the
 * real command in-process; bin/scim-token.ts only wires it to the process.
 */
import { parseArgs } from 'node:util';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_TENANT_RATE_LIMIT, rateLimitTier } from '../lambdas/auth/rate-limit';
import { TOKEN_CACHE_DEFAULTS } from '../lambdas/auth/secrets-manager-token-source';
import { scopeOf, TOKEN_SCOPES, type TokenDocument } from '../lambdas/auth/token-document';
import { parseDuration } from './duration';
import { CliError, usageError } from './errors';
import { localTokenStore } from './local-token-store';
import { resolveSecretId, SECRET_ID_ENV, STACK_OUTPUT_KEY } from './secret-location';
import { secretsManagerTokenStore } from './secrets-manager-token-store';
import { syncTenantKey, tenantPlansOfStack } from './tenant-keys';
import {
  createToken,
  type IssuedToken,
  listTokens,
  parseLimitOptions,
  revokeToken,
  rotateToken,
  setTenantLimit,
  validateLabel,
  validateScope,
  validateTenant,
} from './token-operations';
import type { TokenStore } from './token-store';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now?: () => Date;
  readonly secretsManager?: (config: AwsClientOptions) => SecretsManagerClient;
  readonly cloudFormation?: (config: AwsClientOptions) => CloudFormationClient;
  readonly apiGateway?: (config: AwsClientOptions) => APIGatewayClient;
  /** How to wait between write attempts after losing a race; tests pass one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the command line may tell the AWS clients; everything else comes from the SDK's own chain. */
interface AwsClientOptions {
  readonly region?: string;
  readonly profile?: string;
}

const DEFAULT_GRACE = '24h';
const DEFAULT_LOCAL_DIR = '.scim-local';

const OPTIONS = {
  tenant: { type: 'string' },
  label: { type: 'string' },
  scope: { type: 'string' },
  'expires-in': { type: 'string' },
  id: { type: 'string' },
  grace: { type: 'string' },
  json: { type: 'boolean' },
  'secret-id': { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  local: { type: 'boolean' },
  dir: { type: 'string' },
  rate: { type: 'string' },
  burst: { type: 'string' },
  default: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
const STORE_OPTIONS: OptionName[] = [
  'json',
  'secret-id',
  'stack',
  'region',
  'profile',
  'local',
  'dir',
  'help',
];
const COMMAND_OPTIONS: Record<string, OptionName[]> = {
  create: ['tenant', 'label', 'scope', 'expires-in'],
  list: ['tenant'],
  rotate: ['id', 'grace', 'expires-in'],
  revoke: ['id'],
  limit: ['tenant', 'rate', 'burst', 'default'],
  keys: ['tenant'],
};

const USAGE = `Usage: scim-token <command> [options]

Commands
  create --tenant <t> --label <l> [--scope write|read] [--expires-in 90d]
                     new token, printed once; read: GET, .search, discovery, activity only
  list   [--tenant <t>]                                 id, tenant, label, scope, created, expires
  rotate --id <id> [--grace ${DEFAULT_GRACE}] [--expires-in 90d]   successor (same scope) printed once; old one expires after the grace
  revoke --id <id>                                      remove a token at once
  limit  --tenant <t> (--rate <n> --burst <n> | --default)   the tenant's own request-rate limit (docs/FAIRNESS.md)
  keys   --stack <s> [--tenant <t>]                     put each tenant's API key in the usage plan of its limit
  (create and limit with --stack do that for their tenant)

Where the tokens are (first that applies)
  --local [--dir ${DEFAULT_LOCAL_DIR}]   the local server's token file
  --secret-id <arn|name>         a Secrets Manager secret
  --stack <name>                 the ${STACK_OUTPUT_KEY} output of the deployed stack
  ${SECRET_ID_ENV}           environment variable
  AWS_PROFILE (or --profile), AWS_REGION (or --region) and AWS_ENDPOINT_URL are honoured.

Other
  --json        machine-readable output
  Durations: a number with s, m, h, d or w (90d, 24h, 1h30m).
`;

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 bad command line). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`scim-token: ${error.message}\n`);
      if (error.exitCode === 2) io.stderr('Run "scim-token --help" for usage.\n');
      return error.exitCode;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(argv);
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    io.stdout(USAGE);
    return;
  }
  const allowed = COMMAND_OPTIONS[command];
  if (!allowed) throw usageError(`unknown command "${command}"`);
  if (positionals.length > 1) throw usageError(`unexpected argument "${positionals[1]}"`);
  for (const name of Object.keys(values) as OptionName[]) {
    if (!allowed.includes(name) && !STORE_OPTIONS.includes(name)) {
      throw usageError(`--${name} does not apply to "${command}"`);
    }
  }
  if (values.dir !== undefined && !values.local) throw usageError('--dir only applies with --local');
  if (values.local && ['secret-id', 'stack', 'region', 'profile'].some((option) => option in values)) {
    throw usageError('--local cannot be combined with --secret-id, --stack, --region or --profile');
  }

  const now = io.now ?? (() => new Date());
  const json = values.json === true;
  const out = (text: string, data: unknown) => io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : text);

  // Validate everything the command needs before touching any store.
  const expiresInMs =
    values['expires-in'] === undefined
      ? undefined
      : positive(parseDuration(values['expires-in'], '--expires-in'));
  const graceMs = parseDuration(values.grace ?? DEFAULT_GRACE, '--grace');
  const tenant =
    command === 'create' || command === 'limit' || values.tenant !== undefined
      ? validateTenant(values.tenant)
      : undefined;
  if (command === 'limit' && values.default && (values.rate !== undefined || values.burst !== undefined)) {
    throw usageError('--default removes the override: give it without --rate and --burst');
  }
  const limit =
    command === 'limit' && !values.default ? parseLimitOptions(values.rate, values.burst) : undefined;
  const label = command === 'create' ? validateLabel(values.label) : undefined;
  const scope = validateScope(values.scope);
  const id = command === 'rotate' || command === 'revoke' ? requireId(values.id) : undefined;

  if (command === 'keys' && values.stack === undefined) {
    throw usageError('keys needs --stack <name> (it reads the API and usage plans from its outputs)');
  }
  const store = await openStore(values, io);
  const local = values.local === true;
  const aws: AwsClientOptions = {
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
  };
  /**
   * Puts the tenant's API keys in the plan of its limit when the stack is known
   * (docs/FAIRNESS.md): the write key always, the read key once the tenant has a read token.
   */
  const syncKeys = async (tenants: readonly string[], document: TokenDocument): Promise<string> => {
    if (values.stack === undefined) {
      return local
        ? ''
        : 'Run "scim-token keys --stack <name>" so the API accepts its tenant (docs/FAIRNESS.md).\n';
    }
    const target = await tenantPlansOfStack(values.stack, (io.cloudFormation ?? defaultCloudFormation)(aws));
    const client = (io.apiGateway ?? defaultApiGateway)(aws);
    const lines: string[] = [];
    for (const t of tenants) {
      const limit = document.limits?.[t] ?? DEFAULT_TENANT_RATE_LIMIT;
      const held = new Set(document.tokens.filter((r) => r.tenant === t).map(scopeOf));
      for (const keyScope of TOKEN_SCOPES.filter((s) => s === 'write' || held.has(s))) {
        const change = await syncTenantKey(client, target, t, keyScope, limit);
        lines.push(
          `API key of tenant "${t}" (${keyScope} tokens): ${change} (usage plan ${rateLimitTier(limit)}).\n`,
        );
      }
    }
    return lines.join('');
  };

  switch (command) {
    case 'create': {
      const issued = await store.update((document) =>
        createToken(document, {
          tenant: tenant!,
          label: label!,
          scope,
          now: now(),
          ...(expiresInMs !== undefined ? { expiresInMs } : {}),
        }),
      );
      // The token exists now and is shown only once: a failed key sync is a warning, never lost output.
      let keys = '';
      try {
        keys = await syncKeys([tenant!], await store.read());
      } catch (error) {
        io.stderr(
          `scim-token: warning: ${error instanceof Error ? error.message : String(error)}; run "scim-token keys --stack <name>" (docs/FAIRNESS.md)\n`,
        );
      }
      out(`${describeIssued('Created', issued)}${keys}`, issuedJson(issued));
      return;
    }
    case 'list': {
      const rows = listTokens(await store.read(), {
        now: now(),
        ...(tenant !== undefined ? { tenant } : {}),
      });
      out(table(rows), { tokens: rows });
      return;
    }
    case 'rotate': {
      const { successor, previous } = await store.update((document) =>
        rotateToken(document, {
          id: id!,
          graceMs,
          now: now(),
          ...(expiresInMs !== undefined ? { expiresInMs } : {}),
        }),
      );
      out(
        `${describeIssued('Rotated', successor)}\nThe previous token ${previous.id} keeps working until ${previous.expiresAt}: put the new one into the identity provider before then.\n`,
        { ...issuedJson(successor), previous: { id: previous.id, expiresAt: previous.expiresAt } },
      );
      return;
    }
    case 'limit': {
      const set = await store.update((document) => setTenantLimit(document, { tenant: tenant!, limit }));
      const what = set
        ? `${set.rate} requests/s, burst ${set.burst}`
        : `the default (${DEFAULT_TENANT_RATE_LIMIT.rate} requests/s, burst ${DEFAULT_TENANT_RATE_LIMIT.burst})`;
      const where = local
        ? 'The local server applies it from its next request.'
        : `Deployed, the usage plan ${rateLimitTier(set ?? DEFAULT_TENANT_RATE_LIMIT)} enforces it.`;
      const keys = await syncKeys([tenant!], await store.read());
      out(`Tenant "${tenant}" is limited to ${what}. ${where}\n${keys}`, {
        tenant,
        limit: set ?? null,
        usagePlan: rateLimitTier(set ?? DEFAULT_TENANT_RATE_LIMIT),
      });
      return;
    }
    case 'keys': {
      const document = await store.read();
      const tenants = [...new Set(document.tokens.map((t) => t.tenant))]
        .filter((t) => tenant === undefined || t === tenant)
        .sort();
      const text = await syncKeys(tenants, document);
      out(text === '' ? 'No tenants.\n' : text, { tenants });
      return;
    }
    case 'revoke': {
      const removed = await store.update((document) => revokeToken(document, { id: id! }));
      const delay = local
        ? 'The local server rejects it from its next request.'
        : `Running functions may accept it for up to their cache time (TOKEN_CACHE_TTL_SECONDS, ${TOKEN_CACHE_DEFAULTS.ttlSeconds} s by default).`;
      out(`Revoked ${removed.id} (tenant "${removed.tenant}", label "${removed.label}"). ${delay}\n`, {
        revoked: { id: removed.id, tenant: removed.tenant, label: removed.label },
      });
      return;
    }
  }
}

function positive(ms: number): number {
  if (ms <= 0) throw usageError('--expires-in must be longer than zero');
  return ms;
}

function requireId(id: string | undefined): string {
  if (id === undefined || id.trim() === '') throw usageError('--id is required (see: scim-token list)');
  return id.trim();
}

async function openStore(
  values: {
    local?: boolean;
    dir?: string;
    'secret-id'?: string;
    stack?: string;
    region?: string;
    profile?: string;
  },
  io: CliIo,
): Promise<TokenStore> {
  const onWarning = (message: string) => io.stderr(`scim-token: warning: ${message}\n`);
  if (values.local) {
    const { resolve } = await import('node:path');
    return localTokenStore({ dir: resolve(io.cwd, values.dir ?? DEFAULT_LOCAL_DIR), onWarning });
  }
  const aws: AwsClientOptions = {
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
  };
  const secretId = await resolveSecretId({
    ...(values['secret-id'] !== undefined ? { secretId: values['secret-id'] } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
    env: io.env,
    cloudFormation: () => (io.cloudFormation ?? defaultCloudFormation)(aws),
  });
  return secretsManagerTokenStore({
    client: (io.secretsManager ?? defaultSecretsManager)(aws),
    secretId,
    onWarning,
    ...(io.sleep ? { sleep: io.sleep } : {}),
  });
}

// The SDK reads AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL itself; only the options are passed.
const defaultSecretsManager = (config: AwsClientOptions) => new SecretsManagerClient({ ...config });
const defaultCloudFormation = (config: AwsClientOptions) => new CloudFormationClient({ ...config });
const defaultApiGateway = (config: AwsClientOptions) => new APIGatewayClient({ ...config });

function describeIssued(verb: string, { token, record }: IssuedToken): string {
  const expiry = record.expiresAt ? `expires ${record.expiresAt}` : 'does not expire';
  return [
    `${verb} ${scopeOf(record)} token ${record.id} for tenant "${record.tenant}" (label "${record.label}"); it ${expiry}.`,
    'Copy it now: it is shown only this once and cannot be recovered.',
    '',
    `  ${token}`,
    '',
  ].join('\n');
}

function issuedJson({ token, record }: IssuedToken) {
  return {
    id: record.id,
    tenant: record.tenant,
    label: record.label,
    scope: scopeOf(record),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt ?? null,
    token,
  };
}

function table(rows: ReturnType<typeof listTokens>): string {
  if (rows.length === 0) return 'No tokens.\n';
  const cells = [
    ['ID', 'TENANT', 'LABEL', 'SCOPE', 'CREATED', 'EXPIRES'],
    ...rows.map((r) => [
      r.id,
      r.tenant,
      r.label,
      r.scope,
      r.createdAt,
      r.expiresAt === null ? 'never' : `${r.expiresAt}${r.expired ? ' (expired)' : ''}`,
    ]),
  ];
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return `${cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
