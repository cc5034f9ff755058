/**
 * The cost meter against DynamoDB Local: exact counts for the request shapes the store uses,
 * isolation between concurrent SCIM requests, and proof that metering never changes what the
 * store sees.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import {
  addCosts,
  currentCost,
  type DynamoCost,
  formatCost,
  measureCost,
  openCostScope,
  parseCost,
  withCostScope,
  ZERO_COST,
} from '../../../lambdas/observability/dynamo-cost';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('cost');
  await table.db.send(
    new PutCommand({ TableName: table.tableName, Item: { PK: 'P#1', SK: 'A', name: 'one', n: 1 } }),
  );
  await table.db.send(
    new PutCommand({ TableName: table.tableName, Item: { PK: 'P#1', SK: 'B', name: 'two', n: 2 } }),
  );
});

afterAll(async () => {
  await table.drop();
});

const get = (pk: string, sk: string, consistent = false) =>
  table.db.send(
    new GetCommand({ TableName: table.tableName, Key: { PK: pk, SK: sk }, ConsistentRead: consistent }),
  );

describe('counts per request', () => {
  it('a GetItem by key is one request of half a read unit (eventually consistent, item < 4 KB)', async () => {
    const { cost } = await measureCost(() => get('P#1', 'A'));
    expect(cost).toEqual({
      requests: 1,
      byCommand: { GetItem: 1 },
      readCapacityUnits: 0.5,
      writeCapacityUnits: 0,
      retries: 0,
      errors: 0,
    });
  });

  it('a strongly consistent GetItem (userName uniqueness check) is one full read unit', async () => {
    const { cost } = await measureCost(() => get('P#1', 'A', true));
    expect(cost.readCapacityUnits).toBe(1);
    expect(cost.byCommand).toEqual({ GetItem: 1 });
  });

  it('a TransactWriteItems of 2 items (user + uniqueness guard) is one request, write units only', async () => {
    const { cost } = await measureCost(() =>
      table.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table.tableName, Item: { PK: 'T#1', SK: 'U' } } },
            { Put: { TableName: table.tableName, Item: { PK: 'T#1#UNAME#x', SK: '#' } } },
          ],
        }),
      ),
    );
    expect(cost.requests).toBe(1);
    expect(cost.byCommand).toEqual({ TransactWriteItems: 1 });
    expect(cost.readCapacityUnits).toBe(0);
    // DynamoDB Local reports 1 unit per small item; AWS charges 2 per item in a transaction.
    expect(cost.writeCapacityUnits).toBe(2);
    // What the capacity model doubles (docs/CAPACITY.md): the items sent and the units reported.
    expect(cost.transactItems).toBe(2);
    expect(cost.transactWriteCapacityUnits).toBe(2);
    expect(parseCost(formatCost(cost))).toEqual(cost);
  });

  it('plain writes carry no transaction fields (the header stays as before)', async () => {
    const { cost } = await measureCost(() =>
      table.db.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'T#2', SK: 'U' } })),
    );
    expect(cost).not.toHaveProperty('transactItems');
    expect(formatCost(cost)).not.toMatch(/titems|twcu/);
  });

  it('a Query of one partition is one request whatever the number of items it returns', async () => {
    const { result, cost } = await measureCost(() =>
      table.db.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': 'P#1' },
        }),
      ),
    );
    expect(result.Items).toHaveLength(2);
    expect(cost).toMatchObject({ requests: 1, byCommand: { Query: 1 }, readCapacityUnits: 0.5 });
  });

  it('a failed conditional write counts as a request and as an error, and still throws', async () => {
    const attempt = measureCost(async () => {
      await table.db
        .send(
          new PutCommand({
            TableName: table.tableName,
            Item: { PK: 'P#1', SK: 'A' },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        )
        .catch(() => undefined);
      return currentCost();
    });
    const { result: inside } = await attempt;
    expect(inside).toMatchObject({ requests: 1, errors: 1, byCommand: { PutItem: 1 } });
  });

  it('the low-level client under the document client is metered too', async () => {
    const { cost } = await measureCost(() =>
      table.db.send(
        new GetItemCommand({ TableName: table.tableName, Key: { PK: { S: 'P#1' }, SK: { S: 'A' } } }),
      ),
    );
    expect(cost.byCommand).toEqual({ GetItem: 1 });
  });
});

describe('scopes', () => {
  it('concurrent scopes do not mix: each sees exactly its own requests', async () => {
    const counts = [1, 2, 3, 4, 5, 6, 7, 8];
    const costs = await Promise.all(
      counts.map((n) =>
        measureCost(async () => {
          for (let i = 0; i < n; i += 1) {
            // Interleave with the other scopes on purpose.
            await new Promise((r) => setTimeout(r, Math.random() * 5));
            await get('P#1', i % 2 === 0 ? 'A' : 'B');
          }
        }),
      ),
    );
    costs.forEach(({ cost }, index) => {
      const n = counts[index] as number;
      expect(cost.requests).toBe(n);
      expect(cost.byCommand).toEqual({ GetItem: n });
      expect(cost.readCapacityUnits).toBe(n * 0.5);
    });
  });

  it('a nested scope adds to its parent, and the parent keeps its own requests', async () => {
    const { result: inner, cost: outer } = await measureCost(async () => {
      await get('P#1', 'A');
      const nested = await measureCost(() => get('P#1', 'B'));
      return nested.cost;
    });
    expect(inner.requests).toBe(1);
    expect(outer.requests).toBe(2);
  });

  it('withCostScope exposes the running total through currentCost', async () => {
    const seen = await withCostScope(async () => {
      const before = currentCost();
      await get('P#1', 'A');
      return { before, after: currentCost() };
    });
    expect(seen.before?.requests).toBe(0);
    expect(seen.after?.requests).toBe(1);
  });

  it('outside any scope there is no cost and requests go out untouched', async () => {
    expect(currentCost()).toBeUndefined();
    const output = await get('P#1', 'A');
    expect(output.ConsumedCapacity).toBeUndefined();
  });
});

describe('request scopes carried by a bound client (the HTTP handler, no AsyncLocalStorage)', () => {
  const getWith = (db: typeof table.db, sk: string) =>
    db.send(new GetCommand({ TableName: table.tableName, Key: { PK: 'P#1', SK: sk }, ConsistentRead: true }));

  it('counts what goes through the bound client, document and low-level commands alike', async () => {
    const scope = openCostScope();
    const db = scope.bind(table.db);
    const got = await getWith(db, 'A');
    await db.send(
      new GetItemCommand({ TableName: table.tableName, Key: { PK: { S: 'P#1' }, SK: { S: 'B' } } }),
    );
    expect(got.Item).toMatchObject({ PK: 'P#1', SK: 'A', name: 'one' });
    // The caller sees no capacity it did not ask for.
    expect(got.ConsumedCapacity).toBeUndefined();
    expect(scope.cost()).toMatchObject({ requests: 2, byCommand: { GetItem: 2 }, readCapacityUnits: 1.5 });
  });

  it('does not count requests sent through the unbound client meanwhile', async () => {
    const scope = openCostScope();
    const db = scope.bind(table.db);
    await Promise.all([getWith(db, 'A'), getWith(table.db, 'B'), get('P#1', 'A')]);
    expect(scope.cost().requests).toBe(1);
    expect(currentCost()).toBeUndefined();
  });

  it('concurrent request scopes each see exactly their own requests', async () => {
    const counts = [1, 2, 3, 4, 5, 6];
    const scopes = counts.map(() => openCostScope());
    await Promise.all(
      counts.map(async (n, index) => {
        const db = (scopes[index] as ReturnType<typeof openCostScope>).bind(table.db);
        for (let i = 0; i < n; i += 1) {
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          await getWith(db, i % 2 === 0 ? 'A' : 'B');
        }
      }),
    );
    scopes.forEach((scope, index) => {
      expect(scope.cost()).toMatchObject({ requests: counts[index], byCommand: { GetItem: counts[index] } });
    });
  });

  it('a request scope opened inside measureCost adds to it (a benchmark wrapping handler calls)', async () => {
    const { result: inner, cost: outer } = await measureCost(async () => {
      await get('P#1', 'A');
      const scope = openCostScope();
      await getWith(scope.bind(table.db), 'B');
      return scope.cost();
    });
    expect(inner.requests).toBe(1);
    expect(outer.requests).toBe(2);
  });

  it('failed requests through the bound client count as errors and still throw', async () => {
    const scope = openCostScope();
    const db = scope.bind(table.db);
    await expect(
      db.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { PK: 'P#1', SK: 'A' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(scope.cost()).toMatchObject({ requests: 1, errors: 1, byCommand: { PutItem: 1 } });
  });

  it('the bound client is the same client otherwise: same middleware stack and config', () => {
    const db = openCostScope().bind(table.db);
    expect(db.middlewareStack).toBe(table.db.middlewareStack);
    expect(db.config).toBe(table.db.config);
  });
});

describe('the meter never changes results', () => {
  const strip = <T extends { $metadata?: unknown }>(output: T) => {
    const { $metadata: _ignored, ...rest } = output;
    return rest;
  };

  it('Get and Query return the same output inside and outside a scope', async () => {
    const query = () =>
      table.db.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': 'P#1' },
        }),
      );
    const plainGet = await get('P#1', 'B');
    const plainQuery = await query();
    const metered = await withCostScope(async () => ({ get: await get('P#1', 'B'), query: await query() }));
    expect(strip(metered.get)).toEqual(strip(plainGet));
    expect(strip(metered.query)).toEqual(strip(plainQuery));
    expect(metered.get.ConsumedCapacity).toBeUndefined();
  });

  it('a caller that asks for ConsumedCapacity itself still receives it, and it is counted once', async () => {
    const { result, cost } = await measureCost(() =>
      table.db.send(
        new GetCommand({
          TableName: table.tableName,
          Key: { PK: 'P#1', SK: 'A' },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    expect(result.ConsumedCapacity).toMatchObject({ CapacityUnits: 0.5 });
    expect(cost.readCapacityUnits).toBe(0.5);
  });

  it("a caller's ReturnConsumedCapacity NONE is respected: counted as a request, no capacity", async () => {
    const { result, cost } = await measureCost(() =>
      table.db.send(
        new GetCommand({
          TableName: table.tableName,
          Key: { PK: 'P#1', SK: 'A' },
          ReturnConsumedCapacity: 'NONE',
        }),
      ),
    );
    expect(result.ConsumedCapacity).toBeUndefined();
    expect(cost).toMatchObject({ requests: 1, readCapacityUnits: 0 });
  });
});

describe('header format', () => {
  const costArb: fc.Arbitrary<DynamoCost> = fc.record({
    requests: fc.nat(10_000),
    byCommand: fc.dictionary(
      fc.constantFrom('GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'BatchWriteItem'),
      fc.integer({ min: 1, max: 1000 }),
    ),
    readCapacityUnits: fc.nat(100_000).map((n) => n / 2),
    writeCapacityUnits: fc.nat(100_000),
    retries: fc.nat(10),
    errors: fc.nat(10),
  });

  it('parseCost reads back what formatCost wrote', () => {
    fc.assert(
      fc.property(costArb, (cost) => {
        expect(parseCost(formatCost(cost))).toEqual(cost);
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('reads the documented example and rejects garbage', () => {
    expect(parseCost('requests=2;rcu=1;wcu=0;ops=GetItem:2')).toEqual({
      requests: 2,
      byCommand: { GetItem: 2 },
      readCapacityUnits: 1,
      writeCapacityUnits: 0,
      retries: 0,
      errors: 0,
    });
    expect(parseCost(undefined)).toBeUndefined();
    expect(parseCost('requests=;rcu=1;wcu=0')).toBeUndefined();
    expect(parseCost('nonsense')).toBeUndefined();
  });

  it('addCosts sums every field, ZERO_COST is its identity', () => {
    fc.assert(
      fc.property(costArb, costArb, (a, b) => {
        const sum = addCosts(a, b);
        expect(sum.requests).toBe(a.requests + b.requests);
        expect(sum.readCapacityUnits).toBe(a.readCapacityUnits + b.readCapacityUnits);
        expect(Object.values(sum.byCommand).reduce((x, y) => x + y, 0)).toBe(
          [...Object.values(a.byCommand), ...Object.values(b.byCommand)].reduce((x, y) => x + y, 0),
        );
        expect(addCosts(a, ZERO_COST)).toEqual(a);
      }),
      { seed: 9, numRuns: 100 },
    );
  });
});
