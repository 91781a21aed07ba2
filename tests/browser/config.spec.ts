import { expect, stack, test } from './support';

const SETTINGS = '/api/plugins/appcontrol-haproxy-app/settings';

test.describe('configuration page', () => {
  test.afterEach(async ({ request }) => {
    // Back to the operator token (as admin, through Grafana's settings API).
    const res = await request.post(SETTINGS, {
      data: {
        enabled: true,
        pinned: true,
        jsonData: { backendUrl: stack.backendUrl },
        secureJsonData: { apiToken: stack.pluginToken },
      },
    });
    expect(res.status()).toBe(200);
  });

  test('"Test connection" names the token and its role', async ({ page }) => {
    await page.goto('/plugins/appcontrol-haproxy-app');
    await expect(page.getByRole('tab', { name: 'Configuration' })).toBeVisible();
    await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
    // The token is write-only: the field only says it is configured.
    await expect(page.getByRole('button', { name: 'Reset' })).toBeVisible();

    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await expect(result).toContainText('Connected as token "grafana-operator" with role operator');
  });

  test('a viewer token saved from the page: the test warns that commands will be refused', async ({ page }) => {
    await page.goto('/plugins/appcontrol-haproxy-app');
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.getByPlaceholder('Backend API token').fill(stack.tokens.viewer);
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Saving reloads the page (as Grafana's own app config pages do).
    await expect(page.getByRole('button', { name: 'Reset' })).toBeVisible();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await expect(result).toContainText('Connected, but the token "test-viewer" has role viewer');
  });

  test('a bad token or an unreachable backend: the test says which', async ({ page, request }) => {
    await request.post(SETTINGS, {
      data: { enabled: true, jsonData: { backendUrl: stack.backendUrl }, secureJsonData: { apiToken: 'not-a-token' } },
    });
    await page.goto('/plugins/appcontrol-haproxy-app');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('status', { name: 'Connection test result' })).toContainText('Invalid API token (401)');

    await request.post(SETTINGS, {
      data: {
        enabled: true,
        jsonData: { backendUrl: 'http://127.0.0.1:1' },
        secureJsonData: { apiToken: stack.pluginToken },
      },
    });
    await page.reload();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('status', { name: 'Connection test result' })).toContainText('Backend unreachable');
  });
});
