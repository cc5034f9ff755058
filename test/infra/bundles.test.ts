/**
 * The artifacts CloudFormation would upload, exercised for real: each API handler is bundled
 * with the stack's own esbuild options (lib/bundling.ts), loaded with Node's require() and
 * invoked with API Gateway proxy events against DynamoDB Local. A bundling mistake (a missing
 * module, a top-level await, an SDK import left external, a wrong export) fails here, not in
 * the first Okta sync after a deploy.
 *
 * Credentials: the bundles carry an environment-only credential provider instead of the SDK's
 * default chain (lib/bundling.ts). A probe bundle built with the same options signs requests to
 * DynamoDB Local with credentials it can only have read from the environment, as in Lambda, and
 * the handler bundles' metafiles prove the default chain and ajv's compiler stayed out: the
 * users and groups bundles validate with the code lib/validators-build.ts generated for the
 * registry (ajv standalone), which needs only ajv's runtime helpers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { build, type Metafile } from 'esbuild';
import { ENV } from '../../lambdas/deployment';
import type { RouteTarget } from '../../lambdas/routes';
import { parseExtensionsConfig } from '../../lambdas/scim/schema/extension-config';
import { createSchemaRegistry, SCHEMA_EXTENSIONS_ENV } from '../../lambdas/scim/schema/registry';
import { esbuildBuildOptions, handlerEntry, PROJECT_ROOT } from '../../lib/bundling';
import { handlerValidators } from '../../lib/validators-build';
import { writeDevTokens } from '../../local/dev-tokens';
import { buildProxyEvent } from '../../local/http-server';
import { createTestTable, type TestTable } from '../support/dynamo';

/**
 * Node's own CommonJS loader, not jest's: jest evaluates modules in a vm context where the
 * SDK's `await import('node:http')` fails (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG), which
 * says nothing about Lambda. jest's `node:module` is a subclass of Node's Module whose static
 * members are Node's own, so `_load` loads the bundle in this process as the Lambda runtime's
 * require() does.
 */
function nodeRequire(): (file: string) => unknown {
  // `_load` is Node's internal loader entry (untyped in @types/node), hence the narrow cast.
  const loader = Module as unknown as { _load(request: string, parent: null, isMain: boolean): unknown };
  return (file) => loader._load(file, null, false);
}

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

// esbuild of the five handlers takes ~10 s on a loaded machine.
jest.setTimeout(120_000);

const TARGETS: readonly RouteTarget[] = ['users', 'groups', 'discovery', 'activity'];
// The authorizer is unit-tested (test/unit/handlers/authorizer.test.ts); these are invoked as bundles.
const BUNDLED: readonly (RouteTarget | 'events')[] = [...TARGETS, 'events'];
const TOKEN = `bundle-test-${randomBytes(24).toString('hex')}`;
const BASE = 'https://scim.example.test';

describe('bundled handlers (esbuild output, as deployed) against DynamoDB Local', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'scim-bundles-'));
  const nativeRequire = nodeRequire();
  const handlers = new Map<RouteTarget, Handler>();
  let publisher: ((event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>) | undefined;
  const sizes: Record<string, number> = {};
  const bundledInputs: Record<string, string[]> = {};
  const validatorModules: Record<string, string | undefined> = {};
  // The bundles run in Node's realm and read its `process.env`, not jest's sandbox copy.
  let hostEnv: NodeJS.ProcessEnv = {};
  const savedHostEnv: Record<string, string | undefined> = {};
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable('bundles');
    const tokenFile = join(outDir, 'tokens.json');
    writeDevTokens(tokenFile, [{ tenant: 'acme', token: TOKEN }]);
    const bridge = join(outDir, 'host-process.js');
    writeFileSync(bridge, 'module.exports = process;\n');
    hostEnv = (nativeRequire(bridge) as NodeJS.Process).env;
    // What the function construct sets in AWS, with the local token source instead of Secrets Manager.
    setHostEnv({
      [ENV.tableName]: table.tableName,
      [ENV.dynamoEndpoint]: table.endpoint,
      [ENV.tokenFile]: tokenFile,
      [ENV.tokenSecretId]: undefined,
      AWS_REGION: 'us-east-1',
      // This file's DynamoDB Local database (jest-env.ts), which the bundles' clients must name too.
      DYNAMODB_LOCAL_ACCESS_KEY_ID: process.env.DYNAMODB_LOCAL_ACCESS_KEY_ID,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      EVENT_BUS_NAME: 'bundle-test-bus',
    });

    const started = Date.now();
    // The registry the handlers build from this environment (no SCIM_SCHEMA_EXTENSIONS), as the stack does.
    const registry = createSchemaRegistry();
    await Promise.all(
      BUNDLED.map(async (name) => {
        validatorModules[name] = handlerValidators(registry, name);
        const result = await build({
          ...esbuildBuildOptions(handlerEntry(name), join(outDir, name, 'index.js'), validatorModules[name]),
          metafile: true,
        });
        bundledInputs[name] = inputsOf(result.metafile);
      }),
    );
    const buildMs = Date.now() - started;
    for (const name of BUNDLED) {
      const file = join(outDir, name, 'index.js');
      sizes[name] = statSync(file).size;
      const loaded = nativeRequire(file) as { handler?: unknown };
      if (typeof loaded.handler !== 'function') throw new Error(`${name} bundle exports no handler`);
      if (name === 'events') publisher = loaded.handler as typeof publisher;
      else handlers.set(name, loaded.handler as Handler);
    }
    process.stdout.write(
      `bundle sizes (minified bytes): ${JSON.stringify(sizes)}; esbuild of ${BUNDLED.length} handlers ${buildMs} ms\n`,
    );
  });

  afterAll(async () => {
    for (const [key, value] of Object.entries(savedHostEnv)) {
      if (value === undefined) delete hostEnv[key];
      else hostEnv[key] = value;
    }
    await table?.drop();
    rmSync(outDir, { recursive: true, force: true });
  });

  function setHostEnv(values: Record<string, string | undefined>): void {
    for (const [key, value] of Object.entries(values)) {
      if (!(key in savedHostEnv)) savedHostEnv[key] = hostEnv[key];
      if (value === undefined) delete hostEnv[key];
      else hostEnv[key] = value;
    }
  }

  function invoke(
    target: RouteTarget | Handler,
    method: string,
    resource: string,
    path: string,
    options: { body?: unknown; pathParameters?: Record<string, string>; token?: string } = {},
  ): Promise<APIGatewayProxyResult> {
    const handler = typeof target === 'function' ? target : handlers.get(target);
    if (!handler) throw new Error(`no ${String(target)} handler`);
    const url = new URL(`${BASE}${path}`);
    const event = buildProxyEvent({
      method,
      url,
      rawHeaders: [
        'Host',
        url.host,
        'Authorization',
        `Bearer ${options.token ?? TOKEN}`,
        'User-Agent',
        'Okta SCIM Client 1.0.0',
        ...(options.body !== undefined ? ['Content-Type', 'application/scim+json; charset=utf-8'] : []),
      ],
      body: options.body === undefined ? '' : JSON.stringify(options.body),
      resource,
      pathParameters: options.pathParameters ?? {},
    });
    return handler(event);
  }

  /** Input paths (relative to the project) that contributed bytes to the bundle. */
  function inputsOf(metafile: Metafile): string[] {
    return Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    );
  }

  const json = (result: APIGatewayProxyResult) => JSON.parse(result.body) as Record<string, unknown>;

  it('every bundle is self-contained and within Lambda limits (no external SDK, < 5 MB)', () => {
    for (const target of BUNDLED) {
      expect(sizes[target]).toBeGreaterThan(10_000);
      expect(sizes[target]).toBeLessThan(5 * 1024 * 1024);
      expect(statSync(join(outDir, target, 'index.js.map')).size).toBeGreaterThan(0);
    }
  });

  it("no bundle carries the SDK default credential chain, event streams, endpoint discovery or ajv's compiler; the shims stand in", () => {
    for (const target of BUNDLED) {
      const inputs = bundledInputs[target] ?? [];
      // Every bundle with an SDK client gets the shim; one that only reads a secret (discovery,
      // console) has no client and no credential chain at all (lambdas/auth/secret-reader.ts).
      if (inputs.some((path) => /node_modules\/@aws-sdk\/client-/.test(path))) {
        expect(inputs).toContain('lib/bundle-shims/credential-provider-node.ts');
      }
      // Endpoint discovery is a DynamoDB client middleware: only the bundles with a table client have it.
      if (target === 'users' || target === 'groups') {
        expect(inputs).toContain('lib/bundle-shims/endpoint-discovery.ts');
      }
      const unwanted = inputs.filter(
        (path) =>
          /node_modules\/(@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients|token-providers|middleware-endpoint-discovery|endpoint-cache)|@smithy\/credential-provider-imds|@smithy\/core\/dist-es\/submodules\/event-streams|mnemonist|fast-uri)\//.test(
            path,
          ) ||
          // ajv's runtime helpers are what standalone code requires; anything else of ajv is its compiler.
          (/node_modules\/ajv\//.test(path) && !/node_modules\/ajv\/dist\/runtime\//.test(path)) ||
          /lambdas\/scim\/schema\/(compile-at-start|no-validators)\.ts$/.test(path),
      );
      expect({ target, unwanted }).toEqual({ target, unwanted: [] });
    }
  });

  it('discovery, which reads no table, carries no SDK client at all (a smaller cold start)', () => {
    const inputs = bundledInputs.discovery ?? [];
    expect(
      inputs.filter((path) =>
        /@aws-sdk\/(client-[a-z-]+|lib-dynamodb)\/|lambdas\/store\/client\.ts$/.test(path),
      ),
    ).toEqual([]);
    expect(bundledInputs.users ?? []).toContain('lambdas/store/client.ts');
  });

  it('users and groups carry the validators generated for their own resource type, the others none', () => {
    for (const target of BUNDLED) {
      const inputs = bundledInputs[target] ?? [];
      const module = validatorModules[target];
      expect({ target, validates: module !== undefined }).toEqual({
        target,
        validates: target === 'users' || target === 'groups',
      });
      if (module === undefined) {
        expect(inputs.filter((path) => /scim-validators|node_modules\/ajv\//.test(path))).toEqual([]);
      } else {
        expect(inputs).toContain(relative(PROJECT_ROOT, module));
        expect(inputs).toContain('node_modules/ajv/dist/runtime/ucs2length.js');
      }
    }
  });

  it('users and groups bundles: an invalid body is a 400 invalidValue naming the attribute', async () => {
    const bad = await invoke('users', 'POST', '/scim/v2/Users', '/scim/v2/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'u',
        name: { givenName: 5 },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ scimType: 'invalidValue', detail: 'name.givenName must be a string' });
    const long = await invoke('users', 'POST', '/scim/v2/Users', '/scim/v2/Users', {
      body: { userName: 'u', emails: [{ value: 'a@b.c' }, { value: '😀'.repeat(65_537) }] },
    });
    expect(long.statusCode).toBe(400);
    expect(json(long)).toMatchObject({ detail: 'emails[1].value must be at most 65536 characters long' });
    const group = await invoke('groups', 'POST', '/scim/v2/Groups', '/scim/v2/Groups', {
      body: { displayName: 'g', members: [{ value: 'u1' }, { value: 2 }] },
    });
    expect(group.statusCode).toBe(400);
    expect(json(group)).toMatchObject({
      scimType: 'invalidValue',
      detail: 'members[1].value must be a string',
    });
  });

  describe('users bundles for a stack with a schema extension', () => {
    const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
    const EXTENSIONS = JSON.stringify([
      { resourceType: 'User', schema: { id: ACME, attributes: [{ name: 'badgeNumber', type: 'integer' }] } },
    ]);
    let extended: Handler;
    let stale: Handler;

    /** Bundles users with these validators and loads it as a function whose env has the extension. */
    async function usersBundle(name: string, validators: string | undefined): Promise<Handler> {
      const file = join(outDir, name, 'index.js');
      await build(esbuildBuildOptions(handlerEntry('users'), file, validators));
      // The handler builds its registry from the environment when it loads.
      setHostEnv({ [SCHEMA_EXTENSIONS_ENV]: EXTENSIONS });
      try {
        return (nativeRequire(file) as { handler: Handler }).handler;
      } finally {
        setHostEnv({ [SCHEMA_EXTENSIONS_ENV]: undefined });
      }
    }

    beforeAll(async () => {
      // What the stack does with schemaExtensions: the same JSON for the registry and the env.
      const registry = createSchemaRegistry({ extensions: parseExtensionsConfig(EXTENSIONS) });
      extended = await usersBundle('users-acme', handlerValidators(registry, 'users'));
      // Validators of a registry without the extension: the env was changed without a redeploy.
      stale = await usersBundle('users-stale', handlerValidators(createSchemaRegistry(), 'users'));
    });

    it('validate the extension attributes with the validators generated for that registry', async () => {
      const userName = `acme.${randomBytes(4).toString('hex')}@example.com`;
      const bad = await invoke(extended, 'POST', '/scim/v2/Users', '/scim/v2/Users', {
        body: { userName, [ACME]: { badgeNumber: 'B-7' } },
      });
      expect(bad.statusCode).toBe(400);
      expect(json(bad)).toMatchObject({ detail: `${ACME}:badgeNumber must be an integer` });
      const good = await invoke(extended, 'POST', '/scim/v2/Users', '/scim/v2/Users', {
        body: { userName, [ACME]: { badgeNumber: 7 } },
      });
      expect(good.statusCode).toBe(201);
      expect(json(good)).toMatchObject({ [ACME]: { badgeNumber: 7 } });
    });

    it('refuse to validate against a registry other than the one they were generated for', async () => {
      const res = await invoke(stale, 'POST', '/scim/v2/Users', '/scim/v2/Users', {
        body: { userName: `stale.${randomBytes(4).toString('hex')}@example.com` },
      });
      // The bundle with matching validators accepts such a body (above): the 500 is the refusal,
      // whose message ("…schema differs…") goes to the function's log, not to the client.
      expect(res.statusCode).toBe(500);
    });
  });

  describe('a DynamoDB client built with the deploy options, as in Lambda', () => {
    const PROBE = `
      import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
      // No credentials option: the SDK asks its default provider, which the bundle replaced.
      export const describe = (endpoint: string, TableName: string) =>
        new DynamoDBClient({ region: 'us-east-1', endpoint, maxAttempts: 1 })
          .send(new DescribeTableCommand({ TableName }))
          .then((out) => out.Table?.TableName);
    `;
    let describeTable: (endpoint: string, table: string) => Promise<string | undefined>;

    beforeAll(async () => {
      const source = join(outDir, 'credentials-probe.ts');
      writeFileSync(source, PROBE);
      const outfile = join(outDir, 'credentials-probe', 'index.js');
      await build({
        ...esbuildBuildOptions(source, outfile),
        nodePaths: [join(PROJECT_ROOT, 'node_modules')],
      });
      describeTable = (nativeRequire(outfile) as { describe: typeof describeTable }).describe;
    });

    it('signs with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN from the environment', async () => {
      setHostEnv({
        // This file's database key: DynamoDB Local (without -sharedDb) finds the table only
        // under it, so a describe that succeeds was signed with these environment credentials.
        AWS_ACCESS_KEY_ID: process.env.DYNAMODB_LOCAL_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
        AWS_SESSION_TOKEN: 'bundle-test-session',
        AWS_PROFILE: undefined,
      });
      await expect(describeTable(table.endpoint, table.tableName)).resolves.toBe(table.tableName);
    });

    it('without credentials in the environment fails with an error that names the cause', async () => {
      setHostEnv({
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
      });
      await expect(describeTable(table.endpoint, table.tableName)).rejects.toMatchObject({
        name: 'MissingEnvCredentialsError',
        message: expect.stringMatching(/AWS_ACCESS_KEY_ID.*environment only/s),
      });
    });
  });

  it('discovery bundle: GET /ServiceProviderConfig answers SCIM JSON to a valid token', async () => {
    const res = await invoke(
      'discovery',
      'GET',
      '/scim/v2/ServiceProviderConfig',
      '/scim/v2/ServiceProviderConfig',
    );
    expect(res.statusCode).toBe(200);
    expect(String(res.headers?.['Content-Type'] ?? res.headers?.['content-type'])).toMatch(
      /application\/scim\+json/,
    );
    const body = json(res);
    expect(body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(body.patch).toEqual({ supported: true });
  });

  it('activity bundle: GET /Activity lists the tenant activity newest first (a write recorded just before)', async () => {
    const created = await invoke('users', 'POST', '/scim/v2/Users', '/scim/v2/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `bundle.activity.${randomBytes(4).toString('hex')}@example.com`,
      },
    });
    expect(created.statusCode).toBe(201);
    const res = await invoke('activity', 'GET', '/scim/v2/Activity', '/scim/v2/Activity?count=1');
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['X-Token-Scope']).toBe('write');
    const [newest] = json(res).records as Record<string, unknown>[];
    expect(newest).toMatchObject({ method: 'POST', status: 201, resourceId: json(created).id });
    const summary = await invoke('activity', 'GET', '/scim/v2/Activity/Summary', '/scim/v2/Activity/Summary');
    expect(summary.statusCode).toBe(200);
    expect(json(summary).hours as unknown[]).toHaveLength(24);
  });

  it('discovery bundle: an unknown token gets a 401 SCIM error, not a crash', async () => {
    const res = await invoke('discovery', 'GET', '/scim/v2/Schemas', '/scim/v2/Schemas', {
      token: `wrong-${randomBytes(24).toString('hex')}`,
    });
    expect(res.statusCode).toBe(401);
    expect(json(res)).toMatchObject({
      status: '401',
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    });
  });

  it('users bundle: Okta create, get and list of a user round-trip through DynamoDB Local', async () => {
    const userName = `bundle.user.${randomBytes(4).toString('hex')}@example.com`;
    const lookup = await invoke(
      'users',
      'GET',
      '/scim/v2/Users',
      `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
    );
    expect(lookup.statusCode).toBe(200);
    expect(json(lookup)).toMatchObject({ totalResults: 0 });

    const created = await invoke('users', 'POST', '/scim/v2/Users', '/scim/v2/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        name: { givenName: 'Bundle', familyName: 'Test' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        active: true,
        password: 'never-stored-1A!',
        groups: [],
        externalId: '00u1bundle',
      },
    });
    expect(created.statusCode).toBe(201);
    const user = json(created);
    expect(typeof user.id).toBe('string');
    expect(user).not.toHaveProperty('password');
    const id = user.id as string;

    const got = await invoke('users', 'GET', '/scim/v2/Users/{id}', `/scim/v2/Users/${id}`, {
      pathParameters: { id },
    });
    expect(got.statusCode).toBe(200);
    expect(json(got)).toMatchObject({ id, userName, active: true, externalId: '00u1bundle' });

    const listed = await invoke(
      'users',
      'GET',
      '/scim/v2/Users',
      `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
    );
    expect(listed.statusCode).toBe(200);
    const page = json(listed);
    expect(page).toMatchObject({ totalResults: 1, startIndex: 1 });
    expect((page.Resources as { id: string }[])[0]?.id).toBe(id);
  });

  it('events bundle: loads and answers a stream batch without changes with no failures', async () => {
    if (!publisher) throw new Error('no events handler');
    await expect(publisher({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
  });

  it('groups bundle: Okta Group Push create, member add by PATCH and read back; unknown id is a 404', async () => {
    const userName = `push.member.${randomBytes(4).toString('hex')}@example.com`;
    const user = await invoke('users', 'POST', '/scim/v2/Users', '/scim/v2/Users', {
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true },
    });
    expect(user.statusCode).toBe(201);
    const userId = json(user).id as string;

    const displayName = `Bundle Push ${randomBytes(4).toString('hex')}`;
    const created = await invoke('groups', 'POST', '/scim/v2/Groups', '/scim/v2/Groups', {
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: [] },
    });
    expect(created.statusCode).toBe(201);
    const groupId = json(created).id as string;

    const patched = await invoke('groups', 'PATCH', '/scim/v2/Groups/{id}', `/scim/v2/Groups/${groupId}`, {
      pathParameters: { id: groupId },
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: userName }] }],
      },
    });
    expect([200, 204]).toContain(patched.statusCode);

    const got = await invoke('groups', 'GET', '/scim/v2/Groups/{id}', `/scim/v2/Groups/${groupId}`, {
      pathParameters: { id: groupId },
    });
    expect(got.statusCode).toBe(200);
    expect(json(got)).toMatchObject({
      id: groupId,
      displayName,
      members: [expect.objectContaining({ value: userId })],
    });

    const unknown = '00000000-0000-7000-8000-000000000000';
    const missing = await invoke('groups', 'GET', '/scim/v2/Groups/{id}', `/scim/v2/Groups/${unknown}`, {
      pathParameters: { id: unknown },
    });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });
});
