/**
 * Section 3: latency through the local HTTP server, next to its floor. A closed-loop driver
 * (each of c workers sends its next request when the previous answer arrives) over keep-alive
 * connections measures get, userName lookup, create and PATCH at concurrency 1 and 16. The
 * floor is one raw GetItem of the same user item on the same DynamoDB Local, measured in the
 * same run with the same driver shape, so the ratio shows what the SCIM layer adds on top of
 * the unavoidable database round trip.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { userKey } from '../../lambdas/store/keys';
import type { BenchEnv } from '../lib/env';
import { type BenchResponse, expectStatus, NotAvailable } from '../lib/http-client';
import type { LatencyRow, LatencySection } from '../lib/results';
import { ensureUsers } from '../lib/seed';
import {
  describeError,
  note,
  PATCH_SCHEMA,
  percentile,
  progress,
  round,
  runPool,
  userBody,
} from '../lib/util';

const CONCURRENCIES = [1, 16] as const;
const WARMUP = 30;
const TARGET_RATIO = 1.5;

interface Workload {
  readonly name: string;
  readonly run: (i: number) => Promise<BenchResponse | number>;
  readonly expect: number[];
}

export async function runLatencySection(env: BenchEnv, options: { large: boolean }): Promise<LatencySection> {
  const started = Date.now();
  const requestsAt = (c: number) => (c === 1 ? 200 : 640) * (options.large ? 2 : 1);
  const base = { measuredAt: new Date().toISOString(), large: options.large, targetRatio: TARGET_RATIO };
  let pool: string[];
  try {
    pool = await ensureUsers(env, 'latency', 200);
  } catch (error) {
    return { ...base, durationSeconds: 0, unavailable: describeError(error), rows: [] };
  }
  const client = env.client('latency');
  const names = new Map<string, string>();
  for (const id of pool.slice(0, 50)) {
    const response = await client.request('GET', `/Users/${id}`);
    if (response.status === 200) names.set(id, String(response.body.userName));
  }
  const pick = (i: number): string => pool[(i * 7919) % pool.length] as string;
  const nameOf = (i: number): string => {
    const ids = [...names.keys()];
    const id = ids[i % Math.max(1, ids.length)] as string;
    return names.get(id) ?? 'missing@example.com';
  };
  let created = 0;

  const raw = new DynamoDBClient({
    endpoint: env.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const floor: Workload = {
    name: 'floor: raw DynamoDB Local GetItem',
    expect: [],
    run: async (i) => {
      const key = userKey('bench-latency', pick(i));
      const t = process.hrtime.bigint();
      await raw.send(
        new GetItemCommand({ TableName: env.tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
      );
      return Number(process.hrtime.bigint() - t) / 1e6;
    },
  };
  const workloads: Workload[] = [
    floor,
    { name: 'get user by id', expect: [200], run: (i) => client.request('GET', `/Users/${pick(i)}`) },
    {
      name: 'userName eq lookup',
      expect: [200],
      run: (i) =>
        client.request(
          'GET',
          `/Users?filter=${encodeURIComponent(`userName eq "${nameOf(i)}"`)}&startIndex=1&count=100`,
        ),
    },
    {
      name: 'create user',
      expect: [201],
      run: () => {
        created += 1;
        return client.request('POST', '/Users', userBody(`lat.user${created}.${Date.now()}@example.com`));
      },
    },
    {
      name: 'PATCH one attribute',
      expect: [200, 204],
      run: (i) =>
        client.request('PATCH', `/Users/${pick(i)}`, {
          schemas: [PATCH_SCHEMA],
          Operations: [{ op: 'replace', path: 'title', value: `Title ${i}` }],
        }),
    },
  ];

  const rows: LatencyRow[] = [];
  try {
    for (const concurrency of CONCURRENCIES) {
      let floorP50: number | undefined;
      for (const workload of workloads) {
        const total = requestsAt(concurrency);
        progress(`  latency: ${workload.name} at concurrency ${concurrency}`, true);
        const row = await drive(workload, concurrency, total);
        if (workload === floor) floorP50 = row.p50;
        rows.push(
          floorP50 !== undefined && workload !== floor && row.p50 !== undefined
            ? { ...row, ratioToFloor: round(row.p50 / floorP50, 2) }
            : row,
        );
      }
    }
    // Console only (the report keeps the rows above): the same two requests alternating, so
    // that a change of the machine's load between the floor's block and the GET's block cannot
    // move the ratio. On a shared machine the blocks alone swing it by a factor of two;
    // bench/profile-latency.ts splits the GET into its phases.
    const paired = await interleaved(floor, workloads[1] as Workload, requestsAt(1));
    note(
      `  latency: floor and get alternating: ${paired.floor} ms and ${paired.get} ms p50, ${paired.ratio}× (not in the report)`,
    );
  } finally {
    raw.destroy();
  }
  const getAt1 = rows.find((r) => r.operation === 'get user by id' && r.concurrency === 1);
  note(`  latency: get p50 ${getAt1?.p50 ?? '—'} ms, ${getAt1?.ratioToFloor ?? '—'}× the floor`);
  return {
    ...base,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    rows,
    ...(getAt1?.ratioToFloor !== undefined
      ? { verdict: getAt1.ratioToFloor <= TARGET_RATIO ? ('meets' as const) : ('misses' as const) }
      : {}),
  };
}

/** p50 of `a` and `b` at concurrency 1, each request of one followed by one of the other. */
async function interleaved(
  a: Workload,
  b: Workload,
  total: number,
): Promise<{ floor: number | string; get: number | string; ratio: number | string }> {
  const times: [number[], number[]] = [[], []];
  try {
    for (let i = 0; i < WARMUP + total; i += 1) {
      for (const [k, workload] of [a, b].entries()) {
        const result = await workload.run(i);
        const ms =
          typeof result === 'number' ? result : expectStatus(result, workload.expect, workload.name).ms;
        if (i >= WARMUP) times[k]?.push(ms);
      }
    }
  } catch (error) {
    return { floor: '—', get: '—', ratio: describeError(error) };
  }
  const [pa, pb] = [percentile(times[0], 50), percentile(times[1], 50)];
  return { floor: round(pa), get: round(pb), ratio: round(pb / pa, 2) };
}

async function drive(workload: Workload, concurrency: number, total: number): Promise<LatencyRow> {
  const timings: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const one = async (i: number, keep: boolean): Promise<void> => {
    try {
      const result = await workload.run(i);
      const ms =
        typeof result === 'number' ? result : expectStatus(result, workload.expect, workload.name).ms;
      if (keep) timings.push(ms);
    } catch (error) {
      if (error instanceof NotAvailable) throw error;
      errors += 1;
      firstError ??= describeError(error);
    }
  };
  try {
    await runPool(WARMUP, concurrency, (i) => one(i, false));
    const started = process.hrtime.bigint();
    await runPool(total, concurrency, (i) => one(WARMUP + i, true));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      operation: workload.name,
      concurrency,
      requests: timings.length,
      p50: round(percentile(timings, 50)),
      p95: round(percentile(timings, 95)),
      p99: round(percentile(timings, 99)),
      throughput: round(timings.length / seconds, 0),
      errors,
      ...(firstError ? { note: firstError } : {}),
    };
  } catch (error) {
    return { operation: workload.name, concurrency, requests: 0, note: describeError(error) };
  }
}
