/**
 * `npm run capacity`: regenerates the tables of docs/CAPACITY.md from bench/results/latest.json
 * (the measured DynamoDB cost per operation and per listing page) and the AWS prices in
 * bench/capacity/prices.ts. `--check` writes nothing and fails when the document is stale.
 * `npm run bench` refreshes it after every measurement, so the model follows the code.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { refreshCapacityDocument } from './capacity/render';
import type { BenchResults } from './lib/results';

const ROOT = resolve(__dirname, '..');
const results = JSON.parse(
  readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8'),
) as BenchResults;
const check = process.argv.includes('--check');
const stale = refreshCapacityDocument(results, join(ROOT, 'docs', 'CAPACITY.md'), check);
if (stale && check) {
  process.stderr.write('docs/CAPACITY.md is stale: run npm run capacity\n');
  process.exit(1);
}
if (stale) process.stderr.write('Regenerated docs/CAPACITY.md\n');
