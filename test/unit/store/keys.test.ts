/**
 * The change stream's event filter (CHANGE_ITEM_SORT_KEYS) against every key this module builds:
 * the items the consumer acts on pass it, whatever the tenant and ids, and no other item does.
 */
import fc from 'fast-check';
import { parseItemKey } from '../../../lambdas/events/change-events';
import {
  feedCounterKey,
  feedEntryKey,
  groupKey,
  groupNameKey,
  isChangeItemSortKey,
  membershipKey,
  userEmailKey,
  userGroupRefKey,
  userKey,
  userNameKey,
} from '../../../lambdas/store/keys';

const text = fc.string({ minLength: 1, maxLength: 40 });
const id = fc.uuid();

describe('CHANGE_ITEM_SORT_KEYS (the change stream filter)', () => {
  it('passes users, groups and memberships of any tenant, exactly the keys parseItemKey reads', () => {
    fc.assert(
      fc.property(text, id, id, (tenant, a, b) => {
        for (const key of [userKey(tenant, a), groupKey(tenant, a), membershipKey(tenant, a, b)]) {
          expect(isChangeItemSortKey(key.SK)).toBe(true);
          expect(parseItemKey(key.PK, key.SK)).toBeDefined();
        }
      }),
      { seed: 9967, numRuns: 300 },
    );
  });

  it('drops every other key this module builds: guards, email index, group refs, the feed', () => {
    fc.assert(
      fc.property(
        text,
        text,
        id,
        id,
        fc.integer({ min: 1, max: 2 ** 40 }),
        (tenant, name, a, b, position) => {
          const others = [
            userNameKey(tenant, name),
            groupNameKey(tenant, name),
            userEmailKey(tenant, name, a),
            userGroupRefKey(tenant, a, b),
            feedCounterKey(tenant),
            feedEntryKey(tenant, position),
          ];
          for (const key of others) {
            expect(isChangeItemSortKey(key.SK)).toBe(false);
            expect(parseItemKey(key.PK, key.SK)).toBeUndefined();
          }
        },
      ),
      { seed: 9968, numRuns: 300 },
    );
  });

  it('is a sort-key test: anything that is not a string fails it', () => {
    for (const value of [undefined, null, 1, ['U'], { S: 'U' }])
      expect(isChangeItemSortKey(value)).toBe(false);
  });
});
