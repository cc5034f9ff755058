/**
 * parsePatchRequest: RFC 7644 §3.5.2 body shape, the leniencies real clients need, and a 400
 * with the right scimType for everything else.
 */
import { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, parsePatchRequest } from '../../../../lambdas/scim/patch';
import { ENTERPRISE, expectScimError, PATCH_OP } from './support';

describe('parsePatchRequest', () => {
  it('exports the PatchOp URN', () => {
    expect(PATCH_OP_SCHEMA).toBe(PATCH_OP);
  });

  it('normalises op names to lower case (Entra: Add, Replace, Remove)', () => {
    const parsed = parsePatchRequest({
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Add', path: 'nickName', value: 'Babs' },
        { op: 'REPLACE', path: 'active', value: 'False' },
        { op: 'Remove', path: 'title' },
      ],
    });
    expect(parsed.map((o) => o.op)).toEqual(['add', 'replace', 'remove']);
    expect(parsed[0]?.path?.path).toEqual({ attribute: 'nickName' });
    expect(parsed[0]?.pathText).toBe('nickName');
    expect(parsed[1]?.value).toBe('False');
    expect(parsed[2]?.hasValue).toBe(false);
  });

  it('accepts a body without "schemas" (some Entra samples omit it)', () => {
    expect(parsePatchRequest({ Operations: [{ op: 'replace', value: { active: false } }] })).toHaveLength(1);
  });

  it('accepts an empty Operations list (Entra validator)', () => {
    expect(parsePatchRequest({ schemas: [PATCH_OP], Operations: [] })).toEqual([]);
  });

  it('accepts structural member names in any case (Entra asks for case-insensitive structure)', () => {
    const parsed = parsePatchRequest({
      Schemas: [PATCH_OP],
      operations: [{ OP: 'add', Path: 'nickName', Value: 'B' }],
    });
    expect(parsed).toEqual([
      {
        op: 'add',
        path: { path: { attribute: 'nickName' } },
        pathText: 'nickName',
        hasValue: true,
        value: 'B',
      },
    ]);
  });

  it('parses a value-filter path and splits URN paths at the known schema', () => {
    const [filtered, urn, extension] = parsePatchRequest({
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'x' },
        { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'x' },
        { op: 'add', path: ENTERPRISE, value: {} },
      ],
    });
    expect(filtered?.path).toEqual({
      path: { attribute: 'emails' },
      valueFilter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
      subAttribute: 'value',
    });
    expect(urn?.path?.path).toEqual({ schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' });
    expect(extension?.path?.path).toEqual({ schema: ENTERPRISE, attribute: '' });
  });

  it('treats an empty or null path as no path', () => {
    const parsed = parsePatchRequest({
      Operations: [
        { op: 'replace', path: '', value: { active: true } },
        { op: 'replace', path: null, value: {} },
      ],
    });
    expect(parsed.every((o) => o.path === undefined)).toBe(true);
  });

  it('keeps an explicit null value for replace (unassign)', () => {
    const [op] = parsePatchRequest({ Operations: [{ op: 'replace', path: 'nickName', value: null }] });
    expect(op).toMatchObject({ hasValue: true, value: null });
  });

  it(`accepts exactly ${MAX_PATCH_OPERATIONS} operations and rejects one more with 400 tooMany`, () => {
    const one = { op: 'remove', path: 'title' };
    expect(parsePatchRequest({ Operations: Array(MAX_PATCH_OPERATIONS).fill(one) })).toHaveLength(
      MAX_PATCH_OPERATIONS,
    );
    expectScimError(
      () => parsePatchRequest({ Operations: Array(MAX_PATCH_OPERATIONS + 1).fill(one) }),
      400,
      'tooMany',
    );
  });

  describe('rejects malformed bodies with 400 invalidSyntax', () => {
    it.each<[string, unknown]>([
      ['null body', null],
      ['array body', [{ op: 'add' }]],
      ['string body', 'Operations'],
      ['missing Operations', { schemas: [PATCH_OP] }],
      ['Operations not an array', { Operations: { op: 'add', path: 'x', value: 1 } }],
      ['Operations null', { Operations: null }],
      [
        'schemas without PatchOp',
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [] },
      ],
      ['schemas not an array', { schemas: PATCH_OP, Operations: [] }],
      ['operation not an object', { Operations: ['add'] }],
      ['operation null', { Operations: [null] }],
      ['op missing', { Operations: [{ path: 'title', value: 'x' }] }],
      ['op not a string', { Operations: [{ op: 1, path: 'title', value: 'x' }] }],
      ['unknown op', { Operations: [{ op: 'move', path: 'title', value: 'x' }] }],
      [
        'op inherited from Object.prototype',
        { Operations: [{ op: 'constructor', path: 'title', value: 'x' }] },
      ],
      ['op __proto__', { Operations: [{ op: '__proto__', path: 'title', value: 'x' }] }],
      ['path not a string', { Operations: [{ op: 'add', path: ['title'], value: 'x' }] }],
      ['add without value', { Operations: [{ op: 'add', path: 'title' }] }],
      ['replace without value', { Operations: [{ op: 'Replace', path: 'title' }] }],
    ])('%s', (_name, body) => {
      const error = expectScimError(() => parsePatchRequest(body), 400, 'invalidSyntax');
      expect(error.detail.length).toBeGreaterThan(10);
    });

    it('names the failing operation', () => {
      const error = expectScimError(
        () => parsePatchRequest({ Operations: [{ op: 'add', path: 'a', value: 1 }, { op: 'move' }] }),
        400,
        'invalidSyntax',
      );
      expect(error.detail).toContain('Operations[1]');
    });
  });

  it.each([
    'emails[type eq "work"',
    'emails[type xx "work"].value',
    'name..givenName',
    'a b',
    '[x]',
    'emails[type eq "w"].',
  ])('rejects the malformed path %s with 400 invalidPath', (path) => {
    expectScimError(
      () => parsePatchRequest({ Operations: [{ op: 'replace', path, value: 'x' }] }),
      400,
      'invalidPath',
    );
  });
});
