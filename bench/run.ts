/**
 * `npm run bench`: starts DynamoDB Local and the local SCIM server in this process, runs the
 * measurements of issue 8, writes bench/results/latest.json and regenerates the tables in
 * docs/BENCHMARKS.md. Progress goes to stderr. Benchmarks never run inside `npm test`: timing
 * assertions on a shared CI machine would be flaky, and the numbers belong in a report.
 *
 *   npm run bench                      default sizes, a few minutes
 *   npm run bench -- --large           100,000-user import and 100,000-member group
 *   npm run bench -- --only latency    some sections, comma-separated (cold-start, import, cost,
 *                                      large-group, latency); the others keep their saved results
 */
import '../local/log-defaults';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { refreshCapacityDocument } from './capacity/render';
import { type BenchEnv, startBenchEnv } from './lib/env';
import { describeMachine } from './lib/machine';
import { listMisses, renderTables, updateDocument } from './lib/report';
import { type BenchResults, SECTION_NAMES, type SectionName } from './lib/results';
import { describeError, note } from './lib/util';
import { runColdStartSection } from './sections/cold-start';
import { runCostSection } from './sections/cost';
import { runImportSection } from './sections/import';
import { runLargeGroupSection } from './sections/large-group';
import { runLatencySection } from './sections/latency';

const ROOT = resolve(__dirname, '..');
// Overridable so a trial run does not overwrite the published numbers.
const RESULTS_FILE = resolve(process.env.BENCH_RESULTS_FILE ?? join(ROOT, 'bench', 'results', 'latest.json'));
const DOC_FILE = resolve(process.env.BENCH_DOC_FILE ?? join(ROOT, 'docs', 'BENCHMARKS.md'));
const CAPACITY_FILE = join(ROOT, 'docs', 'CAPACITY.md');

interface Options {
  readonly large: boolean;
  readonly only: readonly SectionName[] | undefined;
  /** Regenerate docs/BENCHMARKS.md from the saved results without measuring anything. */
  readonly reportOnly: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let large = false;
  let reportOnly = false;
  let only: SectionName[] | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--large') large = true;
    else if (arg === '--report-only') reportOnly = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      let value = arg.slice('--only='.length);
      if (!arg.includes('=')) {
        i += 1;
        value = argv[i] ?? '';
      }
      const names = value.split(',').map((n) => n.trim());
      const unknown = names.filter((n) => !SECTION_NAMES.includes(n as SectionName));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only takes one or more of: ${SECTION_NAMES.join(', ')} (comma-separated)`);
      }
      only = names as SectionName[];
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'npm run bench [-- --large] [-- --only <cold-start,import,cost,large-group,latency>] [-- --report-only]\n',
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  return { large, only, reportOnly };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.reportOnly) {
    const saved = loadPrevious();
    if (!saved) throw new Error(`No results in ${RESULTS_FILE} yet: run npm run bench first`);
    updateDocument(DOC_FILE, renderTables(saved));
    note(`Regenerated ${DOC_FILE} from ${RESULTS_FILE}.`);
    return;
  }
  const wanted = SECTION_NAMES.filter((s) => !options.only || options.only.includes(s));
  const started = Date.now();
  const previous = loadPrevious();
  const sections: BenchResults['sections'] = options.only ? { ...previous?.sections } : {};

  let env: BenchEnv | undefined;
  const stop = async () => {
    await env?.stop().catch(() => undefined);
  };
  process.once('SIGINT', () => {
    // Stop the JVM first and synchronously: an interrupted run must not leave DynamoDB Local
    // behind even if the orderly stop below is held up by requests still in flight.
    env?.dynamo.process.kill('SIGTERM');
    const exit = () => process.exit(130);
    setTimeout(exit, 5000).unref();
    void stop().then(exit, exit);
  });
  try {
    for (const name of wanted) {
      if (name !== 'cold-start' && !env) {
        note('Starting DynamoDB Local and the local SCIM server…');
        env = await startBenchEnv();
        note(`  ${env.baseUrl} on ${env.endpoint}`);
      }
      note(`[${name}]`);
      const sectionStart = Date.now();
      try {
        if (name === 'cost') sections.cost = await runCostSection(env as BenchEnv, options);
        else if (name === 'import') sections.import = await runImportSection(env as BenchEnv, options);
        else if (name === 'latency') sections.latency = await runLatencySection(env as BenchEnv, options);
        else if (name === 'large-group')
          sections['large-group'] = await runLargeGroupSection(env as BenchEnv, options);
        else sections['cold-start'] = await runColdStartSection(options);
      } catch (error) {
        // One broken section must not lose the others' numbers.
        note(`  ${name} failed: ${describeError(error)}`);
        const failed = {
          measuredAt: new Date().toISOString(),
          large: options.large,
          durationSeconds: Math.round((Date.now() - sectionStart) / 1000),
          unavailable: `failed: ${describeError(error)}`,
        };
        if (name === 'cold-start') sections['cold-start'] = { ...failed, bundling: '', spawns: 0, rows: [] };
        else if (name === 'import') sections.import = { ...failed, users: 0, pageSize: 100, runs: [] };
        else if (name === 'large-group') sections['large-group'] = { ...failed, members: 0, rows: [] };
        else if (name === 'latency') sections.latency = { ...failed, targetRatio: 1.5, rows: [] };
        else sections.cost = { ...failed, rows: [] };
      }
      note(`  ${name} done in ${Math.round((Date.now() - sectionStart) / 1000)} s`);
    }
  } finally {
    await stop();
  }

  const args = process.argv.slice(2);
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    machine: describeMachine(),
    sections,
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  formatWithBiome(RESULTS_FILE);
  updateDocument(DOC_FILE, renderTables(results));
  // The capacity model prices the published results only (a trial run has its own file).
  if (!process.env.BENCH_RESULTS_FILE && results.sections.cost && results.sections.import) {
    refreshCapacityDocument(results, CAPACITY_FILE);
  }
  const misses = listMisses(results);
  note(`\nDone in ${Math.round((Date.now() - started) / 1000)} s. Wrote ${RESULTS_FILE} and ${DOC_FILE}.`);
  note(
    misses.length
      ? `Targets missed or not measured:\n${misses.map((m) => `  - ${m}`).join('\n')}`
      : 'Every target met.',
  );
}

/**
 * The results file lives under bench/, which `npm run lint` checks with Biome; writing it in
 * Biome's own format keeps a fresh run from failing the lint. Best effort: without Biome the
 * file is still valid JSON.
 */
function formatWithBiome(file: string): void {
  try {
    const biome = require.resolve('@biomejs/biome/bin/biome');
    spawnSync(process.execPath, [biome, 'format', '--write', file], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    // Biome not installed: leave the file as JSON.stringify wrote it.
  }
}

function loadPrevious(): BenchResults | undefined {
  if (!existsSync(RESULTS_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as BenchResults;
  } catch {
    return undefined;
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${describeError(error)}\n`);
    process.exit(1);
  },
);
