import { expect, stack, test } from './support';

const SETTINGS = '/api/plugins/appcontrol-haproxy-app/settings';

test.describe('configuration page', () => {
  test.afterEach(async ({ request }) => {
    // Back to the stack's tokens (as admin, through Grafana's settings API).
    const res = await request.post(SETTINGS, {
      data: {
        enabled: true,
        pinned: true,
        jsonData: { backendUrl: stack.backendUrl },
        secureJsonData: stack.pluginTokens,
      },
    });
    expect(res.status()).toBe(200);
  });

  test('"Test connection" names each token and its role', async ({ page }) => {
    await page.goto('/plugins/appcontrol-haproxy-app');
    await expect(page.getByRole('tab', { name: 'Configuration' })).toBeVisible();
    await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
    // The tokens are write-only: each field only says it is configured.
    await expect(page.getByRole('button', { name: 'Reset' })).toHaveCount(3);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await expect(result).toContainText('Viewer token: connected as token "grafana-viewer" with role viewer');
    await expect(result).toContainText('Operator token: connected as token "grafana-operator" with role operator');
    await expect(result).toContainText('Admin token: connected as token "grafana-admin" with role admin');
  });

  test('a viewer token saved in the operator slot: the test warns that commands will be refused', async ({ page }) => {
    await page.goto('/plugins/appcontrol-haproxy-app');
    // The slots in page order: viewer, operator, admin.
    await page.getByRole('button', { name: 'Reset' }).nth(1).click();
    await page.getByPlaceholder('Backend token with role operator').fill(stack.tokens.viewer);
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Saving reloads the page (as Grafana's own app config pages do).
    await expect(page.getByRole('button', { name: 'Reset' })).toHaveCount(3);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await expect(result).toContainText(
      'Operator token: token "test-viewer" with role viewer, but this slot needs operator'
    );
  });

  test('a bad token or an unreachable backend: the test says which', async ({ page, request }) => {
    await request.post(SETTINGS, {
      data: {
        enabled: true,
        jsonData: { backendUrl: stack.backendUrl },
        secureJsonData: { ...stack.pluginTokens, adminToken: 'not-a-token' },
      },
    });
    await page.goto('/plugins/appcontrol-haproxy-app');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await expect(result).toContainText('Admin token: invalid API token (401)');
    await expect(result).toContainText('Viewer token: connected');

    await request.post(SETTINGS, {
      data: { enabled: true, jsonData: { backendUrl: 'http://127.0.0.1:1' }, secureJsonData: stack.pluginTokens },
    });
    await page.reload();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('status', { name: 'Connection test result' })).toContainText('Backend unreachable');
  });
});
