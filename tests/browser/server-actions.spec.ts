/**
 * The agent's other commands and a backend's rolling drain in the built plugin, against the real backend and real
 * HAProxy: a weight set from the Server page reaches HAProxy and is read back on the page; a rolling drain starts
 * from a backend on the HAProxy page and opens its job. Everything changed is put back for the specs after.
 */
import {
  APP,
  apiServer,
  backendApi,
  backendItem,
  expandBackend,
  expect,
  haproxyWeight,
  openHaproxy,
  restoreServers,
  screenshot,
  serverStates,
  stack,
  test,
  type Theme,
} from './support';

const setWeight = (serverId: number, weight: number) =>
  backendApi('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: stack.tokens.operator,
    body: { command: 'weight', weight },
  });

test.describe('server actions', () => {
  test('a weight set on the Server page reaches HAProxy and is read back on the page', async ({ page }) => {
    const s = await apiServer('internal_3', 'shop', 'shop-2');
    const before = (await backendApi('GET', `/api/haproxy/servers/${s.id}`)).body as { weight: number };
    const target = before.weight === 37 ? 38 : 37;
    try {
      await page.goto(`${APP}/servers/${s.id}`);
      const state = page.getByRole('region', { name: 'Server state' });
      await expect(state).toContainText(`Weight ${before.weight}`);
      await page.getByRole('button', { name: 'Set weight', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Set the weight of server shop-2?' });
      await expect(dialog).toContainText(`Its weight is ${before.weight}`);
      const field = dialog.getByLabel(/^New weight/);
      await field.fill('300');
      await dialog.getByRole('button', { name: 'Set weight', exact: true }).click();
      await expect(dialog).toContainText('A weight is at most 256 (300 now)');
      await field.fill(String(target));
      await dialog.getByRole('button', { name: 'Set weight', exact: true }).click();
      await expect(dialog).toBeHidden();
      // The answer is the server as read back after the command; HAProxy itself has it too.
      await expect(state).toContainText(`Weight ${target}`);
      expect(await haproxyWeight('internal_3', 'shop', 'shop-2')).toBe(target);
      await page.reload();
      await expect(page.getByRole('region', { name: 'Server state' })).toContainText(`Weight ${target}`);
      await expect(page.getByRole('region', { name: 'Audit' }).getByRole('row').nth(1)).toContainText('weight');
    } finally {
      expect((await setWeight(s.id, before.weight)).status).toBe(200);
    }
  });

  test('a rolling drain starts from a backend on the HAProxy page and opens its job', async ({ page }) => {
    const before = await serverStates();
    const { backend_id } = await apiServer('edge-1', 'api', 'api-1');
    let jobId: string | undefined;
    try {
      await openHaproxy(page, '?q=api');
      const item = backendItem(page, 'api', 'edge-1');
      await expandBackend(item);
      await item.getByRole('button', { name: 'Rolling drain of backend api' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rolling drain of backend api on edge-1' });
      await expect(dialog.getByRole('region', { name: 'Dry run' })).toContainText(/would be taken out/);
      await dialog.getByLabel(/^Reason/).fill('browser: rolling drain of a backend');
      await dialog.getByRole('button', { name: 'Start rolling drain' }).click();
      await expect(page).toHaveURL(/\/operations\/[0-9a-f-]{36}$/);
      jobId = page.url().split('/').at(-1);
      const job = page.getByRole('region', { name: /^Job Rolling drain of \d+ servers/ });
      await expect(job.getByRole('progressbar')).toBeVisible();
      await expect(job.getByRole('table')).toContainText('api-1');
      const started = (await backendApi('GET', `/api/haproxy/operations/${jobId}`)).body as {
        selection: unknown;
        reason: string;
      };
      expect(started).toMatchObject({ selection: { backend_id }, reason: 'browser: rolling drain of a backend' });
    } finally {
      if (jobId) {
        await backendApi('POST', `/api/haproxy/operations/${jobId}/cancel`, { token: stack.tokens.operator });
      }
      // What the job took out stays out after a cancel: put it back, so later specs find the fleet as it was.
      await restoreServers(before);
    }
  });
});

for (const theme of ['light', 'dark'] as Theme[]) {
  test.describe(`server actions, ${theme} theme`, () => {
    test.use({ theme });

    test(`screenshot of a weight of 0 with its dry run, from a server row's menu (${theme})`, async ({ page }) => {
      await openHaproxy(page, '?q=api');
      const item = backendItem(page, 'api', 'edge-1');
      await expandBackend(item);
      await item.getByRole('button', { name: 'More actions for api-1' }).click();
      await page.getByRole('menuitem', { name: 'Set weight' }).click();
      const dialog = page.getByRole('dialog', { name: 'Set the weight of server api-1?' });
      await dialog.getByLabel(/^New weight/).fill('0');
      await expect(dialog.getByRole('region', { name: 'Dry run' })).toContainText(/would be taken out/);
      await screenshot(page, '16-set-weight', theme);
      // Nothing is sent: the dialog is dismissed.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
    });
  });
}
