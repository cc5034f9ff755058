import {
  adjustResourceCount,
  COUNTER_SHARDS,
  readResourceCount,
  setResourceCount,
} from '../../../lambdas/store/counters';
import {
  CHECKPOINT_TTL_SECONDS,
  nearestCheckpoint,
  saveCheckpoint,
} from '../../../lambdas/store/page-checkpoints';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable('counters');
});
afterAll(async () => {
  await table.drop();
});

describe('resource counters', () => {
  it('sums parallel increments over all shards without losing one', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        adjustResourceCount(table.db, table.tableName, 'acme', 'USERS', 1, i),
      ),
    );
    await adjustResourceCount(table.db, table.tableName, 'acme', 'USERS', -3);
    expect(await readResourceCount(table.db, table.tableName, 'acme', 'USERS')).toBe(37);
  });

  it('keeps tenants and resource types apart', async () => {
    await adjustResourceCount(table.db, table.tableName, 'globex', 'USERS', 5);
    await adjustResourceCount(table.db, table.tableName, 'acme', 'GROUPS', 2);
    expect(await readResourceCount(table.db, table.tableName, 'globex', 'USERS')).toBe(5);
    expect(await readResourceCount(table.db, table.tableName, 'acme', 'GROUPS')).toBe(2);
    expect(await readResourceCount(table.db, table.tableName, 'initech', 'USERS')).toBe(0);
  });

  it('never reports a negative count and can be repaired to an exact value', async () => {
    await adjustResourceCount(table.db, table.tableName, 'umbrella', 'USERS', -2);
    expect(await readResourceCount(table.db, table.tableName, 'umbrella', 'USERS')).toBe(0);
    await setResourceCount(table.db, table.tableName, 'umbrella', 'USERS', 11);
    expect(await readResourceCount(table.db, table.tableName, 'umbrella', 'USERS')).toBe(11);
    expect(COUNTER_SHARDS).toBeGreaterThan(1);
  });
});

describe('page checkpoints', () => {
  const key = (n: number) => ({ PK: `k${n}`, SK: 'U', GSI1PK: 'L', GSI1SK: `id${n}` });

  it('starts at the beginning when nothing was saved', async () => {
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'q1', 101)).toEqual({ offset: 1 });
  });

  it('resumes from the nearest checkpoint at or below the requested offset', async () => {
    await saveCheckpoint(table.db, table.tableName, 'acme', 'q2', { offset: 101, startKey: key(100) });
    await saveCheckpoint(table.db, table.tableName, 'acme', 'q2', { offset: 201, startKey: key(200) });
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'q2', 201)).toEqual({
      offset: 201,
      startKey: key(200),
    });
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'q2', 250)).toEqual({
      offset: 201,
      startKey: key(200),
    });
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'q2', 150)).toEqual({
      offset: 101,
      startKey: key(100),
    });
    // Offsets compare as numbers, not strings: 1001 is above 201.
    await saveCheckpoint(table.db, table.tableName, 'acme', 'q2', { offset: 1001, startKey: key(1000) });
    expect((await nearestCheckpoint(table.db, table.tableName, 'acme', 'q2', 999)).offset).toBe(201);
  });

  it('is never shared between queries or tenants', async () => {
    await saveCheckpoint(table.db, table.tableName, 'acme', 'q3', { offset: 11, startKey: key(10) });
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'other', 11)).toEqual({ offset: 1 });
    expect(await nearestCheckpoint(table.db, table.tableName, 'globex', 'q3', 11)).toEqual({ offset: 1 });
  });

  it('ignores an expired checkpoint that the TTL sweep has not yet removed', async () => {
    const then = new Date('2026-01-01T00:00:00Z');
    await saveCheckpoint(table.db, table.tableName, 'acme', 'q4', { offset: 51, startKey: key(50) }, then);
    const later = new Date(then.getTime() + (CHECKPOINT_TTL_SECONDS + 1) * 1000);
    expect(await nearestCheckpoint(table.db, table.tableName, 'acme', 'q4', 51, later)).toEqual({
      offset: 1,
    });
    const soon = new Date(then.getTime() + 1000);
    expect((await nearestCheckpoint(table.db, table.tableName, 'acme', 'q4', 51, soon)).offset).toBe(51);
  });
});
