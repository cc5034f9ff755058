/**
 * Input limits: each is enforced BEFORE expensive work (no DynamoDB request at all, counted by
 * the fault-injection middleware with no rules) and answered with a SCIM error whose detail
 * names the limit; the limits a client can discover are advertised in /ServiceProviderConfig.
 * docs/HARDENING.md lists the same values; these tests keep the two honest.
 */
import { MAX_BODY_BYTES } from '../../lambdas/http/request';
import { MAX_RESPONSE_BODY_BYTES } from '../../lambdas/http/response';
import { MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from '../../lambdas/scim/filter/parser';
import { MAX_COUNT, MAX_FILTER_LENGTH } from '../../lambdas/scim/list';
import { MAX_PATCH_OPERATIONS } from '../../lambdas/scim/patch';
import { MAX_STRING_LENGTH } from '../../lambdas/scim/schema/json-schema';
import { MAX_MEMBERS_PER_REQUEST, MAX_MEMBERS_PER_RESPONSE } from '../../lambdas/service/groups-service';
import { MAX_USERNAME_BYTES } from '../../lambdas/store/users-store';
import { type FaultInjector, injectFaults } from '../support/fault-injection';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let meter: FaultInjector;
let userId: string;
let groupId: string;

beforeAll(async () => {
  client = await createScimTestClient();
  userId = (
    await client.request('POST', '/Users', { body: { schemas: [USER], userName: 'limits@example.com' } })
  ).body.id;
  groupId = (await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Limits' } }))
    .body.id;
  // No rules: only counts DynamoDB requests.
  meter = injectFaults(client.runtime.db);
});
beforeEach(() => meter.reset());
afterAll(async () => {
  meter.detach();
  await client.close();
});

/**
 * DynamoDB requests made for the SCIM operation itself. The provisioning activity record (one
 * PutItem after every mutating request, whatever its outcome) is bookkeeping, not work the
 * limit is meant to prevent, so one PutItem is allowed.
 */
function workDone(): number {
  return meter.attempts() - Math.min(1, meter.attempts('PutItem'));
}

function expectRejected(
  res: ScimResponse,
  status: number,
  scimType: string | undefined,
  detail: RegExp,
): void {
  expect(res.status).toBe(status);
  expect(res.body.status).toBe(String(status));
  if (scimType) expect(res.body.scimType).toBe(scimType);
  expect(res.body.detail).toMatch(detail);
  expect(workDone()).toBe(0);
}

const uuid = (i: number) => `0190f5e2-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;

describe('input limits are enforced before any DynamoDB request', () => {
  it(`a body over ${MAX_BODY_BYTES} bytes is 413 before it is parsed (invalid JSON still gets 413)`, async () => {
    const res = await client.request('POST', '/Users', { rawBody: `{${'x'.repeat(MAX_BODY_BYTES)}` });
    expectRejected(res, 413, undefined, new RegExp(String(MAX_BODY_BYTES)));
    expect(res.body.scimType).toBeUndefined(); // scimType is for 400s (RFC 7644 §3.12)
  });

  it('a body of exactly the limit is parsed (and then judged on its content)', async () => {
    const padding = MAX_BODY_BYTES - JSON.stringify({ schemas: [USER], userName: 'x', title: '' }).length;
    const res = await client.request('POST', '/Users', {
      rawBody: JSON.stringify({ schemas: [USER], userName: 'x', title: 'y'.repeat(padding) }),
    });
    expect(res.status).toBe(400); // the title is longer than MAX_STRING_LENGTH, not a 413
  });

  it('multi-byte characters count as bytes: 600 KB of 2-byte characters is 413', async () => {
    const res = await client.request('PATCH', `/Users/${userId}`, {
      rawBody: JSON.stringify({
        schemas: [PATCH],
        Operations: [{ op: 'add', path: 'title', value: 'é'.repeat(600_000) }],
      }),
    });
    expectRejected(res, 413, undefined, /bytes/);
  });

  it(`a filter longer than ${MAX_FILTER_LENGTH} characters is 400 invalidFilter`, async () => {
    const filter = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`;
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expectRejected(res, 400, 'invalidFilter', new RegExp(String(MAX_FILTER_LENGTH)));
  });

  it(`a filter nested deeper than ${MAX_FILTER_DEPTH} levels is 400 invalidFilter`, async () => {
    const depth = MAX_FILTER_DEPTH + 1;
    const filter = `${'('.repeat(depth)}userName pr${')'.repeat(depth)}`;
    const res = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expectRejected(res, 400, 'invalidFilter', /deeper|nest/i);
  });

  it(`a filter with more than ${MAX_FILTER_TERMS} attribute expressions is 400 invalidFilter`, async () => {
    const filter = Array.from({ length: MAX_FILTER_TERMS + 1 }, () => 'title pr').join(' or ');
    expect(filter.length).toBeGreaterThan(MAX_FILTER_LENGTH); // caught by length first…
    const res = await client.request('POST', '/Users/.search', { body: { filter } });
    expectRejected(res, 400, 'invalidFilter', /longer|more than/);
  });

  it(`count above ${MAX_COUNT} is capped, not an error (RFC 7644 §3.4.2.4)`, async () => {
    const res = await client.request('GET', '/Users?count=999999999&startIndex=1');
    expect(res.status).toBe(200);
    expect(res.body.itemsPerPage).toBeLessThanOrEqual(MAX_COUNT);
  });

  it(`more than ${MAX_PATCH_OPERATIONS} PATCH operations is 400 tooMany`, async () => {
    const Operations = Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({
      op: 'replace',
      path: 'active',
      value: true,
    }));
    const res = await client.request('PATCH', `/Users/${userId}`, { body: { schemas: [PATCH], Operations } });
    expectRejected(res, 400, 'tooMany', new RegExp(String(MAX_PATCH_OPERATIONS)));
  });

  it(`POST /Groups with more than ${MAX_MEMBERS_PER_RESPONSE} members is 400 tooMany`, async () => {
    const members = Array.from({ length: MAX_MEMBERS_PER_RESPONSE + 1 }, (_, i) => ({ value: uuid(i) }));
    const res = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Too big', members },
    });
    expectRejected(res, 400, 'tooMany', new RegExp(String(MAX_MEMBERS_PER_RESPONSE)));
  });

  it(`Okta Group Push PATCH adding more than ${MAX_MEMBERS_PER_REQUEST} members is 400 tooMany before any read`, async () => {
    const value = Array.from({ length: MAX_MEMBERS_PER_REQUEST + 1 }, (_, i) => ({ value: uuid(i) }));
    const res = await client.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value }] },
    });
    expectRejected(res, 400, 'tooMany', new RegExp(String(MAX_MEMBERS_PER_REQUEST)));
  });

  it(`an attribute string longer than ${MAX_STRING_LENGTH} characters is 400 invalidValue`, async () => {
    const res = await client.request('POST', '/Users', {
      body: { schemas: [USER], userName: 'long.title@example.com', title: 't'.repeat(MAX_STRING_LENGTH + 1) },
    });
    expectRejected(res, 400, 'invalidValue', new RegExp(String(MAX_STRING_LENGTH)));
  });

  it(`a userName over ${MAX_USERNAME_BYTES} bytes (its uniqueness key) is 400 invalidValue`, async () => {
    const res = await client.request('POST', '/Users', {
      body: { schemas: [USER], userName: `${'ü'.repeat(MAX_USERNAME_BYTES / 2)}@x` },
    });
    expectRejected(res, 400, 'invalidValue', new RegExp(String(MAX_USERNAME_BYTES)));
  });

  it('a PATCH value nested 40 levels deep is 400 after at most the one read of the resource', async () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 40; i++) value = { a: value };
    const res = await client.request('PATCH', `/Users/${userId}`, {
      body: { schemas: [PATCH], Operations: [{ op: 'add', value: { title: value } }] },
    });
    expect(res.status).toBe(400);
    expect(['invalidValue', 'invalidSyntax', 'invalidPath']).toContain(res.body.scimType);
    // Values are checked where they are applied, after the one read of the resource (a Query of
    // the user's partition: the user and its group ids): cheap, and nothing is written (the body
    // was already bounded to 1 MB).
    expect(workDone()).toBe(meter.attempts('Query'));
    expect(meter.attempts('Query')).toBeLessThanOrEqual(1);
  });

  it('a body nested 100,000 levels deep is a 400, not a stack overflow', async () => {
    const depth = 100_000;
    const res = await client.request('POST', '/Users', {
      rawBody: `${'['.repeat(depth)}${']'.repeat(depth)}`,
    });
    expect(res.status).toBe(400);
    expect(workDone()).toBe(0);
  });

  it('an overlong cursor is 400 invalidCursor', async () => {
    const res = await client.request('GET', `/Users?cursor=${'A'.repeat(5_000)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidCursor');
    expect(workDone()).toBe(0);
  });
});

describe('limits are advertised where SCIM has a place for them', () => {
  it('ServiceProviderConfig: filter.maxResults = MAX_COUNT, bulk.maxPayloadSize = MAX_BODY_BYTES', async () => {
    const res = await client.request('GET', '/ServiceProviderConfig');
    expect(res.body.filter).toEqual({ supported: true, maxResults: MAX_COUNT });
    expect(res.body.bulk.maxPayloadSize).toBe(MAX_BODY_BYTES);
    expect(res.body.bulk.supported).toBe(false);
  });
});

describe('a response that would not fit in a Lambda response', () => {
  it(`a page over ${MAX_RESPONSE_BODY_BYTES} bytes is 400 tooMany naming the way out, not a bare 502`, async () => {
    // 20 users of ~330 KB each (under DynamoDB's 400 KB item limit): Okta's import page of 100
    // would be ~6.6 MB, more than Lambda returns. Another tenant, so the other tests' lists stay small.
    const globex = client.tokenFor('globex');
    const filler = 'x'.repeat(55_000);
    for (let i = 0; i < 20; i++) {
      const res = await client.request('POST', '/Users', {
        token: globex,
        body: {
          schemas: [USER],
          userName: `big${i}@example.com`,
          displayName: filler,
          nickName: filler,
          title: filler,
          profileUrl: `https://example.com/${filler}`,
          locale: filler,
          timezone: filler,
        },
      });
      expect(res.status).toBe(201);
    }
    const page = await client.request('GET', '/Users?startIndex=1&count=100', { token: globex });
    expect(page.status).toBe(400);
    expect(page.body.scimType).toBe('tooMany');
    expect(page.body.detail).toMatch(/count.*attributes/);
    // The ways out work: fewer resources, or fewer attributes.
    const fewer = await client.request('GET', '/Users?startIndex=1&count=10', { token: globex });
    expect(fewer.status).toBe(200);
    expect(fewer.body.Resources).toHaveLength(10);
    const slim = await client.request('GET', '/Users?startIndex=1&count=100&attributes=userName', {
      token: globex,
    });
    expect(slim.status).toBe(200);
    expect(slim.body.totalResults).toBe(20);
  });

  it('a committed write is never refused for its size: a group whose member list would not fit is answered without members', async () => {
    const globex = client.tokenFor('globex');
    // 100 users whose displayName (each member's `display`) is 64 K characters: ~6.5 MB of members.
    const displayName = 'd'.repeat(64_000);
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.request('POST', '/Users', {
            token: globex,
            body: { schemas: [USER], userName: `wide${batch * 10 + i}@example.com`, displayName },
          }),
        ),
      );
      for (const res of created) {
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
    }
    const members = ids.map((value) => ({ value }));
    const group = await client.request('POST', '/Groups', {
      token: globex,
      body: { schemas: [GROUP], displayName: 'Wide', members },
    });
    expect(group.status).toBe(201);
    expect(group.body.members).toBeUndefined();
    expect(group.body.displayName).toBe('Wide');
    const put = await client.request('PUT', `/Groups/${group.body.id}`, {
      token: globex,
      body: { schemas: [GROUP], displayName: 'Wider', members },
    });
    expect(put.status).toBe(200);
    expect(put.body.members).toBeUndefined();
    // Reads can ask for less: the whole group is refused, the group without members is not.
    const read = await client.request('GET', `/Groups/${group.body.id}`, { token: globex });
    expect(read.status).toBe(400);
    expect(read.body.scimType).toBe('tooMany');
    const slim = await client.request('GET', `/Groups/${group.body.id}?excludedAttributes=members`, {
      token: globex,
    });
    expect(slim.status).toBe(200);
    expect(slim.body.displayName).toBe('Wider');
  });
});
