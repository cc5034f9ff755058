/**
 * The one route table. The CDK API (lib/constructs/scim-api.ts) and the local server
 * (local/http-server.ts) both read it, so a route cannot exist in one and not the other.
 * Plain data only: it is imported by CDK code and by every handler bundle. It also says which
 * token scope each operation needs (OPERATION_SCOPES), so every function checks the same rule.
 */
import type { TokenScope } from './auth/token-document';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The Lambda function that serves a route. */
export type RouteTarget = 'users' | 'groups' | 'discovery' | 'console' | 'feed' | 'activity';

export type Operation =
  | 'list'
  | 'create'
  | 'search'
  | 'searchAll'
  | 'get'
  | 'replace'
  | 'patch'
  | 'delete'
  | 'serviceProviderConfig'
  | 'listResourceTypes'
  | 'getResourceType'
  | 'listSchemas'
  | 'getSchema'
  | 'consolePage'
  | 'consoleAsset'
  | 'readFeed'
  | 'listActivity'
  | 'activitySummary'
  /** /Me and /Bulk: endpoints RFC 7644 defines that this service does not offer (501). */
  | 'notImplemented';

/**
 * The token scope each operation needs: `write` for the ones that change the directory, `read`
 * for the rest (GET, every `.search`, discovery, activity). A new operation must be given one
 * here before anything compiles. docs/TOKENS.md#scopes.
 */
export const OPERATION_SCOPES: Readonly<Record<Operation, TokenScope>> = {
  list: 'read',
  create: 'write',
  search: 'read',
  searchAll: 'read',
  get: 'read',
  replace: 'write',
  patch: 'write',
  delete: 'write',
  serviceProviderConfig: 'read',
  listResourceTypes: 'read',
  getResourceType: 'read',
  listSchemas: 'read',
  getSchema: 'read',
  readFeed: 'read',
  listActivity: 'read',
  activitySummary: 'read',
  // Answered 501 whatever the scope: read, so a read token learns the same as a write token.
  notImplemented: 'read',
  // The console's static files are served without a token (its handler authenticates nothing).
  consolePage: 'read',
  consoleAsset: 'read',
};

export interface Route {
  /** API Gateway resource template, e.g. `/scim/v2/Users/{id}`. */
  readonly path: string;
  readonly target: RouteTarget;
  readonly methods: Readonly<Partial<Record<HttpMethod, Operation>>>;
}

export const SCIM_PREFIX = '/scim/v2';

/** The read-only console's page; its CSS and script are `${CONSOLE_PATH}/<file>` (docs/CONSOLE.md). */
const CONSOLE_PATH = '/console';

export const ROUTES: readonly Route[] = [
  // RFC 7644 §3.4.3 root search over Users and Groups: the users function, given the groups
  // service too (it has the same table access; see docs/ROOT-SEARCH.md).
  { path: `${SCIM_PREFIX}/.search`, target: 'users', methods: { POST: 'searchAll' } },
  { path: `${SCIM_PREFIX}/Users`, target: 'users', methods: { GET: 'list', POST: 'create' } },
  { path: `${SCIM_PREFIX}/Users/.search`, target: 'users', methods: { POST: 'search' } },
  // RFC 7644 §3.11 /Me (a token names a tenant, not a user) and §3.7 /Bulk: 501 Not Implemented.
  {
    path: `${SCIM_PREFIX}/Me`,
    target: 'users',
    methods: {
      GET: 'notImplemented',
      POST: 'notImplemented',
      PUT: 'notImplemented',
      PATCH: 'notImplemented',
      DELETE: 'notImplemented',
    },
  },
  { path: `${SCIM_PREFIX}/Bulk`, target: 'users', methods: { POST: 'notImplemented' } },
  {
    path: `${SCIM_PREFIX}/Users/{id}`,
    target: 'users',
    methods: { GET: 'get', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' },
  },
  { path: `${SCIM_PREFIX}/Groups`, target: 'groups', methods: { GET: 'list', POST: 'create' } },
  { path: `${SCIM_PREFIX}/Groups/.search`, target: 'groups', methods: { POST: 'search' } },
  {
    path: `${SCIM_PREFIX}/Groups/{id}`,
    target: 'groups',
    methods: { GET: 'get', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' },
  },
  {
    path: `${SCIM_PREFIX}/ServiceProviderConfig`,
    target: 'discovery',
    methods: { GET: 'serviceProviderConfig' },
  },
  { path: `${SCIM_PREFIX}/ResourceTypes`, target: 'discovery', methods: { GET: 'listResourceTypes' } },
  { path: `${SCIM_PREFIX}/ResourceTypes/{id}`, target: 'discovery', methods: { GET: 'getResourceType' } },
  { path: `${SCIM_PREFIX}/Schemas`, target: 'discovery', methods: { GET: 'listSchemas' } },
  { path: `${SCIM_PREFIX}/Schemas/{id}`, target: 'discovery', methods: { GET: 'getSchema' } },
  // The change feed (docs/CONSUMING.md): read scope.
  { path: `${SCIM_PREFIX}/Events`, target: 'feed', methods: { GET: 'readFeed' } },
  // The console's static files: no token needed to load them (the page then calls the API).
  { path: CONSOLE_PATH, target: 'console', methods: { GET: 'consolePage' } },
  { path: `${CONSOLE_PATH}/{asset}`, target: 'console', methods: { GET: 'consoleAsset' } },
  // Provisioning activity for the console (docs/ACTIVITY.md): read-only, its own function.
  { path: `${SCIM_PREFIX}/Activity`, target: 'activity', methods: { GET: 'listActivity' } },
  { path: `${SCIM_PREFIX}/Activity/Summary`, target: 'activity', methods: { GET: 'activitySummary' } },
];

export interface RouteMatch {
  readonly route: Route;
  readonly pathParameters: Record<string, string>;
}

/**
 * Matches a concrete request path against the table the way API Gateway does: static
 * segments win over `{param}` segments (so `/Users/.search` is not the user `.search`).
 */
export function matchRoute(path: string): RouteMatch | undefined {
  const segments = trimSlashes(path).split('/');
  let best: { match: RouteMatch; staticCount: number } | undefined;
  for (const route of ROUTES) {
    const template = trimSlashes(route.path).split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let staticCount = 0;
    let ok = true;
    for (let i = 0; i < template.length && ok; i++) {
      const t = template[i] as string;
      const s = segments[i] as string;
      if (t.startsWith('{') && t.endsWith('}')) {
        if (s === '') ok = false;
        else pathParameters[t.slice(1, -1)] = safeDecode(s);
      } else if (t === s) {
        staticCount++;
      } else {
        ok = false;
      }
    }
    if (ok && (!best || staticCount > best.staticCount))
      best = { match: { route, pathParameters }, staticCount };
  }
  return best?.match;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
