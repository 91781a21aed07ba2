/**
 * Cross-component tests (real HAProxy + agent + backend + PostgreSQL), run from the repository root:
 *   npx jest --config tests/jest.config.js
 * rootDir is the repository root so tests import ../../backend/src and ../../backend/test/support; only
 * tests/e2e is searched, so the root jest.config.js (the Grafana plugin's) plays no part.
 */
const backend = require('../backend/jest.config.js');

module.exports = {
  rootDir: '..',
  roots: ['<rootDir>/tests/e2e'],
  testMatch: ['**/*.test.ts'],
  testEnvironment: 'node',
  // The backend's swc settings, so backend sources compile the same way in both suites.
  transform: backend.transform,
  // One embedded PostgreSQL per run; each test file makes its own database (backend/test/support/db.ts).
  globalSetup: '<rootDir>/backend/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/backend/test/setup/global-teardown.ts',
  // Real HAProxy processes and PostgreSQL on a 2-core machine that CI has run 4x slower than a quiet one:
  // a passing test ends when it passes; this only bounds a hung one.
  testTimeout: 90000,
  maxWorkers: 2,
};
