// Tests run against one real Temporal dev server started in globalSetup (see test/global-setup.ts).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        // Inline so a stray .swcrc can't change how tests compile.
        swcrc: false,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The production-topology fault run builds a Temporal server: `npm run test:cluster` runs it.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  // The CLI venv and build output hold no tests and would only slow the module map down.
  modulePathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/dist/', '<rootDir>/.data/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Real servers and workers on a 2-core CI machine: first workflow tasks can be slow.
  testTimeout: 60_000,
  reporters: ['default'],
};
