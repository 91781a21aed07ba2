/**
 * Guarded operations in the built plugin against the real backend and real HAProxy (issue 9): the server page's
 * timeline, the application page, a rolling drain with its dry-run preview and progress, a budget refusal.
 */
import type { Locator } from '@playwright/test';
import {
  APP,
  apiCommand,
  apiServer,
  backendApi,
  expect,
  restoreServers,
  screenshot,
  serverStates,
  test,
  type Theme,
} from './support';

test.describe('guarded operations', () => {
  test.use({ timezoneId: 'UTC' });

  test('the server page draws its admin state over time and lists its audit rows', async ({ page }) => {
    const s = await apiServer('internal_3', 'static', 'static-1');
    await apiCommand(s.id, 'drain');
    await apiCommand(s.id, 'ready');

    await page.goto(`${APP}/servers/${s.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Server static-1' })).toBeVisible();
    const admin = page.getByRole('list', { name: 'Admin state over time' });
    // the drain and the ready just sent: a drain segment between two ready ones (or from the range's start)
    await expect(admin.locator('[data-state="drain"]')).toHaveCount(1);
    await expect(admin.locator('[data-state="ready"]').last()).toBeVisible();
    // in the theme's colours: drained apart from ready, ready not the empty bar's
    const colour = (l: Locator) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
    const ready = await colour(admin.locator('[data-state="ready"]').last());
    expect(await colour(admin.locator('[data-state="drain"]'))).not.toBe(ready);
    expect(ready).not.toBe(await colour(admin));
    await expect(page.getByRole('list', { name: 'Operational state over time' })).toBeVisible();
    const audit = page.getByRole('region', { name: 'Audit' });
    await expect(audit.getByRole('row').filter({ hasText: 'drain' }).first()).toBeVisible();
    await expect(audit).not.toContainText('static-2');
  });

  test('server names on the HAProxy page lead to the server page', async ({ page }) => {
    const s = await apiServer('edge-1', 'shop', 'shop-1');
    await page.goto(`${APP}/haproxy?q=shop-1`);
    const item = page.getByRole('listitem', { name: 'Backend shop on edge-1', exact: true });
    await item.locator('button[aria-expanded]').first().click();
    await item.getByRole('link', { name: 'shop-1', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/servers/${s.id}$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Server shop-1' })).toBeVisible();
  });

  test('the application page: servers by backend with their budgets, the application budget', async ({ page }) => {
    const apps = (await backendApi('GET', '/api/applications')).body.applications as Array<{
      id: number;
      name: string;
    }>;
    const shop = apps.find((a) => a.name === 'shop')!;
    const { backend_id } = await apiServer('edge-1', 'shop', 'shop-1');
    // An admin's minimum, so the page shows one set rather than the environment's default.
    await backendApi('PUT', `/api/haproxy/backends/${backend_id}/budget`, { body: { min_available: 1 } });
    try {
      await page.goto(`${APP}/applications`);
      await page.getByRole('link', { name: 'shop', exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/applications/${shop.id}$`));
      const backend = page.getByRole('region', { name: 'Backend shop on edge-1' });
      await expect(backend.getByLabel('Budget of backend shop')).toContainText(/\d+ available, minimum 1/);
      await expect(page.getByLabel('Budget of application shop')).toContainText('no minimum');
    } finally {
      await backendApi('DELETE', `/api/haproxy/backends/${backend_id}/budget`);
    }
  });

  test('a rolling drain shows its dry run, starts, and its progress shows per server', async ({ page }) => {
    const apps = (await backendApi('GET', '/api/applications')).body.applications as Array<{
      id: number;
      name: string;
    }>;
    const shop = apps.find((a) => a.name === 'shop')!;
    const before = await serverStates();
    try {
      await page.goto(`${APP}/applications/${shop.id}`);
      await page.getByRole('button', { name: 'Rolling drain' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByRole('region', { name: 'Dry run' })).toContainText(/would be taken out/);
      await dialog.getByLabel(/^Reason/).fill('browser: rolling drain');
      await dialog.getByRole('button', { name: 'Start rolling drain' }).click();
      await expect(page).toHaveURL(/\/operations\/[0-9a-f-]{36}$/);
      const job = page.getByRole('region', { name: /^Job Rolling drain of \d+ servers/ });
      await expect(job.getByRole('progressbar')).toBeVisible();
      await expect(job.getByRole('table')).toContainText('shop-1');
      await job.getByRole('button', { name: 'Cancel job' }).click();
      await expect(page.getByRole('dialog')).toContainText('What is already out stays out');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
      await expect(page.getByRole('region', { name: /cancelled$/ })).toBeVisible();
    } finally {
      // What the job took out stays out after a cancel: put it back, so later specs find the fleet as it was.
      await restoreServers(before);
    }
  });

  test('a budget refusal is shown to the user in words, and forcing it needs a reason', async ({ page }) => {
    const { backend_id } = await apiServer('edge-1', 'shop', 'shop-1');
    const servers = (await backendApi('GET', `/api/haproxy/backends/${backend_id}/servers`)).body.servers as Array<{
      id: number;
      server_name: string;
      admin_state: string;
      operational_state: string;
    }>;
    // A server the budget counts (ready and up): taking it out is what the minimum refuses.
    const s = servers.find((x) => x.admin_state === 'ready' && x.operational_state === 'up')!;
    // Every server that can serve at once (shop has a backup server, which counts only when no active one serves).
    const { servers_counted } = (await backendApi('GET', `/api/haproxy/backends/${backend_id}/budget`)).body;
    const set = await backendApi('PUT', `/api/haproxy/backends/${backend_id}/budget`, {
      body: { min_available: servers_counted },
    });
    expect(set.status).toBe(200);
    try {
      await page.goto(`${APP}/servers/${s.id}`);
      await page.getByRole('button', { name: 'Drain', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByRole('region', { name: 'Dry run' })).toContainText('1 refused');
      await dialog.getByRole('button', { name: 'Drain', exact: true }).click();
      await expect(
        dialog.getByRole('alert', { name: /^Refused by the disruption budget of backend shop/ })
      ).toContainText(s.server_name);
    } finally {
      await backendApi('DELETE', `/api/haproxy/backends/${backend_id}/budget`);
    }
  });
});

for (const theme of ['light', 'dark'] as Theme[]) {
  test.describe(`guarded operations, ${theme} theme`, () => {
    test.use({ theme, timezoneId: 'UTC' });

    test(`screenshot of the server page (${theme})`, async ({ page }) => {
      const s = await apiServer('internal_3', 'static', 'static-1');
      await page.goto(`${APP}/servers/${s.id}`);
      await expect(page.getByRole('list', { name: 'Admin state over time' })).toBeVisible();
      await screenshot(page, '14-server-page', theme);
    });

    test(`screenshots of the application and operations pages (${theme})`, async ({ page }) => {
      await page.goto(`${APP}/operations`);
      await expect(page.getByRole('heading', { level: 1, name: 'Operations' })).toBeVisible();
      await screenshot(page, '15-operations', theme);
    });
  });
}
