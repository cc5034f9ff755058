/**
 * `scim-token keys` / create / limit with --stack (docs/FAIRNESS.md): each tenant's API key is
 * created once with the derived value and sits in exactly one tenant usage plan, the one of its
 * limit. API Gateway is an in-memory fake behind aws-sdk-client-mock.
 */
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/main';
import { tenantApiKeyValue } from '../../../lambdas/auth/usage-key';
import { FakeSecretsManager } from '../auth/fake-secrets-manager';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const PLANS = { 'r10-b20': 'plan-default', 'r50-b100': 'plan-bulk' };

function fakeApiGateway() {
  const client = new APIGatewayClient({ region: 'us-east-1', credentials });
  const keys = new Map<string, { id: string; value: string }>();
  const membership = new Map<string, Set<string>>(Object.values(PLANS).map((p) => [p, new Set()]));
  const notFound = () => Object.assign(new Error('Invalid Usage Plan Key'), { name: 'NotFoundException' });
  const mock = mockClient(client);
  mock.on(GetApiKeysCommand).callsFake(async (input: { nameQuery?: string }) => ({
    items: [...keys]
      .filter(([name]) => name.startsWith(input.nameQuery ?? ''))
      .map(([name, k]) => ({ name, id: k.id })),
  }));
  mock.on(CreateApiKeyCommand).callsFake(async (input: { name: string; value: string }) => {
    const id = `key-${keys.size + 1}`;
    keys.set(input.name, { id, value: input.value });
    return { id };
  });
  mock.on(GetUsagePlanKeyCommand).callsFake(async (input: { usagePlanId: string; keyId: string }) => {
    if (!membership.get(input.usagePlanId)?.has(input.keyId)) throw notFound();
    return { id: input.keyId };
  });
  mock.on(DeleteUsagePlanKeyCommand).callsFake(async (input: { usagePlanId: string; keyId: string }) => {
    membership.get(input.usagePlanId)?.delete(input.keyId);
    return {};
  });
  mock.on(CreateUsagePlanKeyCommand).callsFake(async (input: { usagePlanId: string; keyId: string }) => {
    const plans = [...membership].filter(([, m]) => m.has(input.keyId));
    if (plans.length > 0)
      throw Object.assign(new Error('already in a plan of this stage'), { name: 'ConflictException' });
    membership.get(input.usagePlanId)?.add(input.keyId);
    return {};
  });
  const plansOf = (tenant: string, scope: 'write' | 'read' = 'write') => {
    const id = keys.get(scope === 'write' ? `api123-${tenant}` : `api123-${tenant}:${scope}`)?.id;
    return Object.entries(PLANS)
      .filter(([, plan]) => id !== undefined && membership.get(plan)?.has(id))
      .map(([tier]) => tier);
  };
  return { client, keys, plansOf, mock };
}

function setup() {
  const sm = new FakeSecretsManager();
  const secretArn = sm.createSecret('tokens', '{"tokens":[]}');
  const cfn = new CloudFormationClient({ region: 'us-east-1', credentials });
  mockClient(cfn)
    .on(DescribeStacksCommand)
    .resolves({
      Stacks: [
        {
          StackName: 'Scim',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'TokenSecretArn', OutputValue: secretArn },
            { OutputKey: 'RestApiId', OutputValue: 'api123' },
            { OutputKey: 'TenantUsagePlans', OutputValue: JSON.stringify(PLANS) },
          ],
        },
      ],
    });
  const apigw = fakeApiGateway();
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: {},
      cwd: '/tmp',
      sleep: async () => undefined,
      secretsManager: () => sm.client,
      cloudFormation: () => cfn,
      apiGateway: () => apigw.client,
    });
    return { code, stdout, stderr };
  };
  return { run, apigw, sm };
}

describe('tenant API keys in step with the token document', () => {
  it("create --stack makes the tenant's key (derived value) and puts it in the default plan, once", async () => {
    const { run, apigw } = setup();
    const first = await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('API key of tenant "acme" (write tokens): created (usage plan r10-b20)');
    expect(apigw.keys.get('api123-acme')?.value).toBe(tenantApiKeyValue('api123', 'acme', 'write'));
    expect(apigw.plansOf('acme')).toEqual(['r10-b20']);
    const second = await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta 2');
    expect(second.stdout).toContain('API key of tenant "acme" (write tokens): unchanged');
    // No read token, no read key: tenants that only provision spend one key of the quota.
    expect([...apigw.keys.keys()]).toEqual(['api123-acme']);
  });

  it('a read token gives its tenant a read key of its own, in the same plan, moved with the limit', async () => {
    const { run, apigw } = setup();
    await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta');
    const reader = await run(...'create --stack Scim --tenant acme --label Console --scope read'.split(' '));
    expect(reader.code).toBe(0);
    expect(reader.stdout).toContain('API key of tenant "acme" (read tokens): created (usage plan r10-b20)');
    expect(apigw.keys.get('api123-acme:read')?.value).toBe(tenantApiKeyValue('api123', 'acme', 'read'));
    expect([apigw.plansOf('acme'), apigw.plansOf('acme', 'read')]).toEqual([['r10-b20'], ['r10-b20']]);
    await run('limit', '--stack', 'Scim', '--tenant', 'acme', '--rate', '50', '--burst', '100');
    expect([apigw.plansOf('acme'), apigw.plansOf('acme', 'read')]).toEqual([['r50-b100'], ['r50-b100']]);
  });

  it('limit --stack moves the key to the plan of the new limit and back; an undeployed tier is an error', async () => {
    const { run, apigw } = setup();
    await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta');
    const up = await run('limit', '--stack', 'Scim', '--tenant', 'acme', '--rate', '50', '--burst', '100');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('moved (usage plan r50-b100)');
    expect(apigw.plansOf('acme')).toEqual(['r50-b100']);
    await run('limit', '--stack', 'Scim', '--tenant', 'acme', '--default');
    expect(apigw.plansOf('acme')).toEqual(['r10-b20']);
    const odd = await run('limit', '--stack', 'Scim', '--tenant', 'acme', '--rate', '7', '--burst', '7');
    expect(odd.code).toBe(1);
    expect(odd.stderr).toContain('the stack has no usage plan r7-b7');
    expect(apigw.plansOf('acme')).toEqual(['r10-b20']);
  });

  it('keys --stack repairs every tenant of the document (keys created elsewhere, plans drifted)', async () => {
    const { run, apigw } = setup();
    await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta');
    // Tokens created without --stack: their tenants have no key yet.
    for (const tenant of ['globex', 'initech']) {
      expect((await run('create', '--secret-id', 'tokens', '--tenant', tenant, '--label', 'x')).stderr).toBe(
        '',
      );
    }
    await run('limit', '--secret-id', 'tokens', '--tenant', 'initech', '--rate', '50', '--burst', '100');
    expect(apigw.plansOf('globex')).toEqual([]);
    const synced = await run('keys', '--stack', 'Scim');
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain('"acme" (write tokens): unchanged');
    expect(synced.stdout).toContain('"globex" (write tokens): created (usage plan r10-b20)');
    expect(synced.stdout).toContain('"initech" (write tokens): created (usage plan r50-b100)');
    expect(['acme', 'globex', 'initech'].map((t) => apigw.plansOf(t))).toEqual([
      ['r10-b20'],
      ['r10-b20'],
      ['r50-b100'],
    ]);
    expect((await run('keys', '--secret-id', 'tokens')).code).toBe(2);
  });

  it('a failed key sync after create is a warning: the token is still printed', async () => {
    const { run, apigw } = setup();
    apigw.mock
      .on(CreateApiKeyCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const res = await run('create', '--stack', 'Scim', '--tenant', 'acme', '--label', 'Okta');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/scim_[A-Za-z0-9_-]{43}_[0-9a-z]{7}/);
    expect(res.stderr).toContain('scim-token keys --stack');
  });
});
