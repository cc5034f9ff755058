/**
 * What `create`, `rotate`, `revoke` and `list` do to a token document, as pure functions: the
 * stores call them inside their read-modify-write loop, possibly more than once when another
 * writer got in first, so they must depend on nothing but their arguments (a retried create
 * simply mints a different token; only the one that was stored is printed).
 */
import { randomBytes } from 'node:crypto';
import { parseRateLimit, type RateLimit } from '../lambdas/auth/rate-limit';
import {
  DEFAULT_TOKEN_SCOPE,
  isTokenScope,
  isValidTenant,
  scopeOf,
  TOKEN_SCOPES,
  type TokenDocument,
  type TokenRecord,
  type TokenScope,
} from '../lambdas/auth/token-document';
import { generateToken } from '../lambdas/auth/token-format';
import { sha256Hex } from '../lambdas/auth/token-hash';
import { CliError, usageError } from './errors';

/** Records the local server writes for SCIM_DEV_TOKEN / SCIM_LOCAL_TOKENS (local/dev-tokens.ts). */
const LOCAL_SERVER_ID_PREFIX = 'local-env-';
const MAX_LABEL_LENGTH = 200;

export interface IssuedToken {
  /** Clear text: shown once, never stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

export interface Change<T> {
  readonly document: TokenDocument;
  readonly result: T;
}

export function validateTenant(tenant: string | undefined): string {
  if (tenant === undefined || tenant === '') throw usageError('--tenant is required');
  if (!isValidTenant(tenant)) {
    throw usageError(
      `tenant "${tenant}" must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return tenant;
}

export function validateLabel(label: string | undefined): string {
  const trimmed = label?.trim() ?? '';
  if (trimmed === '')
    throw usageError('--label is required (say where the token is used, e.g. "Okta production")');
  if (trimmed.length > MAX_LABEL_LENGTH)
    throw usageError(`--label is longer than ${MAX_LABEL_LENGTH} characters`);
  return trimmed;
}

/** `--scope`: read or write; write when not given (what an identity provider needs). */
export function validateScope(scope: string | undefined): TokenScope {
  if (scope === undefined) return DEFAULT_TOKEN_SCOPE;
  if (!isTokenScope(scope)) throw usageError(`--scope must be one of ${TOKEN_SCOPES.join(', ')}`);
  return scope;
}

function newId(): string {
  return `tok_${randomBytes(8).toString('hex')}`;
}

function issue(
  tenant: string,
  label: string,
  scope: TokenScope,
  now: Date,
  expiresInMs: number | undefined,
): IssuedToken {
  const token = generateToken();
  const record: TokenRecord = {
    id: newId(),
    tenant,
    label,
    scope,
    sha256: sha256Hex(token),
    createdAt: now.toISOString(),
    ...(expiresInMs !== undefined ? { expiresAt: new Date(now.getTime() + expiresInMs).toISOString() } : {}),
  };
  return { token, record };
}

export function createToken(
  document: TokenDocument,
  input: { tenant: string; label: string; scope?: TokenScope; expiresInMs?: number; now: Date },
): Change<IssuedToken> {
  const issued = issue(
    input.tenant,
    input.label,
    input.scope ?? DEFAULT_TOKEN_SCOPE,
    input.now,
    input.expiresInMs,
  );
  return { document: { ...document, tokens: [...document.tokens, issued.record] }, result: issued };
}

function findRecord(document: TokenDocument, id: string): TokenRecord {
  const record = document.tokens.find((t) => t.id === id);
  if (!record) throw new CliError(`no token with id "${id}" (see: scim-token list)`);
  if (id.startsWith(LOCAL_SERVER_ID_PREFIX)) {
    throw new CliError(
      `token "${id}" is managed by the local server (SCIM_DEV_TOKEN / SCIM_LOCAL_TOKENS); change it there`,
    );
  }
  return record;
}

export interface Rotation {
  readonly successor: IssuedToken;
  readonly previous: TokenRecord;
}

/**
 * A successor for the same tenant, label and scope (a record without one: write); the old token stays valid for `graceMs` (never
 * longer than it already would). The successor inherits the old token's lifetime unless
 * `expiresInMs` says otherwise.
 */
export function rotateToken(
  document: TokenDocument,
  input: { id: string; graceMs: number; expiresInMs?: number; now: Date },
): Change<Rotation> {
  const old = findRecord(document, input.id);
  const graceEnd = input.now.getTime() + input.graceMs;
  const currentEnd = old.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(old.expiresAt);
  const previous: TokenRecord = {
    ...old,
    expiresAt: new Date(Number.isNaN(currentEnd) ? graceEnd : Math.min(graceEnd, currentEnd)).toISOString(),
  };
  const lifetime =
    input.expiresInMs ??
    (old.expiresAt !== undefined && !Number.isNaN(Date.parse(old.expiresAt))
      ? Math.max(0, Date.parse(old.expiresAt) - Date.parse(old.createdAt))
      : undefined);
  const successor = issue(
    old.tenant,
    old.label,
    scopeOf(old),
    input.now,
    Number.isNaN(lifetime) ? undefined : lifetime,
  );
  return {
    document: {
      ...document,
      tokens: [...document.tokens.map((t) => (t.id === old.id ? previous : t)), successor.record],
    },
    result: { successor, previous },
  };
}

export function revokeToken(document: TokenDocument, input: { id: string }): Change<TokenRecord> {
  const record = findRecord(document, input.id);
  return {
    document: { ...document, tokens: document.tokens.filter((t) => t.id !== record.id) },
    result: record,
  };
}

/**
 * Sets a tenant's request-rate override (docs/FAIRNESS.md), or removes it (`limit` undefined:
 * the default applies). The local server enforces it from the next request; deployed, the
 * tenant's API key must be in the usage plan of the same limit.
 */
export function setTenantLimit(
  document: TokenDocument,
  input: { tenant: string; limit: RateLimit | undefined },
): Change<RateLimit | undefined> {
  const { [input.tenant]: _previous, ...others } = document.limits ?? {};
  const limits = input.limit ? { ...others, [input.tenant]: input.limit } : others;
  const { limits: _old, ...rest } = document;
  return {
    document: { ...rest, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
    result: input.limit,
  };
}

/** `--rate` and `--burst` as a limit (both required, checked as the token document checks them). */
export function parseLimitOptions(rate: string | undefined, burst: string | undefined): RateLimit {
  if (rate === undefined || burst === undefined) {
    throw usageError('--rate and --burst are both required (or --default to remove the override)');
  }
  const limit = parseRateLimit({ rate: Number(rate), burst: Number(burst) });
  if (!limit) {
    throw usageError('--rate must be a number > 0 and --burst a whole number ≥ 1 (both at most 10000)');
  }
  return limit;
}

/** What `list` shows: never the hash. */
export interface TokenListing {
  readonly id: string;
  readonly tenant: string;
  readonly label: string;
  readonly scope: TokenScope;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly expired: boolean;
}

export function listTokens(document: TokenDocument, input: { tenant?: string; now: Date }): TokenListing[] {
  return document.tokens
    .filter((t) => input.tenant === undefined || t.tenant === input.tenant)
    .map((t) => ({
      id: t.id,
      tenant: t.tenant,
      label: t.label,
      scope: scopeOf(t),
      createdAt: t.createdAt,
      expiresAt: t.expiresAt ?? null,
      expired: t.expiresAt !== undefined && !(Date.parse(t.expiresAt) > input.now.getTime()),
    }))
    .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.createdAt.localeCompare(b.createdAt));
}
