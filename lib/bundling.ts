/**
 * The one description of how a handler is bundled. The stack hands it to NodejsFunction and
 * test/infra/bundles.test.ts (and the benchmarks) hand it to esbuild's own API, so the artifact
 * a test loads is built exactly like the one CloudFormation uploads; the two cannot drift.
 *
 * Choices, and why:
 *  - Everything is bundled, the AWS SDK and Powertools included (no externals, no layers): the
 *    runtime's preinstalled SDK version changes under us, and a bundle is one tested artifact.
 *  - `mainFields: module,main` lets esbuild take the SDK's ES module builds, which tree-shake
 *    far better than the CommonJS ones (see the cold-start section of docs/BENCHMARKS.md).
 *  - Source maps are built (without sources content) and shipped in each asset, but the
 *    functions start WITHOUT NODE_OPTIONS=--enable-source-maps. With it, Node reads the map and
 *    indexes the whole minified bundle while loading it: measured +10 ms (hello-world) to
 *    +15 ms (users) of module initialisation, a third of the INIT phase, paid at every cold
 *    start of every function for a benefit that only shows when a request fails. The trade:
 *    stack traces in CloudWatch name minified positions (index.js:1:<column>) instead of
 *    TypeScript lines. When a trace has to be read, set NODE_OPTIONS=--enable-source-maps on
 *    that function (console or CLI; no rebuild, the map is already there) and replay, or map
 *    the position offline with the index.js.map of the deployed asset.
 *  - Target follows the Lambda runtime, so esbuild never lowers syntax the runtime supports.
 *  - Three SDK packages are swapped, at bundle time only, for small modules in
 *    lib/bundle-shims/ (esbuild `alias`), because a cold start parses every byte of the
 *    bundle: the default credential chain (a Lambda function's credentials are always in its
 *    environment; ~130 KB of SSO/ini/IMDS providers and their STS/SSO clients), the lazily
 *    imported event-stream codecs (no operation we call streams events; ~14 KB) and DynamoDB's
 *    endpoint-discovery cache (unused by this SDK's commands; ~8 KB). Each shim fails with a
 *    named cause if the left-out feature is ever used. The local server, tests and CLIs run from
 *    source and keep the real packages. Measured in docs/BENCHMARKS.md (cold start).
 *  - `scim-validators` is aliased to the input validators ajv generated at build time for the
 *    stack's schema registry (lib/validators-build.ts), or, when none is given, to a module that
 *    fails by name if used: ajv's compiler never enters a bundle (see docs/ARCHITECTURE.md).
 */
import { join, resolve } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { type RouteTarget, VALIDATORS_SPECIFIER } from '../lambdas/deployment';

/** Repository root (this file lives in lib/). */
export const PROJECT_ROOT = resolve(__dirname, '..');

/** Node.js major version of the Lambda runtime; lib/constructs/scim-function.ts maps it. */
export const NODE_MAJOR = 24;

function shim(name: string): string {
  return join(PROJECT_ROOT, 'lib', 'bundle-shims', `${name}.ts`);
}

export const HANDLER_BUNDLE = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: `node${NODE_MAJOR}`,
  format: 'cjs',
  platform: 'node',
  mainFields: ['module', 'main'] as string[],
  /** Nothing is left to the runtime: see the header. */
  externalModules: [] as string[],
  legalComments: 'none',
  /**
   * Package → replacement module, applied to every import in the bundle (see the header).
   * Absolute paths: esbuild resolves an alias from its working directory, which differs between
   * `cdk synth` and the esbuild API callers.
   */
  alias: {
    '@aws-sdk/credential-provider-node': shim('credential-provider-node'),
    '@smithy/core/event-streams': shim('event-streams'),
    '@aws-sdk/middleware-endpoint-discovery': shim('endpoint-discovery'),
  } as Readonly<Record<string, string>>,
} as const;

/**
 * Environment every deployed function gets from the bundling decisions (merged by the function
 * constructs). Empty on purpose: no NODE_OPTIONS, see the header on source maps.
 */
export const HANDLER_ENVIRONMENT: Readonly<{ NODE_OPTIONS?: string }> = {};

/** What readable stack traces would take at runtime (the benchmarks measure its cost). */
export const SOURCE_MAPS_NODE_OPTION = '--enable-source-maps';

/** Handler modules that become functions: the API targets and the stream publisher. */
export type HandlerName = RouteTarget | 'events';

export function handlerEntry(name: HandlerName): string {
  return join(PROJECT_ROOT, 'lambdas', 'handlers', `${name}.ts`);
}

/** `scim-validators` in a bundle that was given no generated module. */
const NO_VALIDATORS_MODULE = join(PROJECT_ROOT, 'lambdas', 'scim', 'schema', 'no-validators.ts');

/** The aliases of one bundle: the shims, and `scim-validators` → `validators` (a generated module). */
function bundleAlias(validators: string | undefined): Record<string, string> {
  return { ...HANDLER_BUNDLE.alias, [VALIDATORS_SPECIFIER]: validators ?? NO_VALIDATORS_MODULE };
}

/**
 * Options for NodejsFunction: local esbuild from npm, never Docker. `validators` is the module
 * lib/validators-build.ts wrote for the stack's registry (needed by the users and groups handlers).
 */
export function nodejsBundlingOptions(validators?: string): BundlingOptions {
  return {
    minify: HANDLER_BUNDLE.minify,
    sourceMap: HANDLER_BUNDLE.sourceMap,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    target: HANDLER_BUNDLE.target,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    externalModules: [...HANDLER_BUNDLE.externalModules],
    forceDockerBundling: false,
    esbuildArgs: {
      '--legal-comments': HANDLER_BUNDLE.legalComments,
      // aws-cdk-lib renders each entry as `--alias:<package>=<path>`.
      '--alias': Object.entries(bundleAlias(validators)).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/**
 * The same options in esbuild's API shape (a type-only import: synth does not load esbuild
 * through this module). `outfile` receives the bundle and `outfile.map` its source map.
 */
export function esbuildBuildOptions(entry: string, outfile: string, validators?: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: HANDLER_BUNDLE.minify,
    sourcemap: HANDLER_BUNDLE.sourceMap,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    target: HANDLER_BUNDLE.target,
    format: HANDLER_BUNDLE.format,
    platform: HANDLER_BUNDLE.platform,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    external: [...HANDLER_BUNDLE.externalModules],
    legalComments: HANDLER_BUNDLE.legalComments,
    alias: bundleAlias(validators),
    logLevel: 'silent',
  };
}
