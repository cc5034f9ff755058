/**
 * The filter language through the real Users/Groups handlers (DynamoDB Local): what Okta and
 * Entra send arrives as a query string parameter, and every malformed filter must come back as
 * one SCIM error body with 400 invalidFilter, never a 500.
 */

import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('filters over HTTP', () => {
  let client: ScimTestClient;
  let userId: string;

  beforeAll(async () => {
    client = await createScimTestClient();
    const created = await client.request('POST', '/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'Test.User@okta.local',
        externalId: '00uABC',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        active: true,
      },
    });
    expect(created.status).toBe(201);
    userId = created.body.id;
  });
  afterAll(() => client.close());

  test.each([
    ['Okta: userName%20eq (any case)', 'userName%20eq%20%22TEST.USER%40okta.local%22'],
    ['Okta (older): userName+eq+', 'userName+eq+%22test.user%40okta.local%22'],
    ['Entra: externalId eq', 'externalId%20eq%20%2200uABC%22'],
    [
      'Entra: emails[type eq "work"].value eq',
      'emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22test.user%40okta.local%22',
    ],
    [
      'Entra: two terms joined by and',
      'userName%20eq%20%22test.user%40okta.local%22%20and%20externalId%20eq%20%2200uABC%22',
    ],
  ])('%s finds the user', async (_name, encoded) => {
    const res = await client.request('GET', `/Users?filter=${encoded}&startIndex=1&count=100`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(userId);
  });

  test('Okta: a user that does not exist is an empty ListResponse, not 404', async () => {
    const res = await client.request('GET', '/Users?filter=userName+eq+%22nobody%40okta.local%22');
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
    expect(res.body.Resources).toEqual([]);
  });

  test.each([
    ['userName equ "x"', 'Expected a comparison operator or "pr" at position 9 near "equ \\"x\\""'],
    ['(userName eq "x"', 'Expected ")" (to close the "(" at position 0) at the end of the text'],
    ['userName eq "x', 'Unterminated string literal at position 12 near "\\"x"'],
    ['active gt true', 'active: is a boolean; "gt" is not defined for booleans'],
  ])('GET /Users?filter=%s → 400 invalidFilter with the parser detail', async (filter, detail) => {
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidFilter', detail });
  });

  test('a deeply nested filter is a 400, not a 500', async () => {
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent('('.repeat(5000))}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });

  test('Groups: a malformed filter is 400 invalidFilter too', async () => {
    const res = await client.request('GET', `/Groups?filter=${encodeURIComponent('displayName eq')}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });
});
