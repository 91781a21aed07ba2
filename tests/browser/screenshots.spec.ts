/**
 * Screenshots of the main pages in both themes, for a human to judge: test-results/screenshots/<page>-<theme>.png.
 * Each shot waits for the page's data, so a blank or broken page fails here instead of being saved.
 */
import {
  APP,
  apiCommand,
  apiServer,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  screenshot,
  stack,
  test,
  type Theme,
} from './support';

test.beforeAll(async () => {
  // Something for the Actions page to show, whichever specs ran before: a drain and a ready as the operator.
  const s = await apiServer('internal_3', 'static', 'static-2');
  await apiCommand(s.id, 'drain');
  await apiCommand(s.id, 'ready');
});

for (const theme of ['light', 'dark'] as Theme[]) {
  test.describe(`${theme} theme`, () => {
    test.use({ theme });

    test(`main pages (${theme})`, async ({ page }) => {
      const isLight = theme === 'light';
      await openHaproxy(page);
      // Grafana's theme background on the page itself.
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const channels = background.match(/\d+/g)!.slice(0, 3).map(Number);
      for (const c of channels) {
        expect(isLight ? c > 230 : c < 40, `body background ${background} for the ${theme} theme`).toBe(true);
      }
      await screenshot(page, '01-haproxy', theme);

      const item = backendItem(page, 'shop', 'edge-1');
      await expandBackend(item);
      await screenshot(page, '02-haproxy-expanded-backend', theme);

      await item.getByRole('button', { name: 'Maint shop-2' }).click();
      await expect(page.getByRole('dialog')).toContainText('Maint server shop-2?');
      await screenshot(page, '03-confirm-modal', theme, { fullPage: false });
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

      await page.goto(`${APP}/hosts`);
      await expect(page.getByRole('link', { name: 'demo-lb-1', exact: true })).toBeVisible();
      await screenshot(page, '04-hosts', theme);

      await page.goto(`${APP}/hosts/${stack.hosts['demo-lb-1']}`);
      await page.getByRole('button', { name: 'HAProxy settings' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('button[aria-expanded="false"]').first().click();
      await expect(dialog.getByRole('table')).toBeVisible();
      await screenshot(page, '05-haproxy-settings-modal', theme, { fullPage: false });

      await page.goto(`${APP}/actions?range=all`);
      await expect(page.getByRole('heading', { level: 1, name: 'Actions' })).toBeVisible();
      await expect(page.getByRole('row').filter({ hasText: 'static-2 (static on internal_3)' }).first()).toBeVisible();
      await screenshot(page, '06-actions', theme);

      await page.goto('/plugins/appcontrol-haproxy-app');
      await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
      await screenshot(page, '07-config', theme);
    });
  });
}
