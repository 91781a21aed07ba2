/**
 * The server state model in the built plugin against the real backend and real HAProxy (issue 8): health and
 * intent apart, a command's reason in the audit log, a maintenance window's end, a backend without servers.
 */
import {
  APP,
  apiCommand,
  apiServer,
  backendApi,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  screenshot,
  serverRow,
  stack,
  test,
  type Theme,
} from './support';
import type { Locator, Page } from '@playwright/test';

type Where = [instance: string, backend: string, server: string];

/**
 * The page's label for a window's end (ServerState.utils windowEndLabel; the browser runs in UTC below): the
 * time alone today, with the date when the window ends on another day (a window opened after 23:00 for an hour).
 */
const windowLabel = (iso: string, now = new Date()) => {
  const end = new Date(iso);
  const time = end.toISOString().slice(11, 16);
  if (end.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)) {
    return `until ${time}`;
  }
  return `until ${end.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${end.getUTCDate()}, ${time}`;
};

test.describe('the server state model', () => {
  test.use({ timezoneId: 'UTC' });

  const touched: Where[] = [];
  test.afterEach(async () => {
    // Leave the fleet as the other specs expect it: ready, no window.
    for (const [instance, backend, server] of touched.splice(0)) {
      await apiCommand((await apiServer(instance, backend, server)).id, 'ready');
    }
  });

  /** A command through the server's row and its confirmation (`fill` fills the dialog); returns the row. */
  async function commandFromRow(page: Page, where: Where, verb: string, fill: (dialog: Locator) => Promise<void>) {
    touched.push(where);
    const [instance, backend, server] = where;
    await openHaproxy(page);
    const item = backendItem(page, backend, instance);
    await expandBackend(item);
    const row = serverRow(item, server);
    await row.getByRole('button', { name: `${verb} ${server}` }).click();
    const dialog = page.getByRole('dialog');
    await fill(dialog);
    await dialog.getByRole('button', { name: verb, exact: true }).click();
    await expect(dialog).toBeHidden();
    return row;
  }

  /** The server as the API has it now, state fields included. */
  async function serverState(...[instance, backend, server]: Where) {
    const { id } = await apiServer(instance, backend, server);
    return (await backendApi('GET', `/api/haproxy/servers/${id}`)).body;
  }

  test('a drained server whose checks fail shows DOWN and a drained badge, with why on hover', async ({ page }) => {
    // shop-3's health check answers 500: DOWN whatever its intent.
    const row = await commandFromRow(page, ['edge-1', 'shop', 'shop-3'], 'Drain', (dialog) =>
      dialog.getByLabel(/^Reason/).fill('INC-7 checks failing, keep it out')
    );

    await expect(row.getByLabel(/^DOWN \(DOWN/)).toBeVisible();
    const drained = row.getByLabel('intent: drained');
    await expect(drained).toHaveText('drained');
    await drained.hover();
    await expect(page.getByRole('tooltip')).toContainText('Why: INC-7 checks failing, keep it out');
    await expect(page.getByRole('tooltip')).toContainText('By grafana:admin');
    // The same state through the API: drain intent, down health.
    expect(await serverState('edge-1', 'shop', 'shop-3')).toMatchObject({
      status: 'DOWN',
      admin_state: 'drain',
      operational_state: 'down',
    });
  });

  test('a reason typed in the confirmation appears in the Actions page', async ({ page }) => {
    const reason = `CHG-${Date.now()} rotate certificates`;
    await commandFromRow(page, ['edge-2.eu', 'auth', 'auth-1'], 'Drain', (dialog) =>
      dialog.getByLabel(/^Reason/).fill(reason)
    );

    await page.getByRole('navigation', { name: 'Navigation' }).getByRole('link', { name: 'Actions' }).click();
    await expect(page).toHaveURL(new RegExp(`${APP}/actions`));
    const action = page.getByRole('row').filter({ hasText: reason });
    await expect(action).toHaveCount(1);
    await expect(action).toContainText('auth-1 (auth on edge-2.eu)');
    await expect(action).toContainText('drain');
    await expect(action).toContainText('grafana:admin');
  });

  test('a maintenance window shows its end', async ({ page }) => {
    const row = await commandFromRow(page, ['internal_3', 'static', 'static-1'], 'Maint', (dialog) =>
      dialog.getByRole('radio', { name: '1 h' }).check({ force: true })
    );
    const until: string = (await serverState('internal_3', 'static', 'static-1')).desired.until;
    const ahead = Date.parse(until) - Date.now();
    expect(ahead).toBeGreaterThan(55 * 60e3);
    expect(ahead).toBeLessThanOrEqual(3600e3);
    const end = row.getByText(windowLabel(until));
    await expect(end).toBeVisible();
    await end.hover();
    await expect(page.getByRole('tooltip')).toContainText(/Maintenance window ends in (an hour|\d+ minutes)/);

    // The status filter finds it (a plain check: it waits until the command's toast no longer covers the filter).
    await page.getByRole('radio', { name: 'In window' }).check();
    await expect(page).toHaveURL(/[?&]status=window/);
    await expect(page.getByRole('list', { name: 'Backends and servers' }).getByRole('listitem')).toHaveCount(1);
  });

  test('a backend without servers is listed with a warning; the list counts every backend', async ({ page }) => {
    const summary = await backendApi('GET', '/api/haproxy/summary');
    await openHaproxy(page);
    await expect(page.getByText(`${summary.body.backends} backends`, { exact: true })).toBeVisible();
    const payments = backendItem(page, 'payments', 'internal_3');
    // exact: the backend's header button is labelled by its whole header, "no servers" included.
    await expect(payments.getByLabel('no servers', { exact: true })).toBeVisible();
    await payments.locator('button[aria-expanded]').first().click();
    await expect(payments).toContainText('This backend has no servers');
  });

  for (const theme of ['light', 'dark'] as Theme[]) {
    test.describe(`${theme} theme`, () => {
      test.use({ theme });

      test(`screenshots: drained and down, its hover, a window (${theme})`, async ({ page }) => {
        touched.push(['edge-1', 'shop', 'shop-3'], ['edge-1', 'shop', 'shop-1']);
        const send = async (server: string, body: object) => {
          const { id } = await apiServer('edge-1', 'shop', server);
          const res = await backendApi('POST', `/api/haproxy/servers/${id}/command`, {
            token: stack.tokens.operator,
            body,
          });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
        };
        await send('shop-3', { command: 'drain', reason: 'INC-7 checks failing' });
        await send('shop-1', { command: 'maint', reason: 'kernel update', duration_s: 3600 });
        await openHaproxy(page);
        const item = backendItem(page, 'shop', 'edge-1');
        await expandBackend(item);
        const { until } = (await serverState('edge-1', 'shop', 'shop-1')).desired;
        await expect(serverRow(item, 'shop-1').getByText(windowLabel(until))).toBeVisible();
        await screenshot(page, '12-server-state', theme);
        await serverRow(item, 'shop-3').getByLabel('intent: drained').hover();
        await expect(page.getByRole('tooltip')).toContainText('INC-7 checks failing');
        await screenshot(page, '13-server-state-hover', theme, { fullPage: false });
      });

      test(`a server at weight 0 in the configuration says it is out on purpose, not just UP (${theme})`, async ({
        page,
      }) => {
        await openHaproxy(page, '?q=static');
        const item = backendItem(page, 'static', 'internal_3');
        await expandBackend(item);
        const row = serverRow(item, 'static-4');
        await expect(row.getByLabel(/^UP /)).toBeVisible();
        const badge = row.getByLabel('weight 0: out on purpose');
        await expect(badge).toHaveText('weight 0');
        await badge.hover();
        await expect(page.getByRole('tooltip')).toContainText('Counted as out on purpose, not available');
        // A weighted server of the same backend has no such badge.
        await expect(serverRow(item, 'static-2').getByLabel('weight 0: out on purpose')).toHaveCount(0);
        await screenshot(page, '12-server-state-weight-zero', theme, { fullPage: false });
      });
    });
  }
});
