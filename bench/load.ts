/**
 * `npm run load`: a bounded load test with a reconciliation at the end. Starts DynamoDB Local
 * and the local SCIM server in this process (bench/lib/env.ts), runs N connections of an
 * Okta-like mix (create, look up by userName, PATCH active, PUT, Group Push member add/remove,
 * GET, delete) for a fixed time, then checks that nothing acknowledged was lost.
 *
 *   npm run load                                  60 s, 32 connections
 *   npm run load -- --duration 10 --connections 8
 *
 * Exit status 1 when any response was ≥ 500 or the reconciliation found a difference.
 * What is reconciled, and why it is not part of `npm test`: docs/DECISIONS.md.
 */
import '../local/log-defaults';
import { seededRandom } from '../test/support/seeded-random';
import { startBenchEnv } from './lib/env';
import { note, percentile, progress, round } from './lib/util';
import { type Expected, reconcile } from './load/reconcile';
import { type LoadStats, newStats, type OperationName, record } from './load/stats';
import { type Worker, workerStep } from './load/workload';

interface Options {
  readonly durationSeconds: number;
  readonly connections: number;
}

function parseArgs(argv: readonly string[]): Options {
  let durationSeconds = 60;
  let connections = 32;
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = (argv[i] as string).split('=', 2);
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--duration') durationSeconds = value();
    else if (flag === '--connections') connections = value();
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write('npm run load [-- --duration <seconds>] [-- --connections <n>]\n');
      process.exit(0);
    } else throw new Error(`Unknown argument ${argv[i]}`);
  }
  if (!(durationSeconds > 0) || !Number.isInteger(connections) || connections < 1) {
    throw new Error('--duration must be > 0 seconds and --connections a whole number ≥ 1');
  }
  return { durationSeconds, connections };
}

const GROUPS = 8;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  note('Starting DynamoDB Local and the local SCIM server…');
  const env = await startBenchEnv();
  let failed = false;
  try {
    const client = env.client('latency');
    const expected: Expected = { users: new Map(), groups: new Map() };
    for (let g = 0; g < GROUPS; g++) {
      const res = await client.request('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `load group ${g}`,
      });
      if (res.status !== 201) throw new Error(`group set-up: HTTP ${res.status}`);
      expected.groups.set(res.body.id, new Set());
    }
    const stats: LoadStats = newStats();
    const deadline = Date.now() + options.durationSeconds * 1000;
    const started = Date.now();
    note(`Load: ${options.connections} connections for ${options.durationSeconds} s against ${env.baseUrl}`);
    const workers: Worker[] = Array.from({ length: options.connections }, (_, i) => ({
      index: i,
      serial: 0,
      users: [],
      groupIds: [...expected.groups.keys()],
      expected,
      client,
      random: seededRandom(i + 1),
    }));
    await Promise.all(
      workers.map(async (worker) => {
        while (Date.now() < deadline) {
          const outcome = await workerStep(worker);
          record(stats, outcome.operation as OperationName, outcome.status, outcome.ms, outcome.unexpected);
          progress(
            `  ${stats.total} requests, ${stats.serverErrors} ≥ 500, ${stats.unexpected.length} unexpected`,
          );
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    note('Reconciling…');
    const problems = await reconcile(env, client, expected);
    const report = {
      durationSeconds: round(seconds, 1),
      connections: options.connections,
      requests: stats.total,
      requestsPerSecond: round(stats.total / seconds, 1),
      latencyMs: {
        p50: round(percentile(stats.latencies, 50), 1),
        p90: round(percentile(stats.latencies, 90), 1),
        p99: round(percentile(stats.latencies, 99), 1),
        max: round(Math.max(...stats.latencies), 1),
      },
      byOperation: Object.fromEntries(
        [...stats.byOperation].map(([op, s]) => [
          op,
          {
            count: s.latencies.length,
            p50: round(percentile(s.latencies, 50), 1),
            p99: round(percentile(s.latencies, 99), 1),
            statuses: s.statuses,
          },
        ]),
      ),
      responses5xx: stats.serverErrors,
      unexpected: stats.unexpected.slice(0, 20),
      unexpectedCount: stats.unexpected.length,
      reconciliation: {
        usersAlive: [...expected.users.values()].filter((u) => !u.deleted).length,
        usersDeleted: [...expected.users.values()].filter((u) => u.deleted).length,
        problems,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    failed = stats.serverErrors > 0 || problems.length > 0;
    note(
      failed
        ? 'LOAD FAILED: responses ≥ 500 or reconciliation problems (see above)'
        : 'Load OK: no 5xx, nothing lost',
    );
  } finally {
    await env.stop().catch(() => undefined);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
