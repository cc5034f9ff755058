import fc from 'fast-check';
import { ScimError } from '../../../lambdas/scim/errors';
import { parseListParameters } from '../../../lambdas/scim/list';

const NAMES = [
  'filter',
  'startIndex',
  'count',
  'sortBy',
  'sortOrder',
  'attributes',
  'excludedAttributes',
  'cursor',
];
const VALUES: Record<string, string> = {
  filter: 'userName eq "ada"',
  startIndex: '3',
  count: '7',
  sortBy: 'userName',
  sortOrder: 'descending',
  attributes: 'userName,emails',
  excludedAttributes: 'groups',
  cursor: 'abc',
};

it('reads parameter names in any case (RFC 7643 §2.1): a `Filter=` is a filter, not the whole tenant', () => {
  const casing = fc.array(fc.boolean(), { minLength: 20, maxLength: 20 });
  const recase = (name: string, upper: boolean[]) =>
    [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('');
  const expected = parseListParameters(VALUES);
  fc.assert(
    fc.property(casing, (upper) => {
      const input = Object.fromEntries(NAMES.map((name) => [recase(name, upper), VALUES[name]]));
      expect(parseListParameters(input)).toEqual(expected);
    }),
    { numRuns: 100, seed: 3 },
  );
  expect(expected.filter).toBe('userName eq "ada"');
});

it('two spellings of one parameter are invalidValue', () => {
  expect(() => parseListParameters({ filter: 'a eq "1"', Filter: 'b eq "2"' })).toThrow(ScimError);
  expect(() => parseListParameters({ count: '1', COUNT: '2' })).toThrow(/count is given more than once/);
});

it('an integer beyond 2^53 is clamped, not refused: startIndex past any end is an empty page', () => {
  expect(parseListParameters({ startIndex: '99999999999999999999' }).startIndex).toBe(
    Number.MAX_SAFE_INTEGER,
  );
  expect(parseListParameters({ count: '99999999999999999999' }).count).toBe(1000);
  expect(parseListParameters({ startIndex: '-99999999999999999999' }).startIndex).toBe(1);
  expect(() => parseListParameters({ count: '1.5' })).toThrow(/count must be an integer/);
});
