/**
 * Fuzzing through the real handlers on DynamoDB Local: mutated User and Group bodies and bodies that are not objects.
 * Every answer must be 2xx/4xx with a SCIM JSON body (never ≥ 500, never a stack trace), and a
 * 4xx must leave the stored data exactly as it was (support/fuzz-target.ts `probe`). Seeded and
 * bounded: on failure fast-check prints the seed and the counterexample path; replay with
 * FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { fuzzParameters, hostileJsonValue, mutatedObject, timeBoxedProperty } from './support/fuzz';
import {
  groupId,
  itKeepsTheStoreIntact,
  otherUserId,
  probe,
  useFuzzTarget,
  userId,
  validGroup,
  validUser,
} from './support/fuzz-target';

useFuzzTarget();

describe('fuzz: resource bodies', () => {
  it('POST /Users with mutated Okta/Entra bodies (wrong types, deep nesting, huge strings, __proto__): 2xx/4xx only', async () => {
    let n = 0;
    await fc.assert(
      timeBoxedProperty(mutatedObject(validUser), async (raw) => {
        // A distinct userName per run unless the mutation replaced it: creates do not collide.
        const body = raw.replace('fuzz.target@example.com', `fuzz.${++n}@example.com`);
        const res = await probe('POST', '/Users', { rawBody: body });
        if (res.status === 201) {
          expect(typeof res.body.id).toBe('string');
          expect(Object.getPrototypeOf(res.body)).toBe(Object.prototype);
        }
      }),
      fuzzParameters(100),
    );
  });

  it('PUT /Users/{id} with mutated bodies: 2xx/4xx; a 4xx leaves the user as it was', async () => {
    await fc.assert(
      timeBoxedProperty(mutatedObject(validUser), async (raw) => {
        await probe('PUT', `/Users/${userId}`, { rawBody: raw });
      }),
      fuzzParameters(100),
    );
  });

  it('POST and PUT /Groups with mutated bodies (members of wrong shapes included): 2xx/4xx only', async () => {
    let n = 0;
    const base = { ...validGroup, members: [{ value: otherUserId, type: 'User' }] };
    await fc.assert(
      timeBoxedProperty(mutatedObject(base), fc.boolean(), async (raw, put) => {
        const body = raw.replace('Fuzz Group', `Fuzz Group ${++n}`);
        await probe(put ? 'PUT' : 'POST', put ? `/Groups/${groupId}` : '/Groups', { rawBody: body });
      }),
      fuzzParameters(100),
    );
  });

  it('bodies that are not objects at all (any JSON, broken JSON, deep nesting): 4xx only', async () => {
    const raw = fc.oneof(
      hostileJsonValue,
      hostileJsonValue.map((t) => t.slice(0, Math.max(0, t.length - 1))),
      fc.string({ unit: 'binary', maxLength: 50 }),
    );
    await fc.assert(
      timeBoxedProperty(
        raw,
        fc.constantFrom('POST /Users', 'POST /Groups', `PUT /Users/${userId}`, 'POST /Groups/.search'),
        async (text, target) => {
          const [method, path] = target.split(' ') as [string, string];
          await probe(method, path, { rawBody: text });
        },
      ),
      fuzzParameters(100),
    );
  });
});

itKeepsTheStoreIntact();
