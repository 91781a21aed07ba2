/**
 * Browser tests of the built plugin (tests/browser): `npm run build && npx playwright test`.
 * globalSetup starts PostgreSQL, the real backend, a demo fleet of real HAProxy processes and a minimal
 * Grafana-like host serving dist/ (tests/browser/host); Debian's chromium drives the pages (no browser download).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './tests/browser/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // The screenshot tests take 20 s in CI and a loaded CI machine has run 4x slower: these bound only a hung test.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
