/**
 * Property tests over random PATCH bodies (seeded, so a failure replays): whatever a client
 * sends, the engine either returns a result or throws a ScimError 4xx; it never mutates the
 * stored resource it was given; and no key such as `__proto__`, `constructor` or `prototype`
 * reaches an object prototype or the result.
 */
import fc from 'fast-check';
import { isScimError } from '../../../../lambdas/scim/errors';
import { applyPatch, parsePatchRequest, splitMemberOperations } from '../../../../lambdas/scim/patch';
import {
  deepFreeze,
  ENTERPRISE,
  GROUP,
  groupLookup,
  groupSchemas,
  storedGroup,
  storedUser,
  USER,
  userLookup,
  userSchemas,
} from './support';

const SEED = 20261123;
const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

/** JSON.parse makes `__proto__` an own key, exactly as a hostile request body would. */
const POLLUTERS: unknown[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"value":"x","__proto__":{"polluted":"yes"}}',
  '[{"__proto__":{"polluted":"yes"},"value":"m1"}]',
  '{"prototype":{"polluted":"yes"},"type":"work"}',
].map((text) => JSON.parse(text));

const PATHS = [
  'userName',
  'USERNAME',
  'active',
  'nickName',
  'title',
  'name',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[type eq "home"].primary',
  'emails[value co "@"].display',
  'emails[type eq "work" and primary eq true].value',
  'emails[not (type eq "x")]',
  'addresses[type eq "work"].formatted',
  'phoneNumbers',
  'groups',
  'id',
  'meta',
  'meta.created',
  'schemas',
  'externalId',
  'members',
  'members[value eq "m1"]',
  'members[display sw "a"]',
  'displayName',
  `${USER}:userName`,
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:employeeNumber`,
  ENTERPRISE,
  `${GROUP}:displayName`,
  '__proto__',
  '__proto__.polluted',
  'constructor',
  'constructor.prototype',
  'prototype',
  'emails[__proto__ eq "x"].value',
  'emails[type eq "__proto__"].value',
  'name.__proto__',
  `${ENTERPRISE}:__proto__`,
  'urn:x:__proto__:polluted',
  'emails[type eq "work"',
  '',
];

const KEYS = [
  'active',
  'displayName',
  'name.givenName',
  'NickName',
  'emails',
  'members',
  'id',
  'meta',
  'schemas',
  'groups',
  'colour',
  `${ENTERPRISE}:employeeNumber`,
  ENTERPRISE,
  ...FORBIDDEN,
];

const scalar = fc.oneof(
  fc.constantFrom('True', 'False', 'true', '', 'work', 'm1', null, true, false, 0, -1.5),
  fc.string({ maxLength: 8 }),
);
const element = fc.dictionary(
  fc.constantFrom('value', 'type', 'primary', 'display', '$ref', 'Value', ...FORBIDDEN),
  scalar,
  {
    maxKeys: 4,
  },
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  scalar,
  element,
  fc.array(element, { maxLength: 3 }),
  fc.constantFrom(...POLLUTERS),
  fc.jsonValue({ maxDepth: 3 }),
);
const pathLessValue = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }),
  fc.constantFrom(...POLLUTERS),
);

const operation = fc.record(
  {
    op: fc.constantFrom(
      'add',
      'replace',
      'remove',
      'Add',
      'REPLACE',
      'Remove',
      'move',
      '__proto__',
      'constructor',
    ),
    path: fc.constantFrom(...PATHS),
    value: fc.oneof(value, pathLessValue),
  },
  { requiredKeys: ['op'] },
);
const body = fc.record({ Operations: fc.array(operation, { maxLength: 6 }) }, { requiredKeys: [] });

function resourceFor(kind: 'User' | 'Group') {
  const base = kind === 'User' ? storedUser() : storedGroup();
  return kind === 'User'
    ? {
        ...base,
        emails: [
          { type: 'work', value: 'a@x', primary: true },
          { type: 'home', value: 'b@x' },
        ],
      }
    : base;
}

function run(kind: 'User' | 'Group', resource: Record<string, unknown>, request: unknown) {
  const schemas = kind === 'User' ? userSchemas : groupSchemas;
  const operations = parsePatchRequest(request, { schemas: [schemas.core, ...schemas.extensions] });
  if (kind === 'Group') {
    const split = splitMemberOperations(operations);
    return applyPatch(resource, split.attributeOperations, groupLookup, { schemas });
  }
  return applyPatch(resource, operations, userLookup, { schemas });
}

function forbiddenKeyIn(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = forbiddenKeyIn(item);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    if (Object.getPrototypeOf(value) !== Object.prototype) return '(prototype changed)';
    for (const key of Object.keys(value)) {
      if (FORBIDDEN.includes(key)) return key;
      const found = forbiddenKeyIn((value as Record<string, unknown>)[key]);
      if (found) return found;
    }
  }
  return undefined;
}

describe.each(['User', 'Group'] as const)('random PATCH bodies against a %s', (kind) => {
  it('only ever throw ScimError 4xx, never mutate the input, never pollute prototypes', () => {
    fc.assert(
      fc.property(body, (request) => {
        const resource = deepFreeze(resourceFor(kind));
        try {
          const { resource: result, changedAttributes } = run(kind, resource, request);
          expect(forbiddenKeyIn(result)).toBeUndefined();
          expect(JSON.stringify(result)).not.toContain('polluted');
          expect(Array.isArray(changedAttributes)).toBe(true);
          if (changedAttributes.length === 0) expect(result).toEqual(resourceFor(kind));
          expect(result.id).toBe(resource.id);
        } catch (error) {
          if (!isScimError(error)) throw error;
          expect(error.status).toBeGreaterThanOrEqual(400);
          expect(error.status).toBeLessThan(500);
          expect(error.scimType).toBeDefined();
        }
        expect(resource).toEqual(resourceFor(kind));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});

describe('targeted prototype-pollution attempts', () => {
  it.each(POLLUTERS.map((p, i) => [i, p]))(
    'polluter #%s as a path-less value, a path value and a member list',
    (_i, polluter) => {
      const attempts: unknown[] = [
        { Operations: [{ op: 'add', value: polluter }] },
        { Operations: [{ op: 'replace', path: 'name', value: polluter }] },
        { Operations: [{ op: 'add', path: 'emails', value: polluter }] },
        { Operations: [{ op: 'replace', path: ENTERPRISE, value: polluter }] },
        { Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: polluter }] },
        JSON.parse(
          '{"Operations":[{"op":"add","path":"nickName","value":"x","__proto__":{"polluted":"yes"}}]}',
        ),
        JSON.parse('{"__proto__":{"polluted":"yes"},"Operations":[]}'),
      ];
      for (const request of attempts) {
        for (const kind of ['User', 'Group'] as const) {
          try {
            const { resource } = run(kind, deepFreeze(resourceFor(kind)), request);
            expect(JSON.stringify(resource)).not.toContain('polluted');
          } catch (error) {
            if (!isScimError(error)) throw error;
          }
        }
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it.each([
    '__proto__',
    'constructor',
    'prototype',
    '__proto__.polluted',
    'constructor.prototype',
    'name.__proto__',
  ])('the path %s is rejected with 400', (path) => {
    for (const op of ['add', 'replace', 'remove']) {
      try {
        run('User', storedUser(), { Operations: [{ op, path, value: { polluted: 'yes' } }] });
        throw new Error(`path ${path} was accepted`);
      } catch (error) {
        expect(isScimError(error) && error.status).toBe(400);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('retry safety', () => {
  it('applying the same add/replace operation twice gives the same resource as once (user)', () => {
    const addOrReplace = fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.constantFrom(
        'nickName',
        'emails',
        'emails[type eq "work"].value',
        'name.givenName',
        `${ENTERPRISE}:manager`,
        'active',
      ),
      value: fc.oneof(
        fc.constantFrom('v1', 'True', 'x@y'),
        fc.array(fc.record({ type: fc.constantFrom('work', 'home'), value: fc.constantFrom('a@x', 'c@x') }), {
          minLength: 1,
          maxLength: 2,
        }),
      ),
    });
    fc.assert(
      fc.property(addOrReplace, (operation) => {
        // A batch as a whole need not be idempotent (add emails, then rewrite every work email);
        // each operation is, which is what makes a retried Okta/Entra request safe.
        const request = { Operations: [operation] };
        let once: Record<string, unknown>;
        try {
          once = run('User', resourceFor('User'), request).resource;
        } catch (error) {
          if (!isScimError(error)) throw error;
          return;
        }
        const twice = run('User', once, request);
        expect(twice.resource).toEqual(once);
        expect(twice.changedAttributes).toEqual([]);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
