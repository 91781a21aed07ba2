import {
  apiServers,
  backendApi,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  PROXY,
  serverRow,
  stack,
  test,
} from './support';

/** Backends as the API groups them: "instance/backend" -> statuses of its servers. */
async function fleetBackends() {
  const groups = new Map<string, { instance: string; backend: string; statuses: string[]; servers: string[] }>();
  for (const s of await apiServers()) {
    const key = `${s.instance_name}/${s.backend_name}`;
    const g = groups.get(key) ?? { instance: s.instance_name, backend: s.backend_name, statuses: [], servers: [] };
    g.statuses.push(s.status);
    g.servers.push(s.server_name);
    groups.set(key, g);
  }
  return [...groups.values()];
}

test.describe('HAProxy page', () => {
  test('lists the whole fleet: statistics, every backend of every instance', async ({ page }) => {
    const backends = await fleetBackends();
    expect(backends.length).toBe(8); // the demo fleet's backends with servers: 3 + 3 + 2
    // internal_3's "payments" has no servers: stored, so the statistics count it, and the list shows it with a
    // warning (state.spec.ts, which also checks the list's count).
    const summary = await backendApi('GET', '/api/haproxy/summary');
    expect(summary.body.backends).toBe(backends.length + 1);
    await openHaproxy(page);

    await expect(page.getByLabel('Backends', { exact: true })).toContainText(String(summary.body.backends));
    await expect(page.getByLabel('Servers', { exact: true })).toContainText(
      String(backends.flatMap((b) => b.servers).length)
    );
    for (const b of backends) {
      const item = backendItem(page, b.backend, b.instance);
      await expect(item).toBeVisible();
      await expect(item).toContainText(`${b.servers.length} servers`);
      // A collapsed backend renders no rows.
      await expect(item.getByRole('row')).toHaveCount(0);
    }
    // The instances panel names all three instances.
    await page.getByText(`HAProxy instances (${stack.instances.length})`).click();
    for (const i of stack.instances) {
      await expect(page.getByRole('cell', { name: i.name, exact: true })).toBeVisible();
    }
  });

  test('filters by status, instance and search, and keeps them in the URL', async ({ page }) => {
    const backends = await fleetBackends();
    await openHaproxy(page);
    const list = page.getByRole('list', { name: 'Backends and servers' });

    // Status: only backends with a DOWN server.
    const withDown = backends.filter((b) => b.statuses.includes('DOWN'));
    expect(withDown.length).toBeGreaterThan(0);
    await page.getByRole('radio', { name: 'DOWN', exact: true }).click();
    await expect(page).toHaveURL(/[?&]status=DOWN/);
    await expect(list.getByRole('listitem')).toHaveCount(withDown.length);
    for (const b of withDown) {
      await expect(backendItem(page, b.backend, b.instance)).toBeVisible();
    }
    // Expanded under a status filter, a backend shows only the matching servers.
    const first = backendItem(page, withDown[0].backend, withDown[0].instance);
    await expandBackend(first);
    const downCount = withDown[0].statuses.filter((s) => s === 'DOWN').length;
    await expect(first.getByRole('row')).toHaveCount(downCount + 1); // + header row

    // Instance (on top of the status filter).
    const edge2 = stack.instances.find((i) => i.name === 'edge-2.eu')!;
    await page.locator('#filter-instance').click();
    await page.getByRole('option', { name: /edge-2\.eu/ }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]instance=${edge2.id}(&|$)`));
    const edge2Down = withDown.filter((b) => b.instance === 'edge-2.eu');
    await expect(list.getByRole('listitem')).toHaveCount(edge2Down.length);

    // Back to all statuses; then search over backend and server names.
    await page.getByRole('radio', { name: 'All', exact: true }).click();
    await expect(page).not.toHaveURL(/status=/);
    await expect(list.getByRole('listitem')).toHaveCount(backends.filter((b) => b.instance === 'edge-2.eu').length);
    await page.getByLabel('Search backends and servers').fill('old-2');
    await expect(page).toHaveURL(/[?&]q=old-2/);
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(backendItem(page, 'legacy_app:v1', 'edge-2.eu')).toContainText('1 of 3 servers shown');

    // The URL is the view: a fresh load (a shared link) restores all of it.
    const shared = page.url();
    await page.goto('about:blank');
    await page.goto(shared);
    await expect(page.getByLabel('Search backends and servers')).toHaveValue('old-2');
    await expect(page.locator('#filter-instance').locator('..').locator('..')).toContainText('edge-2.eu');
    await expect(page.getByRole('list', { name: 'Backends and servers' }).getByRole('listitem')).toHaveCount(1);

    // No match at all: an empty state, not an empty page.
    await page.getByLabel('Search backends and servers').fill('no-such-thing');
    await expect(page.getByText('No backend or server matches the filters')).toBeVisible();
  });

  test('expanding a backend shows its servers with status, weight, sessions and application', async ({ page }) => {
    const servers = (await apiServers()).filter((s) => s.instance_name === 'edge-1' && s.backend_name === 'shop');
    await openHaproxy(page);
    const item = backendItem(page, 'shop', 'edge-1');
    await expandBackend(item);
    await expect(item.getByRole('row')).toHaveCount(servers.length + 1);
    for (const header of [
      'Server',
      'Address',
      'Status',
      'Weight',
      'Sessions (cur / max)',
      'Application',
      'Last change',
    ]) {
      // By text: the sort buttons' accessible names come from i18next, which HTML-escapes "/" (as in Grafana).
      await expect(item.getByRole('columnheader').filter({ hasText: header })).toBeVisible();
    }
    for (const s of servers) {
      const row = serverRow(item, s.server_name);
      await expect(row).toBeVisible();
      await expect(row).toContainText(s.status);
    }
    // Status badges carry HAProxy's raw status for the hover text.
    await expect(serverRow(item, 'shop-3').getByLabel(/^DOWN \(DOWN/)).toBeVisible();
    // shop-5 follows shop-4 through HAProxy's track, as the agent read it from show stat.
    await expect(serverRow(item, 'shop-5')).toContainText('tracks shop/shop-4');
    await expect(serverRow(item, 'shop-4')).not.toContainText('tracks');
    // shop-1's address is on demo-app-1, which runs "shop": auto-mapped.
    await expect(serverRow(item, 'shop-1')).toContainText('shop');
    await expect(serverRow(item, 'shop-1')).toContainText('auto');
    // Collapsing removes the rows again.
    await item.locator('button[aria-expanded]').first().click();
    await expect(item.getByRole('row')).toHaveCount(0);
  });

  test("reads a page of backends and an opened backend's servers, never the fleet's; an unchanged refresh is a 304", async ({
    page,
  }) => {
    const reads: Array<{ path: string; query: Record<string, string>; status: number }> = [];
    page.on('requestfinished', async (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith(`${PROXY}/api/haproxy/`)) {
        const status = (await r.response())?.status() ?? 0;
        reads.push({ path: url.pathname.slice(PROXY.length), query: Object.fromEntries(url.searchParams), status });
      }
    });
    await openHaproxy(page);
    const item = backendItem(page, 'shop', 'edge-1');
    await expect(item).toBeVisible();
    await expect.poll(() => reads.filter((r) => r.path === '/api/haproxy/backends').length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.path === '/api/haproxy/servers')).toEqual([]);
    expect(reads.find((r) => r.path === '/api/haproxy/backends')?.query).toEqual({ limit: '50' });

    await expandBackend(item);
    const servers = reads.filter((r) => r.path === '/api/haproxy/servers');
    expect(servers).toHaveLength(1);
    expect(servers[0].query).toMatchObject({ backend_id: expect.stringMatching(/^\d+$/), limit: '100' });

    // Nothing changes: every read of the next auto-refresh is answered 304 (the page keeps what it has).
    const before = reads.length;
    await page.getByRole('radio', { name: '5s', exact: true }).click();
    const refreshed = () => reads.slice(before).map((r) => [r.path, r.status]);
    await expect.poll(refreshed, { timeout: 30_000 }).toContainEqual(['/api/haproxy/backends', 304]);
    await expect.poll(refreshed, { timeout: 30_000 }).toContainEqual(['/api/haproxy/servers', 304]);
    await expect(serverRow(item, 'shop-1')).toBeVisible();
    await page.getByRole('radio', { name: 'Off', exact: true }).click();
  });
});
