/**
 * One identity per visible name (issue #19 finding 3, docs/NAMES.md): userName and group
 * displayName are stored NFC, compared by the name profile's fold (compatibility + case) in the
 * uniqueness guards, the name index and filters, and refused when they hold control, invisible
 * or bidi-control characters. Through the real handlers on DynamoDB Local.
 */
import fc from 'fast-check';
import { nameKey, normaliseName } from '../../../lambdas/scim/names';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let client: ScimTestClient;
beforeAll(async () => {
  client = await createScimTestClient();
});
afterAll(() => client.close());

const postUser = (userName: string) =>
  client.request('POST', '/Users', { body: { schemas: [USER], userName } });
const postGroup = (displayName: string) =>
  client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });

async function usersWhere(filter: string): Promise<string[]> {
  const res = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
  expect(res.status).toBe(200);
  return (res.body.Resources as { id: string }[]).map((r) => r.id);
}

describe('userName', () => {
  it('the Kelvin sign, full-width letters and plain ASCII are one identity', async () => {
    const first = await postUser('\u212Aelvin@x.com');
    expect(first.status).toBe(201);
    expect((await postUser('kelvin@x.com')).status).toBe(409);
    expect((await postUser('\uFF4B\uFF45\uFF4C\uFF56\uFF49\uFF4E@x.com')).status).toBe(409);
    expect(await usersWhere('userName eq "kelvin@x.com"')).toEqual([first.body.id]);
    expect(await usersWhere('userName eq "\uFF2B\uFF25\uFF2C\uFF36\uFF29\uFF2E@X.COM"')).toEqual([
      first.body.id,
    ]);
    expect(await usersWhere('userName sw "\uFF4B\uFF45\uFF4C"')).toEqual([first.body.id]);
  });

  it('NFD input is stored NFC and collides with its NFC spelling', async () => {
    const nfd = await postUser('jose\u0301@x.com');
    expect(nfd.status).toBe(201);
    expect(nfd.body.userName).toBe('jos\u00E9@x.com');
    expect((await postUser('jos\u00E9@x.com')).status).toBe(409);
    expect(await usersWhere('userName eq "JOSE\u0301@X.COM"')).toEqual([nfd.body.id]);
  });

  it('a ligature is its letters', async () => {
    expect((await postUser('\uFB01nance@x.com')).status).toBe(201);
    expect((await postUser('finance@x.com')).status).toBe(409);
  });

  it.each([
    ['NUL', 'nul\u0000@x.com'],
    ['CR LF', 'crlf\r\n@x.com'],
    ['zero-width space', 'zw\u200B@x.com'],
    ['right-to-left override', 'bidi\u202Egpj.exe'],
    ['leading space', ' lead@x.com'],
    ['trailing space', 'trail@x.com '],
  ])('%s is refused with 400 invalidValue', async (_label, userName) => {
    const res = await postUser(userName);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
  });

  it('PUT and PATCH go through the same profile', async () => {
    const created = await postUser('patchme@x.com');
    const id = created.body.id as string;
    const put = await client.request('PUT', `/Users/${id}`, {
      body: { schemas: [USER], userName: 'patch\u200Bme@x.com' },
    });
    expect(put.status).toBe(400);
    const patch = await client.request('PATCH', `/Users/${id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'userName', value: 'PATCHME@x.com' }],
      },
    });
    expect(patch.status).toBe(200);
    // A change of case keeps its own guard; another user cannot take either spelling.
    expect((await postUser('patchme@x.com')).status).toBe(409);
  });
});

describe('group displayName', () => {
  it('full-width and case variants are one group name', async () => {
    expect((await postGroup('Sales')).status).toBe(201);
    expect((await postGroup('\uFF33\uFF21\uFF2C\uFF25\uFF33')).status).toBe(409);
    const found = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "sAlEs"')}`,
    );
    expect(found.body.totalResults).toBe(1);
  });

  it('bidi controls are refused', async () => {
    expect((await postGroup('Admins\u202E')).status).toBe(400);
  });
});

/** Spellings of one visible unit: each class is one nameKey. */
const CLASSES: readonly (readonly string[])[] = [
  ['k', 'K', '\u212A', '\uFF4B', '\uFF2B'],
  ['a', 'A', '\uFF41'],
  ['\u00E9', 'e\u0301', '\u00C9', 'E\u0301'],
  ['\u00DF', 'ss', 'SS', '\u1E9E'],
  ['fi', '\uFB01', 'FI'],
  ['\u03C3', '\u03A3'],
  ['i', 'I', '\u0131'],
  ['@'],
  ['.'],
  [' '],
  ['\u200B'],
  ['\u202E'],
];

const spelling = fc.array(
  fc.record({
    cls: fc.integer({ min: 0, max: CLASSES.length - 1 }),
    a: fc.nat(),
    b: fc.nat(),
  }),
  { minLength: 1, maxLength: 8 },
);

it('two spellings with one nameKey are one user: 409 on the second, eq on either finds the first (property)', async () => {
  await fc.assert(
    fc.asyncProperty(spelling, async (units) => {
      const pick = (cls: readonly string[], n: number) => cls[n % cls.length] as string;
      const first = units.map((u) => pick(CLASSES[u.cls] as string[], u.a)).join('');
      const second = units.map((u) => pick(CLASSES[u.cls] as string[], u.b)).join('');
      expect(nameKey(first)).toBe(nameKey(second));
      const created = await postUser(first);
      let refused = false;
      try {
        normaliseName('userName', first);
      } catch {
        refused = true;
      }
      if (refused) {
        expect(created.status).toBe(400);
        expect((await postUser(second)).status).toBe(400);
        return;
      }
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      try {
        expect((await postUser(second)).status).toBe(409);
        expect(await usersWhere(`userName eq ${JSON.stringify(first)}`)).toEqual([id]);
        expect(await usersWhere(`userName eq ${JSON.stringify(second)}`)).toEqual([id]);
      } finally {
        expect((await client.request('DELETE', `/Users/${id}`)).status).toBe(204);
      }
    }),
    { seed: 19, numRuns: 60 },
  );
});
