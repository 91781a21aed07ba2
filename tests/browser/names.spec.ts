/**
 * Names as data: hosts, applications, backends and servers are named by their operators, with no length limit
 * in HAProxy and up to 200 characters in the backend. A long name without spaces, markup or URL characters must
 * show as text, wrap inside the page, and leave the links (by id) working. The answers are the real backend's,
 * with the names swapped for such ones by Playwright's routing.
 */
import type { Page, Route } from '@playwright/test';
import { APP, PROXY, expect, test } from './support';
import { makeAction } from '../../src/test/fixtures';

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
