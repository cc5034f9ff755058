/**
 * What API Gateway does before a deployed request reaches a function (docs/FAIRNESS.md), done
 * in-process for the local server: the token is mapped to its tenant (the authorizer's job) and
 * the tenant's own token bucket decides (the usage plan's job), one for its write tokens and one
 * for its read tokens (as deployed, a key each), before any handler or DynamoDB work. Callers without a valid token draw from one separate, much smaller bucket, so they can
 * never use up what tenants need. One process is one limiter, so the local limits are exact.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createAuthenticator } from '../lambdas/auth/authenticator';
import {
  DEFAULT_STRANGER_RATE_LIMIT,
  DEFAULT_TENANT_RATE_LIMIT,
  type RateLimit,
} from '../lambdas/auth/rate-limit';
import type { TokenSource } from '../lambdas/auth/token-source';
import { DomainError, isDomainError } from '../lambdas/domain/errors';
import { errorResponse, gatewayUnauthorizedResponse } from '../lambdas/http/error-response';
import { singleAuthorization } from '../lambdas/http/request';

/** Answers a request the way the gateway would, or undefined to pass it on to the handler. */
export type Gate = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult | undefined>;

export interface TenantGateOptions {
  readonly source: TokenSource;
  /** Each tenant's limit when the token document names none; default DEFAULT_TENANT_RATE_LIMIT. */
  readonly tenantDefault?: RateLimit;
  /** All callers without a valid token together; default DEFAULT_STRANGER_RATE_LIMIT. */
  readonly strangers?: RateLimit;
  /** Milliseconds; tests pass a fake clock. */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per key: `take` spends one request, or says how many seconds until one is back. */
function buckets(now: () => number) {
  const all = new Map<string, Bucket>();
  return (key: string, limit: RateLimit): number | undefined => {
    const t = now();
    const bucket = all.get(key) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.rate);
    bucket.at = t;
    all.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.rate));
  };
}

const STRANGERS_KEY = '\u0000strangers';

export function tenantGate(options: TenantGateOptions): Gate {
  const authenticate = createAuthenticator(options.source);
  const take = buckets(options.now ?? Date.now);
  const strangers = options.strangers ?? DEFAULT_STRANGER_RATE_LIMIT;
  const tenantDefault = options.tenantDefault ?? DEFAULT_TENANT_RATE_LIMIT;
  return async (event) => {
    let principal: Awaited<ReturnType<typeof authenticate>>;
    try {
      principal = await authenticate(singleAuthorization(event));
    } catch (error) {
      if (!isDomainError(error, 'unauthenticated')) return errorResponse(error);
      const wait = take(STRANGERS_KEY, strangers);
      return wait === undefined ? gatewayUnauthorizedResponse() : throttled(wait);
    }
    const { tenant, scope } = principal;
    const limit = (await options.source.current()).limits?.[tenant] ?? tenantDefault;
    const wait = take(`${tenant}\u0000${scope}`, limit);
    return wait === undefined ? undefined : throttled(wait);
  };
}

function throttled(retryAfterSeconds: number): APIGatewayProxyResult {
  return errorResponse(new DomainError('throttled', 'Too Many Requests', { retryAfterSeconds }));
}
