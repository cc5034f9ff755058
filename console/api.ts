/**
 * The console's only way to the API: plain GETs with the token from
 * sessionStorage as `Authorization: Bearer`, no cookies, nothing of the token in a URL or a log.
 */

const TOKEN_KEY = 'scim-console-token';

/** `/console` → `/scim/v2`, `/prod/console` → `/prod/scim/v2` (stage or custom domain alike). */
export const API_BASE = `${location.pathname.replace(/\/console\/?$/, '')}/scim/v2`;

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export type Json = unknown;

export interface ApiResult {
  readonly status: number;
  readonly body: Json;
  /** `read` or `write` from X-Token-Scope; null when the server does not say. */
  readonly scope: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

export async function get(path: string): Promise<ApiResult> {
  const bearer = token.get();
  if (bearer === null) throw new ApiError(401, undefined, 'Not signed in');
  const headers: Record<string, string> = {
    Authorization: `Bearer ${bearer}`,
    Accept: 'application/scim+json',
  };
  const res = await fetch(`${API_BASE}${path}`, {
    method: 'GET',
    headers,
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    throw new ApiError(
      res.status,
      str(parsed, 'scimType'),
      str(parsed, 'detail') ?? `${res.status} ${res.statusText}`.trim(),
    );
  }
  return { status: res.status, body: parsed, scope: res.headers.get('X-Token-Scope') };
}


/** `?a=1&b=2` from the defined entries. */
export function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** A SCIM string literal for a filter (RFC 7644 §3.4.2.2: JSON string rules). */
export const literal = (value: string): string => JSON.stringify(value);

export function obj(value: Json): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, Json>)
    : undefined;
}

export function arr(value: Json, key?: string): Json[] {
  const v = key === undefined ? value : obj(value)?.[key];
  return Array.isArray(v) ? v : [];
}

export function str(value: Json, key: string): string | undefined {
  const v = obj(value)?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function num(value: Json, key: string): number | undefined {
  const v = obj(value)?.[key];
  return typeof v === 'number' ? v : undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.status}${error.scimType ? ` ${error.scimType}` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
