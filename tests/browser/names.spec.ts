/**
 * Names as data: hosts, applications, backends and servers are named by their operators, with no length limit
 * in HAProxy and up to 200 characters in the backend. A long name without spaces, markup or URL characters must
 * show as text, wrap inside the page, and leave the links (by id) working. The answers are the real backend's,
 * with the names swapped for such ones by Playwright's routing.
 */
import type { Page, Route } from '@playwright/test';
import { FakeFagent, extendedServer } from '../../backend/test/support/fake-fagent';
import { makeAction } from '../../src/test/fixtures';
import { APP, PROXY, backendApi, backendItem, expandBackend, expect, openHaproxy, serverRow, test } from './support';

// HAProxy names are letters, digits and `-_.:`; underscores give the browser no place to break a line.
const LONG = `${'very_long_name_'.repeat(13)}end`.slice(0, 200);
const MARKUP = `<script>window.__injected=1</script><img src=x onerror="window.__injected=1"> & "q" 'a' %2F #x ?y=1 /../`;

/** The real answer of a proxied GET, with `edit` applied to its JSON body. */
async function rewrite(page: Page, path: RegExp, edit: (body: any) => void) {
  await page.route(
    (url) => url.pathname.startsWith(PROXY) && path.test(url.pathname.slice(PROXY.length)),
    async (route: Route) => {
      const response = await route.fetch();
      const body = await response.json();
      edit(body);
      await route.fulfill({ response, json: body, headers: { ...response.headers(), etag: '' } });
    }
  );
}

/**
 * Nothing of the plugin's page sticks out of Grafana's page area (the host's `main`): it never scrolls sideways. The
 * page title and subtitle are Grafana's (PluginPage's header), not the plugin's, and are left out.
 */
async function expectNoSidewaysScroll(page: Page) {
  const outside = await page.locator('main').evaluate((main) => {
    const edge = main.getBoundingClientRect().right + 1;
    // The title's block: the title, the subtitle, and what holds them.
    const header = main.querySelector('h1')?.parentElement;
    return [...main.querySelectorAll('*')]
      .filter((el) => !header?.contains(el) && !el.contains(header ?? null) && el.getBoundingClientRect().right > edge)
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').slice(0, 60)}"`)
      .slice(0, 3);
  });
  expect(outside, 'elements that make the page scroll sideways').toEqual([]);
}

async function expectInsideWindow(page: Page, text: string) {
  const width = page.viewportSize()!.width;
  const box = (await page.getByText(text, { exact: false }).first().boundingBox())!;
  expect(box.x + box.width, `"${text.slice(0, 30)}..." ends outside the window`).toBeLessThanOrEqual(width);
}

test.use({ viewport: { width: 1280, height: 900 } });

test('hosts with a long name and with markup: text, wrapped, linked by id', async ({ page }) => {
  await rewrite(page, /^\/api\/hosts$/, (body) => {
    body.hosts[0].name = LONG;
    body.hosts[1].name = MARKUP;
  });
  await page.goto(`${APP}/hosts`);
  await expect(page.getByRole('link', { name: LONG })).toBeVisible();
  await expect(page.getByRole('link', { name: MARKUP })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
  await expect(page.getByRole('link', { name: MARKUP })).toHaveAttribute('href', /\/hosts\/\d+$/);
  await expectInsideWindow(page, LONG);
  await expectNoSidewaysScroll(page);
});

test('applications and their servers with long names stay inside the page', async ({ page }) => {
  await rewrite(page, /^\/api\/applications$/, (body) => {
    body.applications[0].name = LONG;
  });
  await page.goto(`${APP}/applications`);
  await expect(page.getByRole('link', { name: LONG })).toBeVisible();
  await expectInsideWindow(page, LONG);
  await expectNoSidewaysScroll(page);

  await rewrite(page, /^\/api\/haproxy\/servers$/, (body) => {
    for (const s of body.servers) {
      s.server_name = `${LONG}-${s.id}`;
      s.backend_name = LONG;
      s.instance_name = MARKUP;
    }
  });
  await rewrite(page, /^\/api\/applications\/\d+$/, (body) => {
    body.name = LONG;
  });
  await page.getByRole('link', { name: LONG }).click();
  await expect(page).toHaveURL(/\/applications\/\d+$/);
  await expect(page.getByRole('link', { name: new RegExp(`^${LONG}-\\d+$`) }).first()).toBeVisible();
  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
  await expectInsideWindow(page, `${LONG}-`);
  await expectNoSidewaysScroll(page);
});

test('the audit log with long names stays inside the page', async ({ page }) => {
  await rewrite(page, /^\/api\/haproxy\/actions$/, (body) => {
    if (body.actions.length === 0) {
      body.total = 1;
      body.actions.push(makeAction(1, { instance_name: 'edge-1' }));
    }
    for (const a of body.actions) {
      a.server_name = LONG;
      a.backend_name = LONG;
      a.actor = LONG;
      a.reason = MARKUP;
    }
  });
  await page.goto(`${APP}/actions?range=all`);
  await expect(page.getByRole('table')).toBeVisible();
  await expectNoSidewaysScroll(page);
});

/** Nothing of the open dialog sticks out of it: its title wraps and its close button stays on screen. */
async function expectDialogFits(page: Page) {
  const dialog = page.getByRole('dialog').last();
  await expect(dialog).toBeVisible();
  const outside = await dialog.evaluate((d) => {
    const edge = d.getBoundingClientRect().right + 1;
    return [...d.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > edge)
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').slice(0, 60)}"`)
      .slice(0, 3);
  });
  expect(outside, 'elements sticking out of the dialog').toEqual([]);
  await expect(dialog.getByRole('button', { name: 'Close' }).first()).toBeInViewport({ ratio: 1 });
}

/**
 * Names as an agent and operators give them, unchanged from HAProxy to the page: a host, an instance and an application
 * named by operators (200 characters, markup), a backend and servers named in HAProxy's configuration (long, with URL
 * characters), behind a fake FAgent. Commands go to the server named, and every dialog naming them fits the window.
 */
test.describe('long names in dialogs and cards', () => {
  const OPERATOR_NAME = (what: string) => `<b>${what}</b>_${'very_long_name_'.repeat(14)}`.slice(0, 200);
  const HOST = OPERATOR_NAME('host');
  const INSTANCE = OPERATOR_NAME('inst');
  const BACKEND = `${LONG}/%2F#?`;
  const SERVERS = [`${LONG}_srv`, MARKUP];
  const agent = new FakeFagent({ protocol: 'extended' });
  const ids: { host?: number; instance?: number; app?: number } = {};

  test.beforeAll(async () => {
    agent.setBackend(
      INSTANCE,
      BACKEND,
      SERVERS.map((s, i) => extendedServer(s, 'ready', true, { address: `192.0.2.${i + 1}:80` }))
    );
    await agent.start();
    const host = await backendApi('POST', '/api/hosts', {
      body: { name: HOST, address: '192.0.2.200', fagent_url: agent.url, fagent_token: 'names-spec' },
    });
    expect(host.status, JSON.stringify(host.body)).toBe(201);
    ids.host = host.body.id;
    const instance = await backendApi('POST', '/api/haproxy/instances', {
      body: { host_id: ids.host, name: INSTANCE, backend_scope: null },
    });
    expect(instance.status, JSON.stringify(instance.body)).toBe(201);
    ids.instance = instance.body.id;
    expect((await backendApi('POST', `/api/haproxy/instances/${ids.instance}/sync?wait=true`)).body.status).toBe('ok');
    const app = await backendApi('POST', '/api/applications', {
      body: { name: OPERATOR_NAME('app'), host_id: ids.host },
    });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    ids.app = app.body.id;
  });

  test.afterAll(async () => {
    // Leave the stack as the other specs found it.
    if (ids.app) {
      await backendApi('DELETE', `/api/applications/${ids.app}`);
    }
    if (ids.host) {
      await backendApi('DELETE', `/api/hosts/${ids.host}`);
    }
    await agent.stop();
  });

  test('command dialogs fit the window, and the command reaches the server named', async ({ page }) => {
    await page.goto(`${APP}/haproxy?instance=${ids.instance}`);
    const item = backendItem(page, BACKEND, INSTANCE);
    await expandBackend(item);
    const [longServer, markupServer] = SERVERS;

    await serverRow(item, longServer)
      .getByRole('button', { name: `Maint ${longServer}`, exact: true })
      .click();
    await expect(page.getByRole('dialog')).toContainText('1 server would be taken out');
    await expectDialogFits(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await item.getByRole('button', { name: 'Drain all' }).click();
    await expect(page.getByRole('dialog')).toContainText('2 servers would be taken out');
    await expectDialogFits(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await item.getByRole('button', { name: 'Rolling drain' }).click();
    await expect(page.getByRole('dialog')).toContainText('would be taken out');
    await expectDialogFits(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await serverRow(item, longServer)
      .getByRole('button', { name: `Map ${longServer} to an application` })
      .click();
    await expectDialogFits(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await serverRow(item, markupServer)
      .getByRole('button', { name: `Drain ${markupServer}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText(`Drain server ${markupServer}?`);
    await expectDialogFits(page);
    await dialog.getByRole('button', { name: 'Drain', exact: true }).click();
    await expect(dialog).toBeHidden();
    const sent = agent.requests.filter((r) => r.route === 'command');
    expect(sent.map((r) => r.segments.slice(2, 7))).toEqual([[INSTANCE, 'backends', BACKEND, 'servers', markupServer]]);
    expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
  });

  test("a host's page keeps its actions on screen; its dialogs fit", async ({ page }) => {
    await page.goto(`${APP}/hosts/${ids.host}`);
    await expect(page.getByRole('button', { name: 'Delete host' })).toBeInViewport({ ratio: 1 });
    await expect(page.getByRole('button', { name: `Delete ${INSTANCE}`, exact: true })).toBeInViewport({ ratio: 1 });
    await expectNoSidewaysScroll(page);

    await page.getByRole('button', { name: 'HAProxy settings' }).click();
    await expectDialogFits(page);
    await page.getByRole('dialog').locator('button[aria-expanded="false"]').first().click();
    await expect(page.getByRole('dialog').getByRole('cell', { name: BACKEND, exact: true })).toBeVisible();
    await expectDialogFits(page);
    await page.keyboard.press('Escape');

    for (const [button, title] of [
      ['Edit host', 'Edit host'],
      ['Delete host', 'Delete host'],
      [`Edit ${INSTANCE}`, 'Edit instance'],
      [`Delete ${INSTANCE}`, 'Delete instance'],
    ]) {
      await page.getByRole('button', { name: button, exact: true }).click();
      await expect(page.getByRole('dialog')).toContainText(title);
      await expectDialogFits(page);
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toBeHidden();
    }
  });

  test('applications, instances and tokens with long names stay inside the page', async ({ page }) => {
    await page.goto(`${APP}/applications`);
    await expect(page.getByRole('link', { name: OPERATOR_NAME('app') })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Unresolved auto-mappings' })).toContainText(SERVERS[0]);
    await expectNoSidewaysScroll(page);
    await page.getByRole('button', { name: `Delete ${OPERATOR_NAME('app')}` }).click();
    await expectDialogFits(page);
    await page.keyboard.press('Escape');

    await openHaproxy(page);
    await page.getByText(/^HAProxy instances \(\d+\)$/).click();
    await expect(page.getByRole('cell', { name: INSTANCE, exact: true })).toBeVisible();
    await expectNoSidewaysScroll(page);

    await rewrite(page, /^\/admin\/api\/tokens$/, (body) => {
      body.tokens[0].name = OPERATOR_NAME('tok').slice(0, 100);
    });
    await page.goto(`${APP}/tokens`);
    await expect(page.getByText(OPERATOR_NAME('tok').slice(0, 100))).toBeVisible();
    await expectNoSidewaysScroll(page);
  });
});
