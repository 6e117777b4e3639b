// `npm run test:cluster`: the fault run on the production topology (test/cluster/), kept out of
// `npm test` because its Temporal server build costs minutes on a fresh machine.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: [],
  // The cluster starts its own Temporal server; the shared dev server is not needed.
  globalSetup: undefined,
  globalTeardown: undefined,
};
