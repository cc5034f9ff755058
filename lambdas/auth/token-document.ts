/**
 * The token store document, kept as JSON in Secrets Manager (and, for the local server, in
 * `.scim-local/tokens.json`). It holds only SHA-256 hashes: a leaked document does not leak a
 * usable token.
 */
import { parseRateLimit, type RateLimit } from './rate-limit';

/**
 * What a token may do: `write` every SCIM operation (what an identity provider gets), `read`
 * only the operations the route table marks as reads (lambdas/routes.ts). docs/TOKENS.md.
 */
export type TokenScope = 'read' | 'write';

export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];

/** A record stored before scopes existed has none: it keeps the access it had, `write`. */
export const DEFAULT_TOKEN_SCOPE: TokenScope = 'write';

export function isTokenScope(value: unknown): value is TokenScope {
  return value === 'read' || value === 'write';
}

/** Whether a token of scope `held` may run an operation that needs `needed`. */
export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return held === 'write' || needed === 'read';
}

export interface TokenRecord {
  /** Stable public identifier of the token, used by `scim-token list/rotate/revoke`. */
  readonly id: string;
  readonly tenant: string;
  readonly label: string;
  /** Lower-case hex SHA-256 of the token's UTF-8 bytes. */
  readonly sha256: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** Absent in documents written before scopes: read as DEFAULT_TOKEN_SCOPE. */
  readonly scope?: TokenScope;
}

/** The scope a record grants (DEFAULT_TOKEN_SCOPE when it names none). */
export function scopeOf(record: TokenRecord): TokenScope {
  return record.scope ?? DEFAULT_TOKEN_SCOPE;
}

export interface TokenDocument {
  readonly tokens: readonly TokenRecord[];
  /** Per-tenant request-rate overrides (docs/FAIRNESS.md); tenants not named get the default. */
  readonly limits?: Readonly<Record<string, RateLimit>>;
}

export const EMPTY_TOKEN_DOCUMENT: TokenDocument = { tokens: [] };

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidTenant(tenant: string): boolean {
  return TENANT.test(tenant);
}

/**
 * Parses and validates a stored document. A record that does not validate is dropped rather
 * than trusted; a document that is not JSON at all is an error (the caller fails closed).
 */
export function parseTokenDocument(text: string): TokenDocument {
  return parseTokenDocumentReport(text).document;
}

/** Same, also counting the records that were dropped, so callers can warn (without contents). */
export function parseTokenDocumentReport(text: string): { document: TokenDocument; dropped: number } {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { tokens?: unknown }).tokens)) {
    throw new Error('token document must be an object with a "tokens" array');
  }
  const tokens: TokenRecord[] = [];
  for (const entry of (raw as { tokens: unknown[] }).tokens) {
    if (typeof entry !== 'object' || entry === null) continue;
    const r = entry as Record<string, unknown>;
    if (
      typeof r.id === 'string' &&
      typeof r.tenant === 'string' &&
      isValidTenant(r.tenant) &&
      typeof r.sha256 === 'string' &&
      HEX_SHA256.test(r.sha256) &&
      typeof r.createdAt === 'string' &&
      // An unknown scope is not trusted as either: the record is dropped (fail closed).
      (r.scope === undefined || isTokenScope(r.scope))
    ) {
      tokens.push({
        id: r.id,
        tenant: r.tenant,
        label: typeof r.label === 'string' ? r.label : '',
        sha256: r.sha256,
        createdAt: r.createdAt,
        ...(typeof r.expiresAt === 'string' ? { expiresAt: r.expiresAt } : {}),
        ...(isTokenScope(r.scope) ? { scope: r.scope } : {}),
      });
    }
  }
  const total = (raw as { tokens: unknown[] }).tokens.length;
  const limits = parseLimits((raw as { limits?: unknown }).limits);
  return { document: { tokens, ...(limits ? { limits } : {}) }, dropped: total - tokens.length };
}

/** The valid per-tenant overrides; an entry that does not validate is dropped (the default applies). */
function parseLimits(raw: unknown): Record<string, RateLimit> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const limits: Record<string, RateLimit> = Object.create(null) as Record<string, RateLimit>;
  for (const [tenant, value] of Object.entries(raw)) {
    const limit = isValidTenant(tenant) ? parseRateLimit(value) : undefined;
    if (limit) limits[tenant] = limit;
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}
