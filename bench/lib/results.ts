/**
 * The shape of bench/results/latest.json. Sections are optional so `--only <name>` can refresh
 * one section and keep the others from the previous run.
 */
import type { DynamoCost } from '../../lambdas/observability/dynamo-cost';

export type SectionName = 'cost' | 'import' | 'latency' | 'cold-start' | 'large-group';
/**
 * Run order. Cold start goes first, before DynamoDB Local's JVM exists: a busy or
 * garbage-collecting JVM on the same cores distorts process start-up timings. Import seeds the
 * users that cost and large-group reuse as members.
 */
export const SECTION_NAMES: readonly SectionName[] = [
  'cold-start',
  'import',
  'cost',
  'large-group',
  'latency',
];

export type Verdict = 'meets' | 'misses' | 'no target';

interface SectionBase {
  readonly measuredAt: string;
  readonly large: boolean;
  readonly durationSeconds: number;
  /** Set when the whole section could not run (endpoint not built yet, or it failed). */
  readonly unavailable?: string;
}

export interface CostRow {
  readonly operation: string;
  readonly target: string;
  readonly samples: number;
  /** Worst sample: targets are upper bounds. */
  readonly cost?: DynamoCost;
  readonly reads?: number;
  readonly writes?: number;
  /** Worst sample of what the stream consumer then spent on the request's records. */
  readonly consumer?: ConsumerCost;
  readonly verdict: Verdict | 'not available' | 'failed';
  readonly note?: string;
}

/**
 * The deployed stream consumer's work for the records one request wrote, in a batch of its own
 * (an upper bound: a batch of many records shares the feed counter's write and the invocation):
 * its DynamoDB requests (activity items, change feed, orphan-membership check) and the change
 * events it publishes (one EventBridge entry each, deployed).
 */
export interface ConsumerCost {
  readonly cost: DynamoCost;
  readonly events: number;
  /**
   * Consumer invocations: batches the deployed event filter passes (users, groups, memberships;
   * the records of the consumer's own writes pass only when it removed orphan memberships).
   */
  readonly invocations: number;
}

export interface CostSection extends SectionBase {
  readonly rows: CostRow[];
}

export interface PageSample {
  readonly page: number;
  readonly items: number;
  readonly startIndex?: number;
  readonly requests: number;
  readonly reads: number;
  readonly rcu: number;
  readonly ms: number;
}

export interface PagingRun {
  readonly mode: 'startIndex' | 'cursor';
  readonly supported: boolean;
  readonly note?: string;
  readonly pages?: number;
  readonly resourcesSeen?: number;
  readonly distinctIds?: number;
  readonly totalRequests?: number;
  readonly totalReads?: number;
  readonly totalRcu?: number;
  readonly seconds?: number;
  readonly first?: PageSample;
  readonly middle?: PageSample;
  readonly last?: PageSample;
  readonly verdict?: Verdict;
}

export interface ImportSection extends SectionBase {
  readonly users: number;
  readonly pageSize: number;
  readonly seedSeconds?: number;
  readonly runs: PagingRun[];
}

export interface LatencyRow {
  readonly operation: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly throughput?: number;
  readonly errors?: number;
  /** p50 over the floor's p50 at the same concurrency. */
  readonly ratioToFloor?: number;
  readonly note?: string;
}

export interface LatencySection extends SectionBase {
  readonly rows: LatencyRow[];
  readonly targetRatio: number;
  readonly verdict?: Verdict;
}

export interface BundleRow {
  readonly name: string;
  /** Bundling variant; the first one of a run is the deploy setting the targets apply to. */
  readonly variant: string;
  readonly bytes: number;
  /** Wall time of the require(), median over the spawns. */
  readonly initMedianMs: number;
  /** CPU time (user + system) of the require(), median; the ratio to the hello-world uses it. */
  readonly initCpuMedianMs?: number;
  readonly initSamplesMs: number[];
  readonly initCpuSamplesMs?: number[];
  readonly ratioToHello?: number;
  readonly sizeVerdict?: Verdict;
  readonly initVerdict?: Verdict;
  readonly note?: string;
}

export interface ColdStartSection extends SectionBase {
  readonly bundling: string;
  readonly spawns: number;
  readonly rows: BundleRow[];
}

export interface GroupOpRow {
  readonly operation: string;
  readonly empty?: DynamoCost;
  readonly large?: DynamoCost;
  readonly emptyMs?: number;
  readonly largeMs?: number;
  readonly mustMatch: boolean;
  readonly verdict: Verdict | 'not available' | 'failed';
  readonly note?: string;
}

export interface LargeGroupSection extends SectionBase {
  readonly members: number;
  readonly fillSeconds?: number;
  readonly rows: GroupOpRow[];
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly dynamoDbLocal: string;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly command: string;
  readonly machine: Machine;
  readonly sections: {
    cost?: CostSection;
    import?: ImportSection;
    latency?: LatencySection;
    'cold-start'?: ColdStartSection;
    'large-group'?: LargeGroupSection;
  };
}
