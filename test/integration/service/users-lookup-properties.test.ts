/**
 * The userName and externalId look-ups are accelerators of the filter evaluator: for any name
 * and any way a client may write it, `userName eq` through the uniqueness guard must find
 * exactly what an in-memory evaluation over the whole listing finds, and uniqueness must agree
 * with that same case folding. Arbitrary Unicode (including characters whose lower case is
 * longer, like "İ") is where a key builder and an evaluator could quietly disagree.
 */
import fc from 'fast-check';
import { isDomainError } from '../../../lambdas/domain/errors';
import { parseFilter } from '../../../lambdas/scim/filter/parser';
import { createSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { findUsers } from '../../../lambdas/service/users-query';
import { createUser, type StoreContext } from '../../../lambdas/store/users-store';
import { createTestTable, type TestTable } from '../../support/dynamo';

const registry = createSchemaRegistry();
const BASE = 'http://scim.test/scim/v2';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable('users-props');
});
afterAll(() => table.drop());

const quoted = (text: string): string => JSON.stringify(text);

const variants = (text: string): string[] => [...new Set([text, text.toLowerCase(), text.toUpperCase()])];

it('userName eq via the guard agrees with an in-memory evaluation over the listing (property)', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
      fc.string({ minLength: 1, maxLength: 12 }),
      async (userName, externalId) => {
        run++;
        const store: StoreContext = { db: table.db, tableName: table.tableName, tenant: `prop-${run}` };
        const created = await createUser(store, { schemas: [], userName, externalId });
        for (const variant of variants(userName)) {
          const indexed = await findUsers(
            store,
            parseFilter(`userName eq ${quoted(variant)}`),
            registry,
            BASE,
          );
          // `active eq true or …` defeats the planner, so this one walks the listing.
          const walked = await findUsers(
            store,
            parseFilter(`userName eq ${quoted(variant)} or active eq true`),
            registry,
            BASE,
          );
          expect(indexed.map((u) => u.id)).toEqual(walked.map((u) => u.id));
          // A second user whose name differs only in case is refused exactly when the look-up finds the first.
          if (variant !== userName) {
            const second = await createUser(store, { schemas: [], userName: variant }).then(
              () => 'created',
              (e: unknown) => (isDomainError(e, 'uniqueness') ? 'duplicate' : e),
            );
            expect(second).toBe(indexed.length === 1 ? 'duplicate' : 'created');
            if (second === 'created') return;
          }
        }
        const byExternal = await findUsers(
          store,
          parseFilter(`externalId eq ${quoted(externalId)}`),
          registry,
          BASE,
        );
        expect(byExternal.map((u) => u.id)).toEqual([created.id]);
      },
    ),
    { seed: 42_2026, numRuns: 30 },
  );
});
