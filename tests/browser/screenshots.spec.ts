/**
 * Screenshots of the main and the administration pages in both themes, for a human to judge: test-results/screenshots/<page>-<theme>.png.
 * Each shot waits for the page's data, so a blank or broken page fails here instead of being saved.
 */
import {
  APP,
  apiCommand,
  backendApi,
  apiServer,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  screenshot,
  specAgent,
  stack,
  test,
  type Theme,
} from './support';

test.beforeAll(async () => {
  // Something for the Actions page to show, whichever specs ran before: a drain and a ready as the operator.
  const s = await apiServer('internal_3', 'static', 'static-2');
  await apiCommand(s.id, 'drain');
  await apiCommand(s.id, 'ready');
  // And for the Operations page: a ready job on it, done at its first look.
  const job = await backendApi('POST', '/api/haproxy/operations', {
    token: stack.tokens.operator,
    body: { action: 'ready', server_ids: [s.id], reason: 'screenshots: back after a check' },
  });
  expect(job.status, JSON.stringify(job.body)).toBe(202);
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

      const server = await apiServer('internal_3', 'static', 'static-2');
      await page.goto(`${APP}/servers/${server.id}`);
      await expect(page.getByRole('region', { name: 'Server state' })).toContainText('Weight');
      await expect(page.getByRole('region', { name: 'Audit' }).getByRole('row').nth(1)).toBeVisible();
      await screenshot(page, '08-server', theme);

      await page.goto(`${APP}/operations`);
      await expect(page.getByText('Reason: screenshots: back after a check')).toBeVisible();
      await screenshot(page, '09-operations', theme);

      await page.goto('/plugins/appcontrol-haproxy-app');
      await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
      await screenshot(page, '07-config', theme);
    });
  });
}

test.describe('administration pages', () => {
  const HOST = 'lb-screenshots';
  let hostId: number;
  let agent: Awaited<ReturnType<typeof specAgent>>;

  test.beforeAll(async () => {
    // A host of its own (as an admin would register it) with a backend the polling scope left out.
    agent = await specAgent(['internal_3']);
    const host = await backendApi('POST', '/api/hosts', {
      body: { name: HOST, address: '192.0.2.20', fagent_url: agent.url, fagent_token: agent.token },
    });
    hostId = host.body.id;
    const instance = await backendApi('POST', '/api/haproxy/instances', {
      body: { host_id: hostId, name: 'internal_3', socket_path: '/run/haproxy/internal_3.sock' },
    });
    await backendApi('POST', `/api/haproxy/instances/${instance.body.id}/sync?wait=true`);
    await backendApi('PATCH', `/api/haproxy/instances/${instance.body.id}`, {
      body: { backend_scope: ['shop', 'stat*'] },
    });
  });

  test.afterAll(async () => {
    await backendApi('DELETE', `/api/hosts/${hostId}`);
    await agent?.stop();
  });

  for (const theme of ['light', 'dark'] as Theme[]) {
    test.describe(`${theme} theme`, () => {
      test.use({ theme });

      test(`administration (${theme})`, async ({ page }) => {
        await page.goto(`${APP}/hosts/${hostId}`);
        const card = page.getByRole('listitem', { name: 'Instance internal_3' });
        await expect(card).toContainText('2 backends');
        await screenshot(page, '12-host-admin', theme);

        await page.getByRole('button', { name: 'Test agent' }).click();
        await expect(page.getByRole('status', { name: 'Agent test result' })).toContainText('internal_3');
        await page.getByRole('button', { name: 'Edit host' }).click();
        await expect(page.getByRole('dialog').locator('#host-name')).toHaveValue(HOST);
        await screenshot(page, '13-host-form', theme, { fullPage: false });
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

        await page.getByRole('button', { name: 'Edit internal_3' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.locator('#instance-scope').fill('shop');
        const preview = dialog.getByRole('region', { name: 'Scope preview' });
        await expect(preview).toContainText('Saving moves 1 backend');
        await preview.scrollIntoViewIfNeeded();
        await screenshot(page, '14-instance-scope-preview', theme, { fullPage: false });
        await dialog.getByRole('button', { name: 'Cancel' }).click();

        await page.goto(`${APP}/applications`);
        await expect(page.getByRole('region', { name: 'Applications' }).getByRole('table')).toBeVisible();
        await expect(page.getByRole('region', { name: 'Unresolved auto-mappings' })).not.toContainText('Loading');
        await screenshot(page, '15-applications', theme);

        await page.goto(`${APP}/removed`);
        await expect(page.getByRole('region', { name: 'Removed backends' })).toContainText('payments');
        await screenshot(page, '16-recently-removed', theme);

        await page.goto(`${APP}/tokens`);
        await expect(page.getByText("this app's Admin token")).toBeVisible();
        await screenshot(page, '17-api-tokens', theme);

        await page.goto(`${APP}/changes`);
        await expect(page.getByRole('row').filter({ hasText: HOST }).first()).toBeVisible();
        await screenshot(page, '18-change-log', theme);
      });
    });
  }
});
