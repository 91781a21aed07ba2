// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules } = require('./.config/jest/utils');

// ESM-only packages pulled in by MSW, on top of the ones the scaffold lists for @grafana/*
const esModules = [
  ...grafanaESModules,
  'rettime',
  'until-async',
  '@mswjs',
  'msw',
  'headers-polyfill',
  'strict-event-emitter',
  'outvariant',
];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // The repository root is also the npm workspaces root: only the plugin's tests under src/ belong here
  // (backend/ has its own jest config, tests/ holds browser tests).
  roots: ['<rootDir>/src'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/backend/', '<rootDir>/tests/', '<rootDir>/dist/'],
  // MSW needs Node's fetch/streams/BroadcastChannel, which jsdom hides; see src/test/polyfills.ts
  setupFiles: ['<rootDir>/src/test/polyfills.ts'],
  // jsdom with a getComputedStyle that keeps its answers until the DOM changes; see the file
  testEnvironment: '<rootDir>/src/test/jsdom-environment.js',
  setupFilesAfterEnv: [...base.setupFilesAfterEnv, '<rootDir>/src/test/setupTests.ts'],
  // MSW and its helpers ship "exports" with browser conditions that jsdom would pick; use the node builds
  testEnvironmentOptions: { customExportConditions: [''] },
  transform: {
    ...base.transform,
    // d3 (pulled in by @grafana/ui) ships .mjs files
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  // node_modules stay untransformed except the ESM-only packages above and any .mjs file
  transformIgnorePatterns: [`node_modules\\/(?!(?:.*(${esModules.join('|')})\\/.*|.*\\.mjs$))`],
  // Grafana's UI components are heavy in jsdom: the slowest test takes 25 s on this 2-core machine and a
  // loaded CI machine has run 4x slower. A passing test ends when it passes; this only bounds a hung one.
  testTimeout: 120000,
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'json', 'node'],
};
