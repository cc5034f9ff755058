import fc from 'fast-check';
import { ScimError } from '../../../lambdas/scim/errors';
import { createSchemaRegistry } from '../../../lambdas/scim/schema/registry';
import { compileSort } from '../../../lambdas/scim/sort';

const registry = createSchemaRegistry();
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const users = [
  { id: '1', userName: 'bob', name: { familyName: 'Zed' }, meta: { created: '2026-01-02T00:00:00Z' } },
  {
    id: '2',
    userName: 'Alice',
    name: { familyName: 'young' },
    meta: { created: '2025-12-31T23:00:00-02:00' },
  },
  { id: '3', userName: 'carol', meta: { created: '2026-01-01T12:00:00Z' }, [ENT]: { employeeNumber: '7' } },
  {
    id: '4',
    userName: 'dave',
    emails: [{ value: 'z@x.com' }, { value: 'a@x.com', primary: true }],
    [ENT]: { employeeNumber: '10' },
  },
];
const ids = (sortBy: string, order?: 'ascending' | 'descending') =>
  [...users].sort(compileSort('User', sortBy, order, registry)).map((u) => u.id);

describe('sortBy / sortOrder (RFC 7644 §3.4.2.3)', () => {
  it('sorts userName case-insensitively (caseExact false)', () => {
    expect(ids('userName')).toEqual(['2', '1', '3', '4']);
    expect(ids('USERNAME', 'descending')).toEqual(['4', '3', '1', '2']);
  });

  it('sorts dateTime as instants, not as text', () => {
    // 2025-12-31T23:00-02:00 is 2026-01-01T01:00Z: after Dec 31, before carol at noon.
    expect(ids('meta.created')).toEqual(['2', '3', '1', '4']);
  });

  it('puts resources without a value last ascending and first descending (RFC 7644 §3.4.2.3), ties in id order', () => {
    expect(ids('name.familyName')).toEqual(['2', '1', '3', '4']);
    expect(ids('name.familyName', 'descending')).toEqual(['3', '4', '1', '2']);
  });

  it('sorts a multi-valued attribute by its primary value', () => {
    expect(ids('emails.value')[0]).toBe('4');
    expect(ids('emails')[0]).toBe('4');
  });

  it('sorts extension attributes by URN path (strings compare as strings)', () => {
    expect(ids(`${ENT}:employeeNumber`)).toEqual(['4', '3', '1', '2']);
  });

  it('rejects a sortBy that names no attribute with 400 invalidValue', () => {
    for (const bad of ['nope', 'name.nope', 'name', '']) {
      try {
        compileSort('User', bad, undefined, registry);
        throw new Error(`accepted ${bad}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ScimError);
        expect((error as ScimError).scimType).toBe('invalidValue');
      }
    }
  });

  it('is a total order: antisymmetric and consistent with descending as the reverse for present values', () => {
    const compare = compileSort('User', 'userName', 'ascending', registry);
    const descending = compileSort('User', 'userName', 'descending', registry);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.uuid(), userName: fc.string({ minLength: 1, maxLength: 6 }) }), {
          selector: (u) => u.id,
          maxLength: 30,
        }),
        (list) => {
          for (const a of list) {
            for (const b of list) {
              expect(Math.sign(compare(a, b)) + Math.sign(compare(b, a))).toBe(0);
              if (a.userName.toLowerCase() !== b.userName.toLowerCase()) {
                expect(Math.sign(descending(a, b)) + Math.sign(compare(a, b))).toBe(0);
              }
            }
          }
        },
      ),
      { seed: 3423, numRuns: 100 },
    );
  });
});
