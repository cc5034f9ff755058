/** Entity-tag conditions (RFC 9110 §13.1.1–2, weak comparison as RFC 7644 §3.14 uses it). */
import { entityTagCondition } from '../../../lambdas/scim/meta';

it('parses absent, *, one tag, lists, strong and weak tags; tags naming no version match nothing', () => {
  expect(entityTagCondition(undefined)).toBeUndefined();
  expect(entityTagCondition(' * ')).toBe('*');
  expect(entityTagCondition('W/"3"')).toEqual([3]);
  expect(entityTagCondition('"3"')).toEqual([3]);
  expect(entityTagCondition('W/"0", W/"5"')).toEqual([0, 5]);
  expect(entityTagCondition('"a,b", W/"7"')).toEqual([7]);
  expect(entityTagCondition('W/"x"')).toEqual([]);
  expect(entityTagCondition('3')).toEqual([]);
  expect(entityTagCondition('W/"1234567890123456"')).toEqual([]);
  // Opaque text: "01" is not version 1.
  expect(entityTagCondition('W/"01", "0"')).toEqual([0]);
});
