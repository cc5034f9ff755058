/**
 * Section 4: what a Lambda cold start pays for our code. Each handler is bundled with esbuild
 * (minified CommonJS for Node 22, the deploy settings) and `require()`d in a fresh `node`
 * process; the time is taken inside that process with process.hrtime, so process start-up is
 * left out and only module initialisation is measured. The yardstick is a hello-world bundle
 * that imports one DynamoDBClient, bundled and loaded the same way in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { ROUTES, type RouteTarget } from '../../lambdas/routes';
import { createSchemaRegistry } from '../../lambdas/scim/schema/registry';
import { VALIDATORS_SPECIFIER } from '../../lambdas/scim/schema/validator-contract';
import {
  esbuildBuildOptions,
  HANDLER_BUNDLE,
  HANDLER_ENVIRONMENT,
  type HandlerName,
  handlerEntry,
  SOURCE_MAPS_NODE_OPTION,
} from '../../lib/bundling';
import { handlerValidators } from '../../lib/validators-build';
import type { BundleRow, ColdStartSection } from '../lib/results';
import { median, note, progress, round } from '../lib/util';

const MAX_BYTES = 300 * 1024;
/**
 * Every function the stack can deploy: each route target (new ones flow in) and the others,
 * listed as a record so that a new kind of function fails to compile until it is measured here.
 */
const OTHER_FUNCTIONS: Record<Exclude<HandlerName, RouteTarget>, true> = {
  events: true,
  authorizer: true,
  'webhook-enqueue': true,
  'webhook-send': true,
};
const HANDLER_NAMES: readonly HandlerName[] = [
  ...new Set(ROUTES.map((route) => route.target)),
  ...(Object.keys(OTHER_FUNCTIONS) as (keyof typeof OTHER_FUNCTIONS)[]),
];
const MAX_RATIO = 1.3;
const HELLO_NAME = 'hello-world (1 DynamoDBClient)';

/**
 * How each variant is bundled and started. The first is exactly what `cdk deploy` uploads
 * (lib/bundling.ts, shared with the stack) started as Lambda starts it (NODE_OPTIONS from
 * lib/bundling.ts, which the function constructs apply); the targets apply to it. The others
 * show what a setting costs or saves.
 */
interface Variant {
  readonly label: string;
  readonly options: (entry: string, outfile: string) => BuildOptions;
  readonly nodeOptions?: string;
}

// Each handler gets the validators the stack generates for it, for a registry without
// extensions (lib/validators-build.ts); the hello-world gets none.
const deployOptions = (entry: string, outfile: string): BuildOptions => {
  const handler = HANDLER_NAMES.find((name) => entry === handlerEntry(name));
  return esbuildBuildOptions(
    entry,
    outfile,
    handler ? handlerValidators(createSchemaRegistry(), handler) : undefined,
  );
};
const deployNodeOptions = HANDLER_ENVIRONMENT.NODE_OPTIONS;

const VARIANTS: readonly Variant[] = [
  {
    label: `deploy (lib/bundling.ts, ${HANDLER_BUNDLE.target}${deployNodeOptions ? `, ${deployNodeOptions}` : ''})`,
    options: deployOptions,
    ...(deployNodeOptions ? { nodeOptions: deployNodeOptions } : {}),
  },
  {
    label: `deploy + NODE_OPTIONS=${SOURCE_MAPS_NODE_OPTION} (readable stack traces)`,
    options: deployOptions,
    nodeOptions: SOURCE_MAPS_NODE_OPTION,
  },
  {
    label:
      'deploy without the bundle-time SDK shims (default credential chain, event streams, endpoint discovery)',
    options: (e, o) => {
      const options = deployOptions(e, o);
      return { ...options, alias: { [VALIDATORS_SPECIFIER]: options.alias?.[VALIDATORS_SPECIFIER] ?? '' } };
    },
  },
  {
    label: "esbuild's default mainFields (main first), no source maps",
    options: (e, o) => {
      const { mainFields: _default, ...rest } = deployOptions(e, o);
      return { ...rest, sourcemap: false };
    },
  },
];

const HELLO_WORLD = `
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
let client: DynamoDBClient | undefined;
export const handler = async () => {
  client ??= new DynamoDBClient({});
  return client.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }));
};
`;

// Wall time and CPU time of the require(). CPU time barely moves when neighbours load the
// machine (wall time can double), so the ratio to the hello-world is taken on CPU time; on an
// idle machine, as in a Lambda INIT with its own vCPU, the two are close.
const MEASURE = `
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
require(process.argv[1]);
const wall = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wall, cpu: (used.user + used.system) / 1000 }));
`;

interface InitSample {
  readonly wall: number;
  readonly cpu: number;
}

interface Bundle {
  readonly name: string;
  readonly variant: string;
  readonly nodeOptions?: string;
  readonly file: string;
  readonly bytes: number;
  readonly error?: string;
}

export async function runColdStartSection(options: {
  large: boolean;
  spawns?: number;
}): Promise<ColdStartSection> {
  const started = Date.now();
  const spawns = options.spawns ?? (options.large ? 20 : 12);
  const root = resolve(__dirname, '..', '..');
  const out = mkdtempSync(join(tmpdir(), 'scim-bench-bundles-'));
  try {
    const helloSource = join(out, 'hello-world.ts');
    writeFileSync(helloSource, HELLO_WORLD);
    // The deployed functions only: lambdas/handlers/ also holds shared modules (resource-handler.ts).
    const entries: { name: string; source: string }[] = [
      { name: HELLO_NAME, source: helloSource },
      ...[...HANDLER_NAMES].sort().map((name) => ({ name, source: handlerEntry(name) })),
    ];
    const bundles: Bundle[] = [];
    for (const [v, variant] of VARIANTS.entries()) {
      for (const entry of entries) {
        progress(`  cold start: bundling ${entry.name} (${variant.label})`, true);
        const file = join(out, `${v}-${entry.name.split(' ')[0]}.js`);
        try {
          const result = await build({
            ...variant.options(entry.source, file),
            absWorkingDir: root,
            nodePaths: [join(root, 'node_modules')],
            metafile: v === 0,
          });
          if (result.metafile)
            note(`  cold start: ${entry.name} biggest inputs: ${biggestInputs(result.metafile)}`);
          bundles.push({
            name: entry.name,
            variant: variant.label,
            file,
            bytes: statSync(file).size,
            ...(variant.nodeOptions ? { nodeOptions: variant.nodeOptions } : {}),
          });
        } catch (error) {
          const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
          bundles.push({ name: entry.name, variant: variant.label, file, bytes: 0, error: message });
        }
      }
    }
    // Round-robin spawns, so a machine-wide slowdown hits every bundle alike.
    const samples = new Map<Bundle, InitSample[]>(bundles.map((b) => [b, []]));
    for (let pass = 0; pass < spawns; pass += 1) {
      progress(`  cold start: spawn round ${pass + 1}/${spawns}`, true);
      for (const bundle of bundles) {
        if (!bundle.error) samples.get(bundle)?.push(initTime(bundle.file, bundle.nodeOptions));
      }
    }
    const rows: BundleRow[] = bundles.map((bundle) => {
      if (bundle.error) {
        return {
          name: bundle.name,
          variant: bundle.variant,
          bytes: 0,
          initMedianMs: Number.NaN,
          initSamplesMs: [],
          note: `bundling failed: ${bundle.error}`,
        };
      }
      const times = samples.get(bundle) ?? [];
      const hello = bundles.find((b) => b.variant === bundle.variant && b.name === HELLO_NAME);
      const helloCpu = hello ? median((samples.get(hello) ?? []).map((t) => t.cpu)) : Number.NaN;
      const cpuMedian = median(times.map((t) => t.cpu));
      const ratio = round(cpuMedian / helloCpu, 2);
      return {
        name: bundle.name,
        variant: bundle.variant,
        bytes: bundle.bytes,
        initMedianMs: round(median(times.map((t) => t.wall)), 1),
        initCpuMedianMs: round(cpuMedian, 1),
        initSamplesMs: times.map((t) => round(t.wall, 1)),
        initCpuSamplesMs: times.map((t) => round(t.cpu, 1)),
        ...(bundle.name === HELLO_NAME
          ? {}
          : {
              ratioToHello: ratio,
              sizeVerdict: bundle.bytes <= MAX_BYTES ? ('meets' as const) : ('misses' as const),
              initVerdict: ratio <= MAX_RATIO ? ('meets' as const) : ('misses' as const),
            }),
      };
    });
    note(
      `  cold start: ${rows
        .filter((r) => r.variant === VARIANTS[0]?.label)
        .map((r) => `${r.name} ${Math.round(r.bytes / 1024)} KB ${r.initCpuMedianMs} ms CPU`)
        .join('; ')}`,
    );
    return {
      measuredAt: new Date().toISOString(),
      large: options.large,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      bundling: describeOptions(VARIANTS[0]?.options('handler.ts', 'handler.js') ?? {}),
      spawns,
      rows,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function initTime(file: string, nodeOptions: string | undefined): InitSample {
  const output = execFileSync(process.execPath, ['-e', MEASURE, file], {
    encoding: 'utf8',
    // What Lambda sets before INIT; no credentials are needed to load a module.
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'scim-bench-cold-start',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_ENV: 'production',
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(output) as InitSample;
}

function describeOptions(options: BuildOptions): string {
  const flags = (['bundle', 'minify', 'sourcemap'] as const).filter((k) => options[k]).join(', ');
  return `esbuild ${flags}, platform ${options.platform}, target ${String(options.target)}, format ${options.format}, mainFields ${options.mainFields?.join(',') ?? 'default'}`;
}

/**
 * The packages (or our own top-level folders) that put the most bytes into a bundle, from
 * esbuild's metafile: where to look first when a bundle grows.
 */
function biggestInputs(metafile: Metafile, top = 6): string {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const owner =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? /^(lambdas\/[^/]+)/.exec(path)?.[1] ?? path;
      bytes.set(owner, (bytes.get(owner) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([owner, size]) => `${owner} ${round(size / 1024, 1)} KB`)
    .join(', ');
}
