/**
 * One jest run covers unit, integration (DynamoDB Local), e2e (HTTP) and infra (CDK) tests.
 * The global setup starts a single DynamoDB Local for the whole run; each test file creates
 * its own table, so files can run in parallel without seeing each other's data.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // As tsconfig.json `paths`: source runs compile validators at start (lambdas/scim/schema/validators.ts).
  moduleNameMapper: { '^scim-validators$': '<rootDir>/lambdas/scim/schema/compile-at-start.ts' },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
