/**
 * Keeps each tenant's API Gateway API keys in the usage plan of its limit (docs/FAIRNESS.md):
 * a key per scope the tenant has tokens of (value derived by lambdas/auth/usage-key.ts) is
 * created if missing and put in exactly one of the stack's tenant plans, the one named after the
 * tenant's limit. Idempotent, so `scim-token keys --stack` can repair drift for every tenant of
 * the token document.
 */
import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type RateLimit, rateLimitTier } from '../lambdas/auth/rate-limit';
import type { TokenScope } from '../lambdas/auth/token-document';
import { tenantApiKeyValue } from '../lambdas/auth/usage-key';
import { CliError, describeAwsError } from './errors';

/** The stack's REST API and its tenant usage plans (tier name → plan id). */
export interface TenantPlans {
  readonly restApiId: string;
  readonly plans: Readonly<Record<string, string>>;
}

/** Reads the RestApiId and TenantUsagePlans outputs of the stack. */
export async function tenantPlansOfStack(stack: string, client: CloudFormationClient): Promise<TenantPlans> {
  let outputs: Array<{ OutputKey?: string; OutputValue?: string }> | undefined;
  try {
    outputs = (await client.send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0]?.Outputs;
  } catch (error) {
    throw describeAwsError(error, `stack ${stack}`);
  }
  const output = (key: string) => outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const restApiId = output('RestApiId');
  const plans = output('TenantUsagePlans');
  if (!restApiId || !plans) {
    throw new CliError(`stack ${stack} has no RestApiId/TenantUsagePlans outputs; deploy this version first`);
  }
  return { restApiId, plans: JSON.parse(plans) as Record<string, string> };
}

export type KeyChange = 'created' | 'moved' | 'added' | 'unchanged';

/** The key's name: `<api>-<tenant>` for write tokens, `<api>-<tenant>:read` (no tenant name holds `:`). */
function tenantApiKeyName(restApiId: string, tenant: string, scope: TokenScope): string {
  return scope === 'write' ? `${restApiId}-${tenant}` : `${restApiId}-${tenant}:${scope}`;
}

/** Puts `tenant`'s key of `scope` (created if missing) in the plan of `limit`, and in no other tenant plan. */
export async function syncTenantKey(
  client: APIGatewayClient,
  target: TenantPlans,
  tenant: string,
  scope: TokenScope,
  limit: RateLimit,
): Promise<KeyChange> {
  const tier = rateLimitTier(limit);
  const planId = target.plans[tier];
  if (!planId) {
    throw new CliError(
      `the stack has no usage plan ${tier}: add { rate: ${limit.rate}, burst: ${limit.burst} } to its tenantRateTiers and deploy`,
    );
  }
  try {
    const name = tenantApiKeyName(target.restApiId, tenant, scope);
    const found = await client.send(new GetApiKeysCommand({ nameQuery: name, limit: 500 }));
    let keyId = found.items?.find((k) => k.name === name)?.id;
    let change: KeyChange = 'unchanged';
    if (!keyId) {
      const created = await client.send(
        new CreateApiKeyCommand({
          name,
          value: tenantApiKeyValue(target.restApiId, tenant, scope),
          enabled: true,
        }),
      );
      keyId = created.id;
      change = 'created';
    }
    if (!keyId) throw new CliError(`API Gateway returned no id for the ${scope} key of tenant "${tenant}"`);
    // A key may be in one plan per stage: leave the others first, then join the right one.
    let inTarget = false;
    for (const id of Object.values(target.plans)) {
      if (!(await isInPlan(client, id, keyId))) continue;
      if (id === planId) inTarget = true;
      else {
        await client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: id, keyId }));
        if (change === 'unchanged') change = 'moved';
      }
    }
    if (!inTarget) {
      await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId, keyType: 'API_KEY' }));
      if (change === 'unchanged') change = 'added';
    }
    return change;
  } catch (error) {
    throw describeAwsError(error, `the ${scope} API key of tenant "${tenant}"`);
  }
}

async function isInPlan(client: APIGatewayClient, usagePlanId: string, keyId: string): Promise<boolean> {
  try {
    await client.send(new GetUsagePlanKeyCommand({ usagePlanId, keyId }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundException') return false;
    throw error;
  }
}
