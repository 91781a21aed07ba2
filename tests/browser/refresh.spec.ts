import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  apiCommand,
  apiServer,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  SCREENSHOTS,
  serverRow,
  stack,
  test,
} from './support';

/** The HAProxy page on edge-2.eu with backend auth expanded; auth-1 (the server the tests drain) is UP. */
async function openAuth1(page: Page) {
  const edge2 = stack.instances.find((i) => i.name === 'edge-2.eu')!;
  await openHaproxy(page, `?instance=${edge2.id}`);
  const item = backendItem(page, 'auth', 'edge-2.eu');
  await expandBackend(item);
  const row = serverRow(item, 'auth-1');
  await expect(row).toContainText('UP');
  return { item, row };
}

const drainAuth1 = async () => apiCommand((await apiServer('edge-2.eu', 'auth', 'auth-1')).id, 'drain');

test.afterEach(async () => {
  const s = await apiServer('edge-2.eu', 'auth', 'auth-1');
  if (s.status !== 'UP') {
    await apiCommand(s.id, 'ready');
  }
});

test("auto-refresh picks up a command made behind the page's back, and the choice is remembered", async ({ page }) => {
  const { item, row } = await openAuth1(page);

  await page.getByRole('radio', { name: '5s', exact: true }).click();
  expect(await page.evaluate(() => window.localStorage.getItem('appcontrol-haproxy-app.haproxy.refresh'))).toBe('5');

  // Another operator drains the server through the backend's API.
  await drainAuth1();
  const changedAt = Date.now();
  await expect(row).toContainText('DRAIN', { timeout: 30_000 });
  expect(Date.now() - changedAt).toBeLessThan(12_000);
  // The expanded backend stayed expanded, and its badge counts followed.
  await expect(item).toContainText('DRAIN 1');

  // Remembered across a reload.
  await page.reload();
  await expect(page.getByRole('radio', { name: '5s', exact: true })).toBeChecked();
});

test('a refresh slower than the interval is waited for, then shown; meanwhile the page says its data is late', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const SLOW_MS = 8_000;
  const { item } = await openAuth1(page);

  // From now on the backends list (the page's accordion and its counts) takes longer than the 5 s interval to
  // answer (Grafana's proxy is slow).
  const isList = (url: URL) => url.pathname.endsWith('/api/haproxy/backends');
  let inFlight = 0;
  let mostInFlight = 0;
  let started = 0;
  page.on('request', (r) => {
    if (isList(new URL(r.url()))) {
      started++;
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
    }
  });
  const settled = (r: { url(): string }) => isList(new URL(r.url())) && inFlight--;
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  await page.route(isList, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    await route.continue();
  });

  await page.getByRole('radio', { name: '5s', exact: true }).click();
  await drainAuth1();

  const freshness = page.getByRole('status', { name: 'Data freshness' });
  await expect(freshness).toContainText('refresh is taking longer than the 5 s interval', { timeout: 30_000 });
  // For a human to judge (the usual screenshot helper waits for the network, which is held here).
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, '08-haproxy-refresh-late-dark.png') });
  await expect(item).toContainText('DRAIN 1', { timeout: 30_000 });
  await expect(freshness).not.toContainText('taking longer');
  await expect(freshness).toContainText(/^Last updated \d\d:\d\d:\d\d$/);
  expect(started).toBeGreaterThanOrEqual(1);
  expect(mostInFlight, 'refreshes of the backends list never overlap').toBe(1);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
});
