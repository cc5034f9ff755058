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
});
