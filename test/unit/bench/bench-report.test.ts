/**
 * The benchmark report generator: regenerating docs/BENCHMARKS.md must replace only the block
 * between the markers (the hand-written explanation of misses lives outside it), and every
 * missed target must be listed, never silently dropped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BEGIN_MARKER,
  END_MARKER,
  listMisses,
  renderTables,
  updateDocument,
} from '../../../bench/lib/report';
import type { BenchResults } from '../../../bench/lib/results';

const cost = (requests: number, byCommand: Record<string, number>) => ({
  requests,
  byCommand,
  readCapacityUnits: 1,
  writeCapacityUnits: 2,
  retries: 0,
  errors: 0,
});

const results: BenchResults = {
  generatedAt: '2026-11-23T10:00:00.000Z',
  command: 'npm run bench',
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    memoryGb: 4,
    os: 'Linux',
    node: 'v22.0.0',
    dynamoDbLocal: 'DynamoDB Local x',
  },
  sections: {
    cost: {
      measuredAt: 'now',
      large: false,
      durationSeconds: 1,
      rows: [
        {
          operation: 'get user',
          target: '1 request',
          samples: 3,
          cost: cost(1, { GetItem: 1 }),
          reads: 1,
          writes: 0,
          verdict: 'meets',
        },
        {
          operation: 'full PUT user',
          target: '1 read + 1 write',
          samples: 3,
          cost: cost(3, { GetItem: 1, Query: 1, TransactWriteItems: 1 }),
          reads: 2,
          writes: 1,
          verdict: 'misses',
        },
        {
          operation: 'delete user',
          target: 'no target',
          samples: 3,
          verdict: 'not available',
          note: 'HTTP 405',
        },
      ],
    },
    latency: {
      measuredAt: 'now',
      large: false,
      durationSeconds: 1,
      targetRatio: 1.5,
      verdict: 'misses',
      rows: [
        {
          operation: 'get user by id',
          concurrency: 1,
          requests: 10,
          p50: 3,
          p95: 4,
          p99: 5,
          ratioToFloor: 2,
        },
      ],
    },
  },
};

describe('bench report', () => {
  it('lists every miss and every unmeasured operation', () => {
    const misses = listMisses(results);
    expect(misses).toHaveLength(3);
    expect(misses[0]).toContain('full PUT user: 3 requests');
    expect(misses[1]).toContain('delete user: not available');
    expect(misses[2]).toContain('2× the floor');
  });

  it('renders a row per operation with its actions and verdict', () => {
    const text = renderTables(results);
    expect(text).toContain('| get user | 1 | 1 | 0 | 1 | 2 | GetItem×1 | 1 request | ✅ meets |');
    expect(text).toContain('GetItem×1, Query×1, TransactWriteItems×1');
    expect(text).toContain('❌ misses');
    expect(text).toContain('Test CPU, 2 cores');
    expect(text).toContain('_Not run yet._');
  });

  it('replaces only the generated block and keeps the prose around it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-doc-'));
    const file = join(dir, 'BENCHMARKS.md');
    try {
      writeFileSync(
        file,
        `# Title\n\nIntro prose.\n\n${BEGIN_MARKER}\nold tables\n${END_MARKER}\n\n## Closing note\nWhy.\n`,
      );
      updateDocument(file, 'new tables');
      updateDocument(file, 'newer tables');
      const doc = readFileSync(file, 'utf8');
      expect(doc).toBe(
        `# Title\n\nIntro prose.\n\n${BEGIN_MARKER}\nnewer tables\n${END_MARKER}\n\n## Closing note\nWhy.\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the document with markers when it does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-doc-'));
    const file = join(dir, 'BENCHMARKS.md');
    try {
      updateDocument(file, 'tables');
      const doc = readFileSync(file, 'utf8');
      expect(doc).toContain(`${BEGIN_MARKER}\ntables\n${END_MARKER}`);
      expect(doc).toContain('npm run bench');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
