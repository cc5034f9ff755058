/**
 * `npm run bench:feed-lag`: how long after a SCIM write's response its change-feed entry can be
 * read (GET /Events), on the local server with the local stream follower writing the feed, and
 * what a feed page costs in DynamoDB. Prints p50/p99/max; docs/CONSUMING.md quotes a run.
 * Local numbers: DynamoDB Local's stream and the follower's poll interval (50 ms here) dominate;
 * a deployed stack adds the Lambda event-source mapping's batching (see docs/CONSUMING.md).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localFeedWriter } from '../local/feed-writer';
import { followTableStream } from '../local/stream-events';
import { startBenchEnv } from './lib/env';

const WRITES = Number(process.env.FEED_LAG_WRITES ?? 200);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  const env = await startBenchEnv();
  const admin = new DynamoDBClient({
    endpoint: env.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const follower = await followTableStream({
    admin,
    endpoint: env.endpoint,
    tableName: env.tableName,
    sink: localFeedWriter(env.endpoint, env.tableName),
    pollMs: 50,
  });
  try {
    const client = env.client('cost');
    let cursor = (await client.request('GET', '/Events?start=now')).body.cursor as string;
    const lags: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const created = await client.request('POST', '/Users', {
        schemas: [USER],
        userName: `lag${i}@example.com`,
      });
      if (created.status !== 201) throw new Error(`POST /Users answered ${created.status}`);
      const answered = performance.now();
      for (;;) {
        const page = await client.request('GET', `/Events?cursor=${encodeURIComponent(cursor)}`);
        cursor = page.body.cursor;
        const events = page.body.events as { sub_id: { uri: string } }[];
        if (events.some((e) => e.sub_id.uri === `/Users/${created.body.id}`)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      lags.push(performance.now() - answered);
    }
    lags.sort((a, b) => a - b);
    const first = await client.request('GET', '/Events?count=100');
    const cost = first.cost;
    process.stdout.write(
      [
        `feed lag over ${WRITES} writes (SCIM response → entry readable): p50 ${quantile(lags, 0.5).toFixed(0)} ms, p99 ${quantile(lags, 0.99).toFixed(0)} ms, max ${(lags.at(-1) ?? 0).toFixed(0)} ms`,
        `feed page of ${first.body.events.length}: ${cost?.requests} request(s) ${JSON.stringify(cost?.byCommand)}, ${cost?.readCapacityUnits} RCU, ${cost?.writeCapacityUnits} WCU`,
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
  } finally {
    await follower.stop();
    admin.destroy();
    await env.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
