/**
 * `npm start`: the SCIM server on localhost, backed by DynamoDB Local, running the same handler
 * functions the Lambdas run. See README "Run it locally" for the environment it honours.
 */
import '../local/log-defaults';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fileTokenSource } from '../lambdas/auth/file-token-source';
import { DEFAULT_TENANT_RATE_LIMIT, parseRateLimit, type RateLimit } from '../lambdas/auth/rate-limit';
import { generateToken } from '../lambdas/auth/token-format';
import { ENV } from '../lambdas/deployment';
import { jsonLinesSink } from '../lambdas/events/event-sink';
import { handler as activityHandler } from '../lambdas/handlers/activity';
import { handler as discoveryHandler } from '../lambdas/handlers/discovery';
import { handler as feedHandler } from '../lambdas/handlers/feed';
import { handler as groupsHandler } from '../lambdas/handlers/groups';
import { handler as usersHandler } from '../lambdas/handlers/users';
import { ensureTable } from '../lambdas/store/ensure-table';
import { localConsoleAssets, localConsoleHandler } from '../local/console-files';
import { type DevToken, parseLocalTokens, validateDevToken, writeDevTokens } from '../local/dev-tokens';
import { type DynamoDbLocal, JavaMissingError, startDynamoDbLocal } from '../local/dynamodb-local';
import { localActivityWriter, localFeedWriter, localOrphanMembershipRemover } from '../local/feed-writer';
import { createLocalServer, listen } from '../local/http-server';
import { followTableStream, type StreamFollower, summarizeEvent } from '../local/stream-events';
import { tenantGate } from '../local/tenant-gate';
import { type LocalWebhooks, localWebhooks, webhookAttemptLine } from '../local/webhooks';

const DEFAULT_PORT = 7643;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT "${process.env.PORT}" is not a port`);
  const tenantLimit = localTenantLimit(process.env.SCIM_LOCAL_RATE_LIMIT);
  const generated = process.env.SCIM_DEV_TOKEN === undefined || process.env.SCIM_DEV_READ_TOKEN === undefined;
  const writeToken: DevToken = { tenant: 'default', token: process.env.SCIM_DEV_TOKEN ?? generateToken() };
  const readToken: DevToken = {
    tenant: 'default',
    token: process.env.SCIM_DEV_READ_TOKEN ?? generateToken(),
    scope: 'read',
  };
  const tokens: DevToken[] = [writeToken, readToken, ...parseLocalTokens(process.env.SCIM_LOCAL_TOKENS)];
  // The rule authentication applies, checked before anything is created or started.
  validateDevToken(writeToken, 'SCIM_DEV_TOKEN');
  validateDevToken(readToken, 'SCIM_DEV_READ_TOKEN');
  if (readToken.token === writeToken.token)
    throw new Error('SCIM_DEV_READ_TOKEN must differ from SCIM_DEV_TOKEN');
  for (const token of tokens.slice(2)) validateDevToken(token, 'SCIM_LOCAL_TOKENS');
  const inMemory = process.env.SCIM_IN_MEMORY === '1' || process.env.SCIM_IN_MEMORY === 'true';
  const stateDir = inMemory ? mkdtempSync(join(tmpdir(), 'scim-local-')) : resolve('.scim-local');
  const tableName = process.env.TABLE_NAME ?? 'scim-local';

  let dynamo: DynamoDbLocal | undefined;
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    dynamo = await startDynamoDbLocal(inMemory ? {} : { dataDir: join(stateDir, 'dynamodb') });
    endpoint = dynamo.endpoint;
  }
  let follower: StreamFollower | undefined;
  // The pushed SETs' `iss`: the base URL, known once the server listens (SCIM_BASE_URL wins).
  let issuer: string | undefined = process.env.SCIM_BASE_URL;
  const webhooks = webhooksFromEnv(process.env, () => issuer);
  // Where `scim-activity --local` finds this server's DynamoDB and table while it runs.
  const serverInfo = join(resolve('.scim-local'), 'server.json');
  const stop = async (code: number): Promise<never> => {
    // Only our own record: a second server started meanwhile (another port) wrote its own.
    if (recordedPid(serverInfo) === process.pid) rmSync(serverInfo, { force: true });
    await follower?.stop().catch(() => undefined);
    webhooks?.stop();
    await dynamo?.stop();
    if (inMemory) rmSync(stateDir, { recursive: true, force: true });
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stdout.write('\nStopping…\n');
      void stop(0);
    });
  }

  try {
    const admin = new DynamoDBClient({
      endpoint,
      region: process.env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const state = await ensureTable(admin, tableName);

    // Change events, as the Lambda publisher would put them on EventBridge (docs/EVENTS.md).
    // Started before the server accepts writes, so no write is missed.
    const eventsFile = join(stateDir, 'events.jsonl');
    const fileSink = jsonLinesSink(eventsFile);
    // The change feed (GET /Events, docs/CONSUMING.md) is written first, as the Lambda does.
    const feed = localFeedWriter(endpoint, tableName);
    try {
      follower = await followTableStream({
        admin,
        endpoint,
        tableName,
        sink: {
          async publish(events) {
            await feed.publish(events);
            await fileSink.publish(events);
            for (const event of events) process.stdout.write(`${summarizeEvent(event)}\n`);
          },
        },
        writeActivity: localActivityWriter(endpoint, tableName),
        removeOrphanMemberships: localOrphanMembershipRemover(endpoint, tableName),
        onError: (error) =>
          process.stderr.write(`change events: ${error instanceof Error ? error.message : String(error)}\n`),
        ...(webhooks
          ? { onChanges: (changes: Parameters<LocalWebhooks['enqueue']>[0]) => webhooks.enqueue(changes) }
          : {}),
      });
      // The follower writes the activity items single writes stamp, as the deployed consumer does.
      process.env[ENV.activityFromStream] = '1';
    } catch (error) {
      process.stderr.write(
        `Change events are off: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }

    const tokenFile = join(stateDir, 'tokens.json');
    writeDevTokens(tokenFile, tokens);
    process.env[ENV.tableName] = tableName;
    process.env[ENV.dynamoEndpoint] = endpoint;
    process.env[ENV.tokenFile] = tokenFile;

    // The exact handler functions Lambda runs; their runtime is built from the environment above
    // on the first request.
    // The console is built before the server listens, so a build error stops the start.
    localConsoleAssets();
    // Per-tenant rate limits before any handler runs, as the deployed gateway's usage plans (docs/FAIRNESS.md).
    const server = createLocalServer(
      {
        users: usersHandler,
        groups: groupsHandler,
        discovery: discoveryHandler,
        console: localConsoleHandler,
        feed: feedHandler,
        activity: activityHandler,
      },
      { gate: tenantGate({ source: fileTokenSource(tokenFile), tenantDefault: tenantLimit }) },
    );
    const bound = await listen(server, port);

    const baseUrl = `http://127.0.0.1:${bound}/scim/v2`;
    issuer ??= baseUrl;
    mkdirSync(resolve('.scim-local'), { recursive: true });
    writeFileSync(serverInfo, JSON.stringify({ baseUrl, endpoint, tableName, pid: process.pid }, null, 2), {
      mode: 0o600,
    });
    const lines = [
      '',
      `SCIM server ready: ${baseUrl}`,
      `  Console: http://127.0.0.1:${bound}/console (paste a token to sign in)`,
      `  DynamoDB: ${endpoint} (table ${tableName}, ${state === 'created' ? 'created' : 'existing'}${
        dynamo ? (inMemory ? ', in memory' : `, data in ${join(stateDir, 'dynamodb')}`) : ''
      })`,
      `  Tenant "default" tokens${generated ? ' (new on every start unless SCIM_DEV_TOKEN / SCIM_DEV_READ_TOKEN are set)' : ''}:`,
      `write token: ${writeToken.token}`,
      `read token: ${readToken.token}`,
      ...tokens
        .slice(2)
        .map((t) => `  Tenant "${t.tenant}": ${t.scope ?? 'write'} token from SCIM_LOCAL_TOKENS`),
      ...(follower ? [`  Change events: ${eventsFile}`] : []),
      ...(follower && webhooks
        ? [`  Webhooks: change-feed entries are POSTed to ${process.env.SCIM_WEBHOOK_URL}`]
        : []),
      `  Rate limit per tenant: ${tenantLimit.rate}/s, burst ${tenantLimit.burst} (SCIM_LOCAL_RATE_LIMIT; docs/FAIRNESS.md)`,
      '',
      `  curl -H "Authorization: Bearer ${writeToken.token}" ${baseUrl}/ServiceProviderConfig`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    await stop(1);
  }
}

/** SCIM_LOCAL_RATE_LIMIT=<rate>:<burst>, each tenant's default limit; overrides: `scim-token limit --local`. */
function localTenantLimit(spec: string | undefined): RateLimit {
  if (spec === undefined || spec === '') return DEFAULT_TENANT_RATE_LIMIT;
  const [rate, burst] = spec.split(':');
  const limit = parseRateLimit({ rate: Number(rate), burst: Number(burst) });
  if (!limit) {
    throw new Error(
      `SCIM_LOCAL_RATE_LIMIT "${spec}" is not <rate>:<burst> (requests/s > 0, a whole burst ≥ 1, both at most 10000)`,
    );
  }
  return limit;
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${error instanceof JavaMissingError ? '' : 'Failed to start: '}${message}\n`);
  process.exit(1);
});

/** SCIM_WEBHOOK_URL and SCIM_WEBHOOK_SECRET together turn local webhook delivery on (docs/WEBHOOKS.md). */
function webhooksFromEnv(
  env: NodeJS.ProcessEnv,
  issuer: () => string | undefined,
): LocalWebhooks | undefined {
  const url = env.SCIM_WEBHOOK_URL;
  const secret = env.SCIM_WEBHOOK_SECRET;
  if (!url && !secret) return undefined;
  if (!url || !secret) throw new Error('Set SCIM_WEBHOOK_URL and SCIM_WEBHOOK_SECRET together');
  if (!/^https?:\/\//.test(url)) throw new Error('SCIM_WEBHOOK_URL must be an http(s) URL');
  return localWebhooks({
    url,
    secret,
    issuer,
    onAttempt: (a) => process.stdout.write(`${webhookAttemptLine(a)}\n`),
  });
}

/** The pid a server record names, or undefined when there is none (or it cannot be read). */
function recordedPid(file: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}
