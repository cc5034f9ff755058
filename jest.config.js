/**
 * `npm test` runs four jest projects; `npx jest --selectProjects unit` runs one of them.
 *  - unit: pure code (test/unit mirrors lambdas/, cli/, lib/, bench/). No global setup, so a
 *    unit-only run starts no DynamoDB Local JVM.
 *  - integration: DynamoDB-backed tests (test/integration, test/hardening, test/e2e).
 *  - infra: the CDK stack and the esbuild bundles (test/infra); the bundles are invoked against
 *    DynamoDB Local, so it shares the global setup.
 *  - browser: the console driven in headless Chromium (test/browser), on DynamoDB Local too.
 * Jest runs a project's globalSetup only when that project has tests in the run, and the same
 * module once per run however many projects name it: one DynamoDB Local per worker, and each
 * test file creates its own table, so files run in parallel without seeing each other's data.
 */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // As tsconfig.json `paths`: source runs compile validators at start (lambdas/scim/schema/validators.ts).
  moduleNameMapper: {
    '^scim-validators$': '<rootDir>/lambdas/scim/schema/compile-at-start.ts',
    '^console-assets$': '<rootDir>/lambdas/http/console-unbuilt.ts',
  },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
};

const dynamoDbLocal = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...shared,
      ...dynamoDbLocal,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/hardening', '<rootDir>/test/e2e'],
    },
    { ...shared, ...dynamoDbLocal, displayName: 'infra', roots: ['<rootDir>/test/infra'] },
    // The console in headless Chromium against the local server on DynamoDB Local (docs/CONSOLE.md).
    { ...shared, ...dynamoDbLocal, displayName: 'browser', roots: ['<rootDir>/test/browser'] },
  ],
  // Global options: jest ignores these inside a project.
  testSequencer: '<rootDir>/test/support/test-sequencer.js',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that ran ~60 files has a large heap: it leaves its event loop within 1 ms of jest's
  // end message (no handle left open), but the OS reaped it 650-720 ms later in a measured run,
  // past jest's 500 ms default, which then reported a leak that was not there.
  workerGracefulExitTimeout: 5000,
};
