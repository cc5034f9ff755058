/**
 * Section 3: latency through the local HTTP server, next to its floor. A closed-loop driver
 * (each of c workers sends its next request when the previous answer arrives) over keep-alive
 * connections measures get, userName lookup, create, PATCH and add-member at concurrency 1 and
 * 16 (the writes also with their activity record as a separate PutItem, side by side). The
 * floor is one raw GetItem of the same user item on the same DynamoDB Local, measured in the
 * same run, so the ratio shows what the SCIM layer adds on top of the unavoidable database
 * round trip.
 *
 * Two things decided the ratio more than our code did, so the method controls them: DynamoDB
 * Local's JVM is 3-5x slower until its JIT has warmed up (2,000 unmeasured floor + get pairs go
 * first), and on a shared machine the load drifts between a block of floor requests and a block
 * of GETs (at concurrency 1 each workload alternates request by request with the floor and is
 * compared with the floor measured beside it). bench/profile-latency.ts splits a GET into its
 * phases.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { userKey } from '../../lambdas/store/keys';
import type { BenchEnv } from '../lib/env';
import { type BenchResponse, expectStatus, NotAvailable, type ScimHttpClient } from '../lib/http-client';
import type { LatencyRow, LatencySection } from '../lib/results';
import { ensureUsers } from '../lib/seed';
import {
  addMembersPatch,
  describeError,
  groupBody,
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
/** Floor + get pairs sent before anything is measured (DynamoDB Local's JIT warm-up). */
const JVM_WARMUP = 2_000;
const TARGET_RATIO = 1.5;
/** Shifts the twin's pick: another of the 200 users ((110 × 7919) mod 200 = 90) and of the 20 groups. */
const TWIN_OFFSET = 110;

interface Workload {
  readonly name: string;
  readonly run: (i: number) => Promise<BenchResponse | number>;
  readonly expect: number[];
  /** Measured request by request beside this one at concurrency 1 (the other activity design). */
  readonly twin?: Workload;
  /** Measured at this concurrency only. */
  readonly onlyAt?: number;
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
  const groups: string[] = [];
  for (let g = 0; g < 20; g += 1) {
    const response = await client.request('POST', '/Groups', groupBody(`lat.group${g}.${Date.now()}`));
    groups.push(String(expectStatus(response, [201], 'create group').body.id));
  }
  /**
   * A write workload twice, on the same data: its activity record riding along with the
   * write (as deployed) and as a PutItem of its own after it (the design before).
   */
  const separate = env.separateActivityClient('latency');
  const activityPair = (
    name: string,
    run: (on: ScimHttpClient, i: number) => Promise<BenchResponse>,
  ): Workload[] => {
    const twin: Workload = {
      name: `${name} (activity as a separate PutItem)`,
      expect: [200, 204],
      // Another user and group than its twin's in the same round: a second request on the same
      // item is answered faster by DynamoDB Local, which would favour whichever runs second.
      run: (i) => run(separate, i + TWIN_OFFSET),
    };
    return [{ name, expect: [200, 204], run: (i) => run(client, i), twin }, twin];
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
    ...activityPair('PATCH one attribute', (on, i) =>
      on.request('PATCH', `/Users/${pick(i)}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: `Title ${i}` }],
      }),
    ),
    ...activityPair('add 1 member', (on, i) =>
      on.request('PATCH', `/Groups/${groups[i % groups.length]}`, addMembersPatch([pick(i)])),
    ),
    {
      // Every worker's PATCH on the same group: its membership transactions meet on the group
      // item (the hot-group ceiling; docs/CAPACITY.md). 503 busy answers count as errors.
      name: 'add 1 member, all to one group (hot group)',
      expect: [200, 204],
      onlyAt: 16,
      run: (i) => client.request('PATCH', `/Groups/${groups[0]}`, addMembersPatch([pick(i)])),
    },
  ];

  const rows: LatencyRow[] = [];
  try {
    // DynamoDB Local is a JVM: until its JIT has compiled the request path, a GetItem takes
    // 3-5x longer than later, so whatever runs first would look slow. Warm it with the two
    // requests the target compares before anything is measured.
    progress(`  latency: warming DynamoDB Local (${JVM_WARMUP} floor + get pairs)`, true);
    await interleaved([floor, workloads[1] as Workload], 0, JVM_WARMUP);
    for (const concurrency of CONCURRENCIES) {
      const total = requestsAt(concurrency);
      if (concurrency === 1) {
        // At concurrency 1 every workload alternates with the floor (one floor GetItem, one
        // workload request, …), and its ratio is to the floor measured beside it: a change of
        // the machine's load during the run moves both alike instead of deciding the ratio.
        const floorTimes: number[] = [];
        const paired: LatencyRow[] = [];
        // A workload with a twin (the other activity design) rotates with it and the floor, so
        // the two are compared under the same load.
        const twins = new Set(workloads.flatMap((w) => (w.twin ? [w.twin] : [])));
        for (const workload of workloads.slice(1).filter((w) => !twins.has(w) && w.onlyAt === undefined)) {
          const group = [floor, workload, ...(workload.twin ? [workload.twin] : [])];
          progress(
            `  latency: ${group
              .slice(1)
              .map((w) => w.name)
              .join(' and ')} at concurrency 1, alternating with the floor`,
            true,
          );
          const measured = await interleaved(group, WARMUP, total);
          const floorTimes1 = measured.times[0] ?? [];
          if (workload === workloads[1]) floorTimes.push(...floorTimes1);
          const floorP50 = percentile(floorTimes1, 50);
          group.slice(1).forEach((w, k) => {
            const row = timingRow(
              w.name,
              1,
              measured.times[k + 1] ?? [],
              measured.errors,
              measured.firstError,
            );
            paired.push(
              row.p50 !== undefined && floorP50 > 0
                ? { ...row, ratioToFloor: round(row.p50 / floorP50, 2) }
                : row,
            );
          });
        }
        rows.push(timingRow(floor.name, 1, floorTimes, 0), ...paired);
        continue;
      }
      let floorP50: number | undefined;
      for (const workload of workloads.filter((w) => (w.onlyAt ?? concurrency) === concurrency)) {
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

interface Interleaved {
  /** Per workload, in the order given. */
  readonly times: number[][];
  readonly errors: number;
  readonly firstError?: string;
}

/** The workloads at concurrency 1, in rotation: one request of each, then again. */
async function interleaved(group: readonly Workload[], warmup: number, total: number): Promise<Interleaved> {
  const times: number[][] = group.map(() => []);
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < warmup + total; i += 1) {
    for (const [k, workload] of group.entries()) {
      try {
        const result = await workload.run(i);
        const ms =
          typeof result === 'number' ? result : expectStatus(result, workload.expect, workload.name).ms;
        if (i >= warmup) times[k]?.push(ms);
      } catch (error) {
        if (error instanceof NotAvailable) throw error;
        errors += 1;
        firstError ??= describeError(error);
      }
    }
  }
  return { times, errors, ...(firstError ? { firstError } : {}) };
}

function timingRow(
  operation: string,
  concurrency: number,
  timings: number[],
  errors: number,
  firstError?: string,
): LatencyRow {
  return {
    operation,
    concurrency,
    requests: timings.length,
    p50: round(percentile(timings, 50)),
    p95: round(percentile(timings, 95)),
    p99: round(percentile(timings, 99)),
    errors,
    ...(firstError ? { note: firstError } : {}),
  };
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
