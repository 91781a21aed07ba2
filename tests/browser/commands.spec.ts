import fs from 'node:fs';
import {
  APP,
  PROXY,
  apiCommand,
  apiServer,
  backendItem,
  expandBackend,
  expect,
  haproxyStatus,
  openHaproxy,
  serverRow,
  stack,
  test,
  toasts,
} from './support';

test.describe('drain through the plugin proxy', () => {
  test.afterEach(async () => {
    // Leave the fleet as the other specs expect it.
    const s = await apiServer('edge-1', 'shop', 'shop-1');
    if (s.status !== 'UP') {
      await apiCommand(s.id, 'ready');
    }
  });

  test('drain with a confirmation naming server, backend and instance; HAProxy drains; the Actions page shows it', async ({
    page,
  }) => {
    expect(await haproxyStatus('edge-1', 'shop', 'shop-1')).toBe('UP');
    await openHaproxy(page);
    const item = backendItem(page, 'shop', 'edge-1');
    await expandBackend(item);
    const row = serverRow(item, 'shop-1');
    await expect(row.getByLabel('UP', { exact: false }).first()).toBeVisible();

    const commandRequests: string[] = [];
    page.on('request', (r) => {
      // The confirmation's dry run (dry_run: true) asks what would happen; it sends no command.
      if (r.method() === 'POST' && r.url().includes('/command') && !r.postDataJSON()?.dry_run) {
        commandRequests.push(r.url());
      }
    });
    await row.getByRole('button', { name: 'Drain shop-1' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Drain server shop-1?');
    await expect(dialog).toContainText('Drain server shop-1 in backend shop on instance edge-1.');
    // Nothing is sent before the confirmation.
    expect(commandRequests).toEqual([]);
    await dialog.getByRole('button', { name: 'Drain', exact: true }).click();
    await expect(dialog).toBeHidden();

    expect(commandRequests).toHaveLength(1);
    expect(new URL(commandRequests[0]).pathname).toMatch(
      new RegExp(`^${PROXY}/editor/api/haproxy/servers/\\d+/command$`)
    );
    await expect(toasts(page)).toContainText('drain sent to shop-1');
    await expect(toasts(page)).toContainText('shop on edge-1 is now DRAIN');
    await expect(row).toContainText('DRAIN');
    await expect(row.getByRole('button', { name: 'Drain shop-1' })).toHaveCount(0);
    await expect(row.getByRole('button', { name: 'Ready shop-1' })).toBeVisible();

    // HAProxy itself, over its runtime socket.
    expect(await haproxyStatus('edge-1', 'shop', 'shop-1')).toBe('DRAIN');

    // The audit log, with the Grafana login as the actor (X-Grafana-User from the proxy).
    await page.getByRole('navigation', { name: 'Navigation' }).getByRole('link', { name: 'Actions' }).click();
    await expect(page).toHaveURL(new RegExp(`${APP}/actions`));
    const actionRow = page.getByRole('row').filter({ hasText: 'shop-1' }).filter({ hasText: 'drain' }).first();
    await expect(actionRow).toBeVisible();
    await expect(actionRow).toContainText('grafana:admin');
    await expect(actionRow).toContainText('shop-1 (shop on edge-1)');
    await expect(actionRow).toContainText('success');
    await expect(actionRow).toContainText('DRAIN');

    // The same log as a file: downloaded by the browser through the plugin proxy, not opened as a page.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^haproxy-actions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.slice(0, csv.indexOf('\r\n'))).toBe(
      '\uFEFFid,started_at,completed_at,duration_ms,actor,source,command,instance_id,instance_name,backend_name,' +
        'server_id,server_name,status_before,status_after,result,success,error,note,reason,until,forced,operation_id'
    );
    expect(csv).toMatch(
      /\r\n\d+,[^,]+,[^,]+,\d+,grafana:admin,ui,drain,\d+,edge-1,shop,\d+,shop-1,UP,DRAIN,success,true,/
    );
    await expect(page).toHaveURL(new RegExp(`${APP}/actions`));
  });

  test.describe('as an Editor', () => {
    test.use({ login: 'editor' });

    test('sees the action buttons; maint asks first and warns that it cuts connections', async ({ page }) => {
      await openHaproxy(page);
      const item = backendItem(page, 'shop', 'edge-1');
      await expandBackend(item);
      await serverRow(item, 'shop-1').getByRole('button', { name: 'Maint shop-1' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog).toContainText('Maintenance cuts existing connections');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
      expect(await haproxyStatus('edge-1', 'shop', 'shop-1')).toBe('UP');
    });
  });
});

test.describe('as a Viewer', () => {
  test.use({ login: 'viewer' });

  test('sees no action buttons, and a forged command through the proxy gets 403', async ({ page }) => {
    await openHaproxy(page);
    const item = backendItem(page, 'shop', 'edge-1');
    await expandBackend(item);
    await expect(serverRow(item, 'shop-1')).toBeVisible();
    await expect(item.getByRole('button', { name: /^(Drain|Ready|Maint) / })).toHaveCount(0);
    await expect(item.getByRole('button', { name: /^Map / })).toHaveCount(0);
    await page.getByText(`HAProxy instances (${stack.instances.length})`).click();
    await expect(page.getByRole('button', { name: /Sync/ })).toHaveCount(0);

    // Forged requests from the viewer's browser session: Grafana's proxy refuses them by route reqRole.
    const server = await apiServer('edge-1', 'shop', 'shop-1');
    const forged = await page.evaluate(
      async ({ url }) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ command: 'drain' }),
        });
        return { status: res.status, body: await res.json() };
      },
      { url: `${PROXY}/editor/api/haproxy/servers/${server.id}/command` }
    );
    expect(forged.status).toBe(403);
    expect(forged.body.message).toBe('plugin proxy route access denied');
    const sync = await page.request.post(`${PROXY}/editor/api/haproxy/instances/${server.instance_id}/sync`);
    expect(sync.status()).toBe(403);
    // The viewer's own routes only read: a POST there has no route at all.
    expect((await page.request.post(`${PROXY}/api/haproxy/servers/${server.id}/command`)).status()).toBe(404);
    // A viewer still reads through the proxy.
    expect((await page.request.get(`${PROXY}/api/haproxy/summary`)).status()).toBe(200);
    // Nothing happened.
    expect((await apiServer('edge-1', 'shop', 'shop-1')).status).toBe('UP');
    expect(await haproxyStatus('edge-1', 'shop', 'shop-1')).toBe('UP');
  });
});

test.describe('the plugin proxy', () => {
  test('only routes plugin.json declares; the browser never sees the token', async ({ page }) => {
    // No route: /metrics, /healthz, a DELETE on servers.
    expect((await page.request.get(`${PROXY}/metrics`)).status()).toBe(404);
    expect((await page.request.get(`${PROXY}/healthz`)).status()).toBe(404);
    expect((await page.request.delete(`${PROXY}/api/haproxy/servers/1`)).status()).toBe(404);
    // The token is added by the proxy, one per role's routes: a client's own Authorization header does not
    // replace it.
    for (const [prefix, role] of [
      ['', 'viewer'],
      ['/editor', 'operator'],
      ['/admin', 'admin'],
    ]) {
      const me = await page.request.get(`${PROXY}${prefix}/api/me`, {
        headers: { authorization: `Bearer ${stack.tokens.viewer}` },
      });
      expect(me.status()).toBe(200);
      expect((await me.json()).role).toBe(role);
    }

    const seen: string[] = [];
    page.on('response', async (r) => {
      const type = r.headers()['content-type'] ?? '';
      if (/json|html|javascript/.test(type)) {
        seen.push(await r.text().catch(() => ''));
      }
    });
    await openHaproxy(page);
    await page.goto(`/plugins/appcontrol-haproxy-app`);
    await expect(page.getByRole('button', { name: 'Test connection' })).toBeVisible();
    const settings = await (await page.request.get('/api/plugins/appcontrol-haproxy-app/settings')).json();
    expect(settings.secureJsonFields).toEqual({ viewerToken: true, operatorToken: true, adminToken: true });
    const secrets = Object.values(stack.pluginTokens);
    expect(seen.length).toBeGreaterThan(5);
    for (const body of [JSON.stringify(settings), ...seen]) {
      for (const secret of secrets) {
        expect(body).not.toContain(secret);
      }
    }
  });
});
