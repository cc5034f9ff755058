/**
 * The store's one translation of DynamoDB failures, through a real client on DynamoDB Local:
 * throttling, outages, lost transaction races and oversize items reach the caller as
 * DomainErrors, once; failed conditions reach it untouched, for the write to decode with its
 * items' roles.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { isDomainError } from '../../../lambdas/domain/errors';
import { translateConditionFailure, translateDynamoError } from '../../../lambdas/store/errors';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { type FaultInjector, injectFaults } from '../../support/fault-injection';

let table: TestTable;
let faults: FaultInjector;

beforeAll(async () => {
  table = await createTestTable('store-errors');
  faults = injectFaults(table.db);
});
afterEach(() => faults.reset());
afterAll(async () => {
  faults.detach();
  await table.drop();
});

const put = (sk: string, extra: Record<string, unknown> = {}) =>
  new PutCommand({ TableName: table.tableName, Item: { PK: 'E#1', SK: sk, ...extra } });

const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the store client translates every DynamoDB failure once', () => {
  it.each([
    ['throttle', 'unavailable'],
    ['timeout', 'unavailable'],
    ['network', 'unavailable'],
    ['internal', 'unavailable'],
    ['transactionConflict', 'versionConflict'],
  ] as const)('%s → %s', async (fault, code) => {
    faults.setRules([{ fault }]);
    const error = await failureOf(table.db.send(put('A')));
    expect(isDomainError(error, code)).toBe(true);
    if (code === 'unavailable') expect(error).toMatchObject({ retryAfterSeconds: 2 });
  });

  it('an item over 400 KB → invalidValue', async () => {
    const error = await failureOf(table.db.send(put('BIG', { blob: 'x'.repeat(410 * 1024) })));
    expect(isDomainError(error, 'invalidValue')).toBe(true);
  });

  it('an unknown failure is left as it is (a fault of ours)', async () => {
    faults.setRules([{ fault: 'unknown' }]);
    const error = await failureOf(table.db.send(put('A')));
    expect(isDomainError(error)).toBe(false);
    expect(error).toMatchObject({ name: 'InjectedUnknownFault' });
  });

  it('a failed condition passes untouched; the write decodes it by the roles of its items', async () => {
    await table.db.send(put('GUARD'));
    const error = await failureOf(
      table.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table.tableName, Item: { PK: 'E#1', SK: 'NEW' } } },
            {
              Put: {
                TableName: table.tableName,
                Item: { PK: 'E#1', SK: 'GUARD' },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      ),
    );
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    expect(translateDynamoError(error)).toBe(error);
    const decoded = (() => {
      try {
        translateConditionFailure(error, [{ kind: 'version' }, { kind: 'unique', detail: 'taken' }]);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(decoded).toMatchObject({ code: 'uniqueness', message: 'taken' });
  });
});
