/**
 * docs/CAPACITY.md stays true: its generated block must be exactly what `npm run capacity`
 * renders from the committed bench/results/latest.json. A change to the measurements, the
 * prices or the model without regenerating the document fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCapacity, updateCapacityDocument } from '../../../bench/capacity/render';
import type { BenchResults } from '../../../bench/lib/results';

const ROOT = join(__dirname, '..', '..', '..');

it('docs/CAPACITY.md is generated from the committed bench results (run npm run capacity)', () => {
  const results = JSON.parse(
    readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8'),
  ) as BenchResults;
  const document = readFileSync(join(ROOT, 'docs', 'CAPACITY.md'), 'utf8');
  expect(updateCapacityDocument(document, renderCapacity(results))).toBe(document);
});

it('refuses a document without the markers instead of dropping the prose', () => {
  expect(() => updateCapacityDocument('# Capacity\n', 'tables')).toThrow(/markers/);
});
