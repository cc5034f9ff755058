/**
 * The layer rules, checked by `npm run lint` (dependency-cruiser). docs/ARCHITECTURE.md's
 * layer table is generated from the `layers` list below (`npm run layers` rewrites it, and
 * lint fails when the table and this file disagree). Every rule says why in its comment.
 */

/** One row of the layer table: a folder, its job, and what it must not import. */
const layers = [
  {
    name: 'scim',
    path: '^lambdas/scim/',
    job: 'the protocol with no AWS and no HTTP: schemas, validation, filters, PATCH, projection, paging, cursors, ETags, the errors the RFC names',
    forbidden: ['^lambdas/(?!scim/)', '^(lib|local|cli|bin|bench|test)/', '^@aws-sdk/', '^aws-lambda$', '^@aws-lambda-powertools/'],
    reason: 'the protocol is pure: it imports nothing internal outside scim/ and nothing from AWS',
  },
  {
    name: 'domain',
    path: '^lambdas/(domain/|retry\\.ts$)',
    job: 'domain errors (a typed code and a detail, no HTTP status) and the one retry loop',
    forbidden: ['^lambdas/(?!domain/|retry\\.ts$)', '^@aws-sdk/', '^aws-lambda$'],
    reason: 'every layer may raise domain errors and retry, so these import nothing',
  },
  {
    name: 'store',
    path: '^lambdas/store/',
    job: 'single-table DynamoDB: keys, items ⇄ resources, guards, listing, transactions, batches; DynamoDB errors translated once',
    forbidden: ['^lambdas/(http|handlers|service|auth|events)/', '^aws-lambda$'],
    reason: 'the store knows nothing of HTTP and picks no status: it raises domain errors',
  },
  {
    name: 'auth',
    path: '^lambdas/auth/',
    job: 'bearer token → principal (tenant, token id, label), token format and hashing, the secret cache',
    forbidden: ['^lambdas/(http|handlers|service|store|events|scim|observability)/', '^aws-lambda$'],
    reason: 'authentication raises domain errors and is given what it needs (logger, clock)',
  },
  {
    name: 'service',
    path: '^lambdas/service/',
    job: 'the resource pipeline written once (get, list, create, replace, patch, delete, presentation); users/groups modules hold what differs',
    forbidden: ['^lambdas/(http|handlers|events)/', '^aws-lambda$'],
    reason: 'services raise domain errors and never see a request or a response',
  },
  {
    name: 'events',
    path: '^lambdas/events/',
    job: 'stream records → change events → EventBridge or a local file',
    forbidden: ['^lambdas/(http|handlers|service)/'],
    reason: 'the stream consumer is off the request path',
  },
  {
    name: 'http',
    path: '^lambdas/http/',
    job: 'API Gateway event ⇄ request/response, the one error → SCIM response mapping, the activity record of a request',
    forbidden: ['^lambdas/(store|handlers)/'],
    reason: 'http reaches the store only through services and the runtime it is handed',
  },
  {
    name: 'handlers',
    path: '^lambdas/handlers/',
    job: 'one thin entry point per function, and the operations table every resource endpoint shares',
    forbidden: [],
    reason: 'the composition root of each bundle; nothing in lambdas/ imports a handler',
  },
  {
    name: 'lib',
    path: '^lib/',
    job: 'CDK only: the stack, its constructs, bundling (esbuild options, build-time aliases, generated validators)',
    forbidden: ['^lambdas/(?!deployment\\.ts$)', '^(local|cli|bench|test)/'],
    reason: 'the CDK app reads deployed code only through lambdas/deployment.ts (routes, names, table shape, schema registry)',
  },
  {
    name: 'console',
    path: '^console/',
    job: 'the read-only browser console (page, style sheet, one script bundled by lib/console-build.ts); talks to the service only over HTTP',
    forbidden: ['^(lambdas|lib|local|cli|bin|bench|test)/', '^@aws-sdk/', '^aws-lambda$', '^@aws-lambda-powertools/'],
    reason: 'the script runs in a browser: no server code, no AWS SDK, nothing the bundle would drag in',
  },
  {
    name: 'cli',
    path: '^(cli|local|bin)/',
    job: 'token and activity commands, the local server and DynamoDB Local, entry points; never deployed',
    forbidden: ['^(bench|test)/'],
    reason: 'tools may use deployed code, never tests or benchmarks',
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layers
      .filter((layer) => layer.forbidden.length > 0)
      .map((layer) => ({
        name: `layer-${layer.name}`,
        comment: layer.reason,
        severity: 'error',
        from: { path: layer.path },
        to: { path: layer.forbidden },
      })),
    {
      name: 'only-the-mapping-renders-errors',
      comment: 'SCIM error bodies are made in one place: lambdas/http/error-response.ts',
      severity: 'error',
      from: { pathNot: ['^lambdas/scim/', '^lambdas/http/error-response\\.ts$'] },
      to: { path: '^lambdas/scim/errors\\.ts$' },
    },
    {
      name: 'nothing-imports-a-handler',
      comment: 'handlers are entry points; shared code lives below them',
      severity: 'error',
      from: { path: '^lambdas/', pathNot: '^lambdas/handlers/' },
      to: { path: '^lambdas/handlers/' },
    },
    {
      name: 'deployed-code-stays-in-lambdas',
      comment: 'a Lambda bundle never reaches the CDK app, the CLI, the local server, tests or benches',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^(lib|local|cli|bin|bench|test)/' },
    },
    {
      name: 'deployment-contract-is-plain',
      comment: 'what the CDK app imports from lambdas/ must not pull an AWS SDK client into it',
      severity: 'error',
      from: { path: '^lambdas/deployment\\.ts$' },
      to: { path: '^@aws-sdk/|^@aws-lambda-powertools/', reachable: true },
    },
    {
      name: 'no-dev-dependencies-in-deployed-code',
      comment: 'deployed bundles are built from runtime dependencies only',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one; split or merge them',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.scim-local|\\.build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};

/** Read by the layer-table generator; dependency-cruiser ignores it. */
Object.defineProperty(module.exports, 'layers', { value: layers, enumerable: false });
