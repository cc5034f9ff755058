/**
 * The cost hook in the HTTP adapter, through the real handlers: the header appears only when
 * SCIM_COST_HEADER=1, and each request reports its own DynamoDB work even when many run at once.
 */
import { COST_HEADER } from '../../../lambdas/observability/dynamo-cost-report';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

let client: ScimTestClient;
const saved = process.env.SCIM_COST_HEADER;

beforeAll(async () => {
  client = await createScimTestClient();
});

afterAll(async () => {
  if (saved === undefined) delete process.env.SCIM_COST_HEADER;
  else process.env.SCIM_COST_HEADER = saved;
  await client.close();
});

describe('x-scim-dynamodb-cost', () => {
  it('is absent by default', async () => {
    delete process.env.SCIM_COST_HEADER;
    const response = await client.request('GET', '/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.headers[COST_HEADER]).toBeUndefined();
  });

  it('reports zero DynamoDB requests for discovery, which is served from memory', async () => {
    process.env.SCIM_COST_HEADER = '1';
    const response = await client.request('GET', '/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.headers[COST_HEADER]).toMatch(/^requests=0;rcu=0;wcu=0;/);
  });

  it('is not added to a request that matched no operation (405)', async () => {
    process.env.SCIM_COST_HEADER = '1';
    const response = await client.request('DELETE', '/ServiceProviderConfig');
    expect(response.status).toBe(405);
    expect(response.headers[COST_HEADER]).toBeUndefined();
  });

  it('concurrent requests each report only their own DynamoDB work (same as when run alone)', async () => {
    process.env.SCIM_COST_HEADER = '1';
    const users: string[] = [];
    for (const name of ['cost.a@example.com', 'cost.b@example.com', 'cost.c@example.com']) {
      const created = await client.request('POST', '/Users', {
        body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name },
      });
      expect(created.status).toBe(201);
      users.push(created.body.id as string);
    }
    const calls: [string, string][] = [
      ...users.map((id): [string, string] => ['GET', `/Users/${id}`]),
      ['GET', `/Users?filter=${encodeURIComponent('userName eq "cost.b@example.com"')}`],
      ['GET', '/Users?startIndex=1&count=2'],
      ['GET', '/ServiceProviderConfig'],
    ];
    const alone: string[] = [];
    for (const [method, path] of calls) {
      alone.push((await client.request(method, path)).headers[COST_HEADER] as string);
    }
    expect(alone.every((header) => /^requests=\d+;/.test(header))).toBe(true);
    for (let round = 0; round < 5; round += 1) {
      const together = await Promise.all(calls.map(([method, path]) => client.request(method, path)));
      expect(together.map((r) => r.headers[COST_HEADER])).toEqual(alone);
    }
  });
});
