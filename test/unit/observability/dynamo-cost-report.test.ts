/**
 * Where the cost goes: a response header only when SCIM_COST_HEADER=1, EMF metrics only in
 * Lambda, and nothing that could change a response otherwise.
 */
import { formatCost } from '../../../lambdas/observability/dynamo-cost';
import {
  COST_HEADER,
  operationName,
  reportRequestCost,
} from '../../../lambdas/observability/dynamo-cost-report';

const cost = {
  requests: 2,
  byCommand: { GetItem: 1, TransactWriteItems: 1 },
  readCapacityUnits: 1,
  writeCapacityUnits: 4,
  retries: 0,
  errors: 0,
};
const result = { statusCode: 200, headers: { 'Content-Type': 'application/scim+json' }, body: '{}' };

describe('reportRequestCost', () => {
  it('leaves the response untouched by default (the header would describe the storage layer)', () => {
    expect(reportRequestCost('Users.get', cost, result, {})).toBe(result);
    expect(reportRequestCost('Users.get', cost, result, { SCIM_COST_HEADER: 'true' })).toBe(result);
  });

  it('adds x-scim-dynamodb-cost when SCIM_COST_HEADER=1, keeping the other headers', () => {
    const out = reportRequestCost('Users.get', cost, result, { SCIM_COST_HEADER: '1' });
    expect(out.headers).toEqual({ 'Content-Type': 'application/scim+json', [COST_HEADER]: formatCost(cost) });
    expect(out.body).toBe('{}');
    expect(result.headers).not.toHaveProperty(COST_HEADER);
  });

  it('reports nothing for a request that never reached an operation', () => {
    expect(reportRequestCost(undefined, cost, result, { SCIM_COST_HEADER: '1' })).toBe(result);
  });

  it('in Lambda, writes one EMF record with DynamoRequests/RCU/WCU under dimension operation', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const log = jest.spyOn(console, 'log').mockImplementation((text: unknown) => {
      lines.push(String(text));
    });
    try {
      reportRequestCost('Users.create', cost, result, { AWS_LAMBDA_FUNCTION_NAME: 'scim-users' });
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const emf = lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toHaveLength(1);
    const record = emf[0] as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    expect(record.operation).toBe('Users.create');
    expect(record.DynamoRequests).toBe(2);
    expect(record.DynamoRCU).toBe(1);
    expect(record.DynamoWCU).toBe(4);
    const directive = record._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('Scim');
    expect(directive?.Dimensions.flat()).toContain('operation');
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual([
      'DynamoRCU',
      'DynamoRequests',
      'DynamoWCU',
    ]);
  });
});

describe('operationName', () => {
  it('names the dimension after the resource and the operation', () => {
    expect(operationName('users', 'create')).toBe('Users.create');
    expect(operationName('groups', 'patch')).toBe('Groups.patch');
  });
});
