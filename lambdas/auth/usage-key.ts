/**
 * The API Gateway API key that stands for a tenant in the usage plans (docs/FAIRNESS.md). The
 * authorizer returns it as usageIdentifierKey; whoever provisions the tenant's key (the
 * operator, with the value this function gives) imports it with the same value. It is no
 * secret: with the API key source AUTHORIZER, API Gateway ignores any key a client sends.
 * Keyed by the REST API id, so two stacks in one account (API key values are per account and
 * Region) never share a tenant's key.
 */
import { createHash } from 'node:crypto';

/** `scim` + 64 hex characters: alphanumeric and within API Gateway's 20–128 characters. */
export function tenantApiKeyValue(restApiId: string, tenant: string): string {
  return `scim${createHash('sha256').update(`${restApiId}/${tenant}`, 'utf8').digest('hex')}`;
}
