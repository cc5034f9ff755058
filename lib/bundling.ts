/**
 * The one description of how a handler is bundled. The stack hands it to NodejsFunction and
 * test/infra/bundles.test.ts (and the benchmarks) hand it to esbuild's own API, so the artifact
 * a test loads is built exactly like the one CloudFormation uploads.
 *
 * Everything is bundled (the AWS SDK included), ES module builds preferred, source maps
 * shipped but not enabled at start-up, target = the Lambda runtime; three SDK packages are
 * aliased to lib/bundle-shims/ and `scim-validators` to the ajv code generated at build time
 * (lib/validators-build.ts).
 *
 * Why, with the cold-start measurements: docs/DECISIONS.md.
 */
import { join, resolve } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { CONSOLE_ASSETS_SPECIFIER, type RouteTarget, VALIDATORS_SPECIFIER } from '../lambdas/deployment';

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

/** Handler modules that become functions: the API targets, the stream publisher, the webhook pair, the token authorizer. */
export type HandlerName = RouteTarget | 'events' | 'webhook-enqueue' | 'webhook-send' | 'authorizer';

export function handlerEntry(name: HandlerName): string {
  return join(PROJECT_ROOT, 'lambdas', 'handlers', `${name}.ts`);
}

/** `scim-validators` in a bundle that was given no generated module. */
const NO_VALIDATORS_MODULE = join(PROJECT_ROOT, 'lambdas', 'scim', 'schema', 'no-validators.ts');

/**
 * The aliases of one bundle: the shims, `scim-validators` → `validators` (a generated module),
 * and for the console function `console-assets` → its built files (lib/console-build.ts).
 */
function bundleAlias(validators: string | undefined, consoleAssets?: string): Record<string, string> {
  return {
    ...HANDLER_BUNDLE.alias,
    [VALIDATORS_SPECIFIER]: validators ?? NO_VALIDATORS_MODULE,
    ...(consoleAssets === undefined ? {} : { [CONSOLE_ASSETS_SPECIFIER]: consoleAssets }),
  };
}

/**
 * Options for NodejsFunction: local esbuild from npm, never Docker. `validators` is the module
 * lib/validators-build.ts wrote for the stack's registry (needed by the users and groups handlers).
 */
export function nodejsBundlingOptions(validators?: string, consoleAssets?: string): BundlingOptions {
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
      '--alias': Object.entries(bundleAlias(validators, consoleAssets)).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/**
 * The same options in esbuild's API shape (a type-only import: synth does not load esbuild
 * through this module). `outfile` receives the bundle and `outfile.map` its source map.
 */
export function esbuildBuildOptions(
  entry: string,
  outfile: string,
  validators?: string,
  consoleAssets?: string,
): BuildOptions {
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
    alias: bundleAlias(validators, consoleAssets),
    logLevel: 'silent',
  };
}
