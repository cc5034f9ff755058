/**
 * The API Gateway API keys that stand for a tenant in the usage plans (docs/FAIRNESS.md). The
 * authorizer returns one as usageIdentifierKey; whoever provisions the tenant's keys (the token
 * CLI, with the values this function gives) imports them with the same values. They are no
 * secret: with the API key source AUTHORIZER, API Gateway ignores any key a client sends.
 * Keyed by the REST API id, so two stacks in one account (API key values are per account and
 * Region) never share a tenant's key. Read tokens have a key of their own, so a reader at its
 * limit cannot delay the tenant's provisioning.
 */
import { createHash } from 'node:crypto';
import type { TokenScope } from './token-document';

/**
 * `scim` + 64 hex characters: alphanumeric and within API Gateway's 20–128 characters. The write
 * key hashes `<api>/<tenant>` (its value before read keys existed), the read key
 * `<api>/<tenant>/read`; tenant names hold no `/`, so neither equals another tenant's key.
 */
export function tenantApiKeyValue(restApiId: string, tenant: string, scope: TokenScope): string {
  const subject = scope === 'write' ? `${restApiId}/${tenant}` : `${restApiId}/${tenant}/${scope}`;
  return `scim${createHash('sha256').update(subject, 'utf8').digest('hex')}`;
}
