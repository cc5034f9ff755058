/**
 * Development tokens for the local server. They are written to the same JSON document shape
 * the Secrets Manager secret holds (hashes only) and verified by the same authenticator, so
 * local runs exercise the production hashing and constant-time comparison path.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DEFAULT_TOKEN_SCOPE,
  isTokenScope,
  isValidTenant,
  parseTokenDocument,
  TOKEN_SCOPES,
  type TokenDocument,
  type TokenRecord,
  type TokenScope,
} from '../lambdas/auth/token-document';
import {
  hasValidFormat,
  isPlausibleToken,
  MIN_DEV_TOKEN_LENGTH,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
} from '../lambdas/auth/token-format';
import { sha256Hex } from '../lambdas/auth/token-hash';

export interface DevToken {
  readonly tenant: string;
  readonly token: string;
  /** Default DEFAULT_TOKEN_SCOPE (write). */
  readonly scope?: TokenScope;
}

/** Id prefix of records the local server manages; records made by `scim-token --local` are kept. */
const DEV_ID_PREFIX = 'local-env-';

/**
 * Parses `tenant:token[:scope],tenant2:token2[:scope]`. A last `:read` or `:write` is the scope
 * (default write); a token that itself ends in one of those needs the scope spelled out.
 */
export function parseLocalTokens(spec: string | undefined): DevToken[] {
  if (!spec) return [];
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon <= 0) throw new Error(`SCIM_LOCAL_TOKENS entry "${part.slice(0, 20)}…" is not tenant:token`);
      const rest = part.slice(colon + 1);
      const last = rest.lastIndexOf(':');
      const scope = last >= 0 ? rest.slice(last + 1) : '';
      if (last >= 0 && isTokenScope(scope)) {
        return { tenant: part.slice(0, colon), token: rest.slice(0, last), scope };
      }
      if (last >= 0 && !/[^A-Za-z]/.test(scope) && scope !== '') {
        throw new Error(
          `SCIM_LOCAL_TOKENS entry for tenant "${part.slice(0, colon)}": scope "${scope}" is not one of ${TOKEN_SCOPES.join(', ')}`,
        );
      }
      return { tenant: part.slice(0, colon), token: rest };
    });
}

/** How to get a token the server accepts, for the messages below. */
const HOW_TO_GET_ONE = `Leave SCIM_DEV_TOKEN unset to have a valid token generated and printed at start, or use a random value of at least ${MIN_DEV_TOKEN_LENGTH} characters (e.g. the output of \`openssl rand -hex 32\`).`;

/**
 * Refuses a token that authentication would refuse (isPlausibleToken: a `scim_` token needs
 * its valid checksum, any other at least MIN_DEV_TOKEN_LENGTH characters), saying which
 * variable holds it, what is wrong and how to get a valid one.
 */
export function validateDevToken({ tenant, token }: DevToken, source = 'the token variable'): void {
  if (!isValidTenant(tenant)) {
    throw new Error(
      `${source}: tenant "${tenant}" must be 1-64 characters of letters, digits, ".", "_" or "-"`,
    );
  }
  const what = `${source}: the token for tenant "${tenant}"`;
  if (/\s/.test(token)) throw new Error(`${what} contains whitespace. ${HOW_TO_GET_ONE}`);
  if (token.startsWith(TOKEN_PREFIX) && !hasValidFormat(token)) {
    throw new Error(
      `${what} starts with "${TOKEN_PREFIX}" but is not a well-formed ${TOKEN_PREFIX} token (${TOKEN_LENGTH} characters with a matching checksum; mistyped or truncated?), so every request with it would be 401. Copy the whole token again, or use a token without the "${TOKEN_PREFIX}" prefix. ${HOW_TO_GET_ONE}`,
    );
  }
  if (!isPlausibleToken(token)) {
    throw new Error(
      `${what} is ${token.length} characters; a development token needs at least ${MIN_DEV_TOKEN_LENGTH}, so every request with it would be 401. ${HOW_TO_GET_ONE}`,
    );
  }
}

/**
 * Replaces the server-managed records in the token file with hashes of `tokens`, keeping every
 * other record. Written atomically (temp file + rename) so a concurrent reader never sees half.
 */
export function writeDevTokens(file: string, tokens: readonly DevToken[], now = new Date()): void {
  let kept: TokenRecord[] = [];
  // Per-tenant rate limits set with `scim-token limit --local` are kept too.
  let limits: TokenDocument['limits'];
  try {
    const existing = parseTokenDocument(readFileSync(file, 'utf8'));
    kept = existing.tokens.filter((t) => !t.id.startsWith(DEV_ID_PREFIX));
    limits = existing.limits;
  } catch {
    kept = [];
  }
  const ids = new Set<string>();
  const managed: TokenRecord[] = tokens.map(({ tenant, token, scope = DEFAULT_TOKEN_SCOPE }) => {
    // The write token of a tenant keeps the id it had before scopes: `local-env-<tenant>`.
    const base = `${DEV_ID_PREFIX}${tenant}${scope === 'write' ? '' : `-${scope}`}`;
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    return {
      id,
      tenant,
      label: `local development ${scope} token`,
      sha256: sha256Hex(token),
      createdAt: now.toISOString(),
      scope,
    };
  });
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const document = { tokens: [...kept, ...managed], ...(limits ? { limits } : {}) };
  writeFileSync(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
