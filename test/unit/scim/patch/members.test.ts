/**
 * splitMemberOperations: group membership operations become MemberChanges (the store keeps one
 * item per member); everything else stays an attribute operation, in request order.
 */
import { parsePatchRequest, splitMemberOperations } from '../../../../lambdas/scim/patch';
import { expectScimError, GROUP, ops } from './support';

const split = (...operations: unknown[]) => splitMemberOperations(parsePatchRequest(ops(...operations)));

describe('splitMemberOperations', () => {
  it('remove members without a value removes all members', () => {
    expect(split({ op: 'remove', path: 'members' }).memberChanges).toEqual([{ kind: 'removeAll' }]);
  });

  it('remove members with value null also removes all members', () => {
    expect(split({ op: 'remove', path: 'members', value: null }).memberChanges).toEqual([
      { kind: 'removeAll' },
    ]);
  });

  it('remove members with an empty list removes nobody', () => {
    expect(split({ op: 'remove', path: 'members', value: [] }).memberChanges).toEqual([
      { kind: 'remove', ids: [] },
    ]);
  });

  it('replace members with null or [] empties the group', () => {
    expect(split({ op: 'replace', path: 'members', value: [] }).memberChanges).toEqual([
      { kind: 'replace', ids: [] },
    ]);
    expect(split({ op: 'replace', path: 'members', value: null }).memberChanges).toEqual([
      { kind: 'replace', ids: [] },
    ]);
  });

  it('an or-chain of value eq terms removes those ids', () => {
    expect(split({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }).memberChanges).toEqual([
      { kind: 'remove', ids: ['a', 'b'] },
    ]);
  });

  it('any other member filter becomes removeWhere with the parsed filter', () => {
    const { memberChanges } = split({ op: 'remove', path: 'members[display sw "test"]' });
    expect(memberChanges).toEqual([
      {
        kind: 'removeWhere',
        filter: { kind: 'compare', path: { attribute: 'display' }, op: 'sw', value: 'test' },
      },
    ]);
  });

  it('value eq with a non-string literal is not a plain id removal', () => {
    expect(split({ op: 'remove', path: 'members[value eq 5]' }).memberChanges[0]?.kind).toBe('removeWhere');
  });

  it('matches the members path case-insensitively and with the Group URN prefix', () => {
    const { memberChanges } = split(
      { op: 'Add', path: 'Members', value: [{ value: 'a' }] },
      { op: 'add', path: `${GROUP}:members`, value: [{ Value: 'b' }] },
      { op: 'add', value: { [`${GROUP}:Members`]: [{ value: 'c' }] } },
    );
    expect(memberChanges).toEqual([
      { kind: 'add', ids: ['a'] },
      { kind: 'add', ids: ['b'] },
      { kind: 'add', ids: ['c'] },
    ]);
  });

  it('de-duplicates ids inside one change and accepts a lone member object', () => {
    expect(
      split({ op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'a' }] }).memberChanges,
    ).toEqual([{ kind: 'add', ids: ['a'] }]);
    expect(split({ op: 'add', path: 'members', value: { value: 'z' } }).memberChanges).toEqual([
      { kind: 'add', ids: ['z'] },
    ]);
  });

  it('Okta Push Now of a very large group keeps every id, in order, once', () => {
    // 100k members with one duplicate: a quadratic de-duplication would take minutes here.
    const members = Array.from({ length: 100_000 }, (_, i) => ({ value: `user-${i}`, display: `u${i}` }));
    const { memberChanges } = split({
      op: 'replace',
      path: 'members',
      value: [...members, { value: 'user-7' }],
    });
    const ids = memberChanges[0]?.kind === 'replace' ? memberChanges[0].ids : [];
    expect(ids).toHaveLength(100_000);
    expect(ids[0]).toBe('user-0');
    expect(ids[99_999]).toBe('user-99999');
  });

  it('keeps request order across member and attribute operations', () => {
    const { memberChanges, attributeOperations } = split(
      { op: 'add', path: 'members', value: [{ value: '1' }] },
      { op: 'replace', path: 'displayName', value: 'D' },
      { op: 'remove', path: 'members[value eq "1"]' },
      { op: 'add', path: 'members', value: [{ value: '2' }] },
      { op: 'replace', path: 'externalId', value: 'E' },
    );
    expect(memberChanges).toEqual([
      { kind: 'add', ids: ['1'] },
      { kind: 'remove', ids: ['1'] },
      { kind: 'add', ids: ['2'] },
    ]);
    expect(attributeOperations.map((o) => o.pathText)).toEqual(['displayName', 'externalId']);
  });

  it('a path-less add with only members yields no attribute operation; an empty members list adds nothing', () => {
    expect(split({ op: 'add', value: { members: [{ value: 'a' }] } })).toEqual({
      memberChanges: [{ kind: 'add', ids: ['a'] }],
      attributeOperations: [],
    });
    expect(split({ op: 'add', value: { members: [] } }).memberChanges).toEqual([]);
  });

  it('leaves non-member operations untouched (same objects)', () => {
    const operations = parsePatchRequest(
      ops({ op: 'replace', path: 'displayName', value: 'x' }, { op: 'remove' }),
    );
    const { attributeOperations } = splitMemberOperations(operations);
    expect(attributeOperations).toEqual(operations);
  });

  it.each<[string, unknown]>([
    ['an empty value', [{ value: '' }]],
    ['a blank value', [{ value: '   ' }]],
    ['no value', [{ display: 'x' }]],
    ['a numeric value', [{ value: 5 }]],
    ['a bare string', ['user-id']],
    ['null inside the list', [null]],
    ['a nested list', [[{ value: 'a' }]]],
  ])('member lists with %s are 400 invalidValue', (_label, value) => {
    expectScimError(() => split({ op: 'add', path: 'members', value }), 400, 'invalidValue');
    expectScimError(() => split({ op: 'replace', value: { members: value } }), 400, 'invalidValue');
    expectScimError(() => split({ op: 'remove', path: 'members', value }), 400, 'invalidValue');
  });

  it('a member sub-attribute path is 400 mutability (members are added or removed, not edited)', () => {
    expectScimError(
      () => split({ op: 'replace', path: 'members[value eq "a"].display', value: 'x' }),
      400,
      'mutability',
    );
    expectScimError(() => split({ op: 'replace', path: 'members.display', value: 'x' }), 400, 'mutability');
  });

  it('add or replace through a member filter is 400 invalidPath', () => {
    expectScimError(
      () => split({ op: 'add', path: 'members[value eq "a"]', value: [{ value: 'a' }] }),
      400,
      'invalidPath',
    );
  });
});
