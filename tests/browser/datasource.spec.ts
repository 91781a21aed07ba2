/**
 * The nested data source (dist/datasource) in the host: its settings page with Grafana's "Save & test", its
 * query editor in Explore, and queries whose frames come back from the real backend through the host's data
 * source proxy (dist/datasource/plugin.json's routes, the token injected from the instance's secureJsonData).
 */
import type { Page, Request } from '@playwright/test';
import { DATASOURCE_UID } from './stack';
import { expect, screenshot, stack, test, type Theme } from './support';

const DS_PROXY = `/api/datasources/proxy/uid/${DATASOURCE_UID}`;
const DS_API = `/api/datasources/uid/${DATASOURCE_UID}`;
const SETTINGS_PAGE = `/connections/datasources/edit/${DATASOURCE_UID}`;

/** Explore for the data source, as Grafana's URL holds it: one query, a time range, optional variables. */
function exploreUrl(
  query?: Record<string, unknown>,
  opts: { range?: { from: string; to: string }; vars?: Record<string, string | string[]> } = {}
) {
  const left = {
    datasource: DATASOURCE_UID,
    queries: query ? [{ refId: 'A', ...query }] : undefined,
    range: opts.range ?? { from: 'now-1h', to: 'now' },
  };
  const params = new URLSearchParams({ left: JSON.stringify(left) });
  for (const [name, value] of Object.entries(opts.vars ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      params.append(`var-${name}`, v);
    }
  }
  return `/explore?${params}`;
}

/** Requests the page sends through the data source proxy (path after the proxy prefix, with the query string). */
function proxyRequests(page: Page): Array<{ method: string; path: string; body?: unknown }> {
  const seen: Array<{ method: string; path: string; body?: unknown }> = [];
  page.on('request', (r: Request) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith(`${DS_PROXY}/`)) {
      seen.push({
        method: r.method(),
        path: url.pathname.slice(DS_PROXY.length) + url.search,
        body: r.postDataJSON() ?? undefined,
      });
    }
  });
  return seen;
}

function frame(page: Page, name: string) {
  return page.getByRole('region', { name: `Frame ${name}` });
}

/** The names in the Fields table of a frame, with their types. */
async function fieldsOf(page: Page, name: string): Promise<Array<[string, string]>> {
  const rows = frame(page, name).getByRole('table', { name: 'Fields' }).locator('tbody tr');
  return (
    await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
  ).map(([field, type]) => [field, type] as [string, string]);
}

async function runAndWait(page: Page) {
  const response = page.waitForResponse((r) => r.url().includes(`${DS_PROXY}/api/haproxy/query`));
  await page.getByRole('button', { name: 'Run query' }).click();
  return response;
}

test.describe('data source settings page', () => {
  test.afterEach(async ({ request }) => {
    // Back to the provisioned settings (the viewer token), as admin through Grafana's data source API.
    const current = await (await request.get(DS_API)).json();
    const res = await request.put(DS_API, {
      data: {
        ...current,
        jsonData: { backendUrl: stack.backendUrl },
        secureJsonData: { apiToken: stack.grafanaTokens.viewer },
      },
    });
    expect(res.status()).toBe(200);
  });

  test('Save & test with the real backend names the token and its role (warning unless viewer); the secret never comes back', async ({
    page,
  }) => {
    const puts: unknown[] = [];
    page.on('request', (r) => r.method() === 'PUT' && r.url().endsWith(DS_API) && puts.push(r.postDataJSON()));
    const proxied = proxyRequests(page);
    await page.goto(SETTINGS_PAGE);
    await expect(page.getByRole('heading', { level: 1, name: 'HAProxy Control' })).toBeVisible();
    await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
    // secureJsonFields says the token is set; the settings page never gets the token itself.
    const dto = await (await page.request.get(DS_API)).json();
    expect(dto.secureJsonFields).toEqual({ apiToken: true });
    expect(JSON.stringify(dto)).not.toContain(stack.grafanaTokens.viewer);
    await expect(page.locator('#haproxy-ds-api-token')).toHaveValue('configured');

    // A new token typed in, then Grafana's Save & test: PUT the settings, then testDatasource() on them.
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('#haproxy-ds-api-token').fill(stack.tokens.operator);
    await page.getByRole('button', { name: 'Save & test' }).click();
    const alert = page.getByTestId('data-testid Data source settings page Alert');
    // An operator token works, but more than a reader needs is worth a warning.
    await expect(alert).toContainText(
      `Connected to HAProxy Control at ${stack.backendUrl} as token "test-operator" (role operator), but the data source only reads: use a viewer token.`
    );
    await expect(page.getByRole('button', { name: 'Reset' })).toBeVisible();
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      jsonData: { backendUrl: stack.backendUrl },
      secureJsonData: { apiToken: stack.tokens.operator },
    });
    // The test went through the data source proxy: /api/me, then the history API's lookup.
    expect(proxied.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/me', 'GET /api/haproxy/lookup/instances']);
  });

  test('with a bad token, Save & test says the token was rejected', async ({ page }) => {
    await page.goto(SETTINGS_PAGE);
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('#haproxy-ds-api-token').fill('not-a-token');
    await page.getByRole('button', { name: 'Save & test' }).click();
    const alert = page.getByTestId('data-testid Data source settings page Alert');
    await expect(alert).toContainText(
      'The backend rejected the API token (401). Paste a valid HAProxy Control token and save.'
    );
  });

  test('an unreachable backend URL: Save & test says so; a trailing slash is dropped before saving', async ({
    page,
    request,
  }) => {
    await page.goto(SETTINGS_PAGE);
    await page.getByLabel('Backend URL').fill(`${stack.backendUrl}/ `);
    await page.getByRole('button', { name: 'Save & test' }).click();
    await expect(page.getByTestId('data-testid Data source settings page Alert')).toContainText(
      'Connected to HAProxy Control'
    );
    expect((await (await request.get(DS_API)).json()).jsonData).toEqual({ backendUrl: stack.backendUrl });

    await page.getByLabel('Backend URL').fill('http://127.0.0.1:1');
    await page.getByRole('button', { name: 'Save & test' }).click();
    await expect(page.getByTestId('data-testid Data source settings page Alert')).toContainText(
      'Cannot reach the HAProxy Control backend at http://127.0.0.1:1 (status 502)'
    );
  });
});

test.describe('query editor', () => {
  test('offers the six query types, and its scope pickers list names from the backend through the proxy', async ({
    page,
  }) => {
    const proxied = proxyRequests(page);
    await page.goto(exploreUrl());
    const editor = page.getByTestId('haproxy-query-editor');
    await expect(editor).toBeVisible();

    await page.locator('#haproxy-type-A').click();
    await expect(page.getByRole('option')).toHaveText([
      /^Status timeline/,
      /^Status counts/,
      /^Sessions/,
      /^Weight/,
      /^Commands/,
      /^Servers table/,
    ]);
    await page.keyboard.press('Escape');

    await page.locator('#haproxy-A-instance').click();
    await expect(page.getByRole('option')).toHaveText(['edge-1', 'edge-2.eu', 'internal_3']);
    await page.getByRole('option', { name: 'edge-2.eu' }).click();

    await page.locator('#haproxy-A-backend').click();
    await expect(page.getByRole('option')).toHaveText(['api', 'auth', 'legacy_app:v1']);
    await page.keyboard.press('Escape');

    const lookups = proxied
      .filter((r) => r.path.startsWith('/api/haproxy/lookup/'))
      .map((r) => `${r.method} ${r.path}`);
    expect(lookups).toEqual([
      'GET /api/haproxy/lookup/instances',
      'GET /api/haproxy/lookup/backends?instance=edge-2.eu',
    ]);
  });

  test('template variables in the scope (multi-value, All): the lookup and the query get their values', async ({
    page,
  }) => {
    const proxied = proxyRequests(page);
    await page.goto(
      exploreUrl(
        { type: 'servers_table', scope: { instance: '$instance', backend: '$backend' } },
        { vars: { instance: ['edge-1', 'internal_3'], backend: '$__all' } }
      )
    );
    await page.locator('#haproxy-A-backend').click();
    await expect(page.getByRole('option', { name: 'shop', exact: true })).toBeVisible();
    // The dashboard's variables are offered first (TemplateSrv.getVariables()).
    await expect(page.getByRole('option').first()).toContainText('$instance');
    await page.keyboard.press('Escape');
    await runAndWait(page);
    await expect(frame(page, 'Servers')).toBeVisible();
    expect(proxied.find((r) => r.path.startsWith('/api/haproxy/lookup/backends'))?.path).toBe(
      '/api/haproxy/lookup/backends?instance=%7Bedge-1%2Cinternal_3%7D'
    );
    const query = proxied.find((r) => r.path === '/api/haproxy/query');
    // Multi-value -> a glob of the values; All -> no filter at all (the key left out).
    expect((query?.body as { queries: unknown[] }).queries).toEqual([
      { refId: 'A', type: 'servers_table', scope: { instance: '{edge-1,internal_3}' } },
    ]);
  });
});

test.describe('queries through the data source proxy', () => {
  test('status counts for the whole fleet: one frame, a time field and a number field per status', async ({ page }) => {
    const proxied = proxyRequests(page);
    await page.goto(exploreUrl({ type: 'status_counts', scope: {} }));
    const response = await runAndWait(page);
    expect(response.status()).toBe(200);
    const results = page.getByRole('region', { name: 'Query results' });
    await expect(results).toHaveAttribute('data-state', 'Done');
    const fields = await fieldsOf(page, 'Servers by status');
    expect(fields[0]).toEqual(['time', 'time']);
    expect(fields.map(([name]) => name)).toEqual(expect.arrayContaining(['UP', 'DOWN', 'MAINT']));
    expect(fields.slice(1).every(([, type]) => type === 'number')).toBe(true);
    // The request: the range and the query as the data source builds them.
    const body = proxied.find((r) => r.path === '/api/haproxy/query')?.body as {
      range: { from: string; to: string };
      maxDataPoints: number;
      queries: unknown[];
    };
    expect(Date.parse(body.range.to) - Date.parse(body.range.from)).toBe(3_600_000);
    expect(body.maxDataPoints).toBe(1000);
    expect(body.queries).toEqual([{ refId: 'A', type: 'status_counts', scope: {} }]);
  });

  test("status timeline of a demo backend: one string field per server, each server's status", async ({ page }) => {
    await page.goto(exploreUrl({ type: 'status_timeline', scope: { instance: 'edge-2.eu', backend: 'api' } }));
    await runAndWait(page);
    const status = frame(page, 'Status');
    await expect(status).toBeVisible();
    expect(await fieldsOf(page, 'Status')).toEqual([
      ['time', 'time'],
      ['edge-2.eu/api/api-1', 'string'],
      ['edge-2.eu/api/api-2', 'string'],
      ['edge-2.eu/api/api-3', 'string'],
    ]);
    // Display names as short as the set allows (one backend: the server alone), for the legend.
    await expect(status.getByRole('table', { name: 'Fields' })).toContainText('api-1');
    // The first row holds each server's state since the sync: api-3 is disabled in HAProxy (MAINT).
    const firstRow = status.getByRole('table', { name: 'Rows' }).locator('tbody tr').first();
    await expect(firstRow.locator('td')).toHaveText([/^\d{4}-\d\d-\d\dT/, 'UP', 'UP', 'MAINT']);
  });

  test('servers table for a backend picked in the editor: the current servers, from the real backend', async ({
    page,
  }) => {
    await page.goto(exploreUrl({ type: 'servers_table', scope: {} }));
    await page.locator('#haproxy-A-instance').click();
    await page.getByRole('option', { name: 'internal_3' }).click();
    // Picking runs the query (the editor calls onRunQuery): wait for the answer with the backend set as well.
    await page.locator('#haproxy-A-backend').click();
    const response = page.waitForResponse(
      (r) =>
        r.url().includes(`${DS_PROXY}/api/haproxy/query`) &&
        (r.request().postData() ?? '').includes('"backend":"static"')
    );
    await page.getByRole('option', { name: 'static', exact: true }).click();
    expect((await response).status()).toBe(200);
    const table = frame(page, 'Servers');
    await expect(table).toContainText('4 rows');
    const rows = table.getByRole('table', { name: 'Rows' });
    for (const server of ['static-1', 'static-2', 'static-3', 'static-4']) {
      await expect(rows).toContainText(server);
    }
  });

  test('each of the six types answers with named frames for a demo backend (sessions also per backend)', async ({
    page,
  }) => {
    const expected: Array<[Record<string, unknown>, string, string]> = [
      [{ type: 'status_timeline' }, 'Status', 'string'],
      [{ type: 'status_counts' }, 'Servers by status', 'number'],
      [{ type: 'sessions' }, 'Current sessions', 'number'],
      [{ type: 'sessions', aggregate: 'sum' }, 'Current sessions', 'number'],
      [{ type: 'weight' }, 'Weight', 'number'],
      [{ type: 'commands' }, 'Commands', 'time'],
      [{ type: 'servers_table' }, 'Servers', ''],
    ];
    for (const [query, name, secondType] of expected) {
      await page.goto(exploreUrl({ ...query, scope: { instance: 'edge-1', backend: 'shop' } }));
      const response = await runAndWait(page);
      expect(response.status(), JSON.stringify(query)).toBe(200);
      const results = page.getByRole('region', { name: 'Query results' });
      await expect(results).toHaveAttribute('data-state', 'Done');
      await expect(results).toContainText('1 frame');
      if (name) {
        const fields = await fieldsOf(page, name);
        expect(fields.length, JSON.stringify(query)).toBeGreaterThan(1);
        if (secondType) {
          expect(fields[0], JSON.stringify(query)).toEqual(['time', 'time']);
          expect(fields[1][1], JSON.stringify(query)).toBe(secondType);
        }
      }
    }
  });

  test('a query the backend refuses (bad scope) shows its error', async ({ page }) => {
    await page.goto(exploreUrl({ type: 'status_counts', scope: { instance: 'x'.repeat(300) } }));
    const response = await runAndWait(page);
    expect(response.status()).toBe(400);
    await expect(page.getByRole('region', { name: 'Query results' })).toHaveAttribute('data-state', 'Error');
    await expect(page.getByRole('region', { name: 'Query results' })).toContainText('200 characters');
  });
});

test.describe('as a Viewer', () => {
  test.use({ login: 'viewer' });

  test('queries (reads) work; the proxy refuses undeclared routes; the settings are not theirs', async ({ page }) => {
    await page.goto(exploreUrl({ type: 'status_timeline', scope: { instance: 'internal_3', backend: 'shop' } }));
    const response = await runAndWait(page);
    expect(response.status()).toBe(200);
    await expect(frame(page, 'Status')).toBeVisible();
    expect((await fieldsOf(page, 'Status')).map(([n]) => n)).toEqual([
      'time',
      'internal_3/shop/shop-1',
      'internal_3/shop/shop-2',
      'internal_3/shop/shop-spare',
    ]);

    // Declared routes only: the token (here a viewer's, but it could be any) reaches no other endpoint.
    const me = await page.request.get(`${DS_PROXY}/api/me`);
    expect(me.status()).toBe(200);
    // The token from the instance's secureJsonData, the signed-in user in X-Grafana-User (the backend's actor).
    expect(await me.json()).toEqual({
      token_name: 'grafana-viewer',
      role: 'viewer',
      grafana: true,
      actor: 'grafana:viewer',
      expires_at: null,
    });
    // Cookies and a forged Authorization header from the browser do not replace the injected token.
    const forged = await page.request.get(`${DS_PROXY}/api/me`, {
      headers: { authorization: `Bearer ${stack.tokens.admin}` },
    });
    expect((await forged.json()).token_name).toBe('grafana-viewer');
    for (const [method, path] of [
      ['GET', '/api/haproxy/servers'],
      ['GET', '/api/haproxy/instances'],
      ['POST', '/api/haproxy/servers/1/command'],
      ['GET', '/api/haproxy/query'], // declared for POST only
      ['POST', '/api/me'],
    ] as const) {
      const res = await page.request.fetch(`${DS_PROXY}${path}`, {
        method,
        data: method === 'POST' ? { command: 'drain' } : undefined,
      });
      expect(res.status(), `${method} ${path}`).toBe(404);
    }
    expect((await page.request.get(DS_API)).status()).toBe(403);
    expect((await page.request.put(DS_API, { data: { secureJsonData: { apiToken: 'x' } } })).status()).toBe(403);

    await page.goto(SETTINGS_PAGE);
    await expect(page.getByRole('alert')).toContainText('Access denied');
  });
});

for (const theme of ['light', 'dark'] as Theme[]) {
  test.describe(`screenshots (${theme})`, () => {
    test.use({ theme });

    test(`data source settings and query editor (${theme})`, async ({ page }) => {
      await page.goto(SETTINGS_PAGE);
      await expect(page.getByLabel('Backend URL')).toHaveValue(stack.backendUrl);
      await page.getByRole('button', { name: 'Save & test' }).click();
      await expect(page.getByTestId('data-testid Data source settings page Alert')).toContainText(
        'Connected to HAProxy Control'
      );
      await screenshot(page, '10-datasource-settings', theme);

      await page.goto(exploreUrl({ type: 'status_timeline', scope: { instance: 'edge-2.eu', backend: 'api' } }));
      await runAndWait(page);
      await expect(frame(page, 'Status')).toBeVisible();
      await screenshot(page, '11-datasource-query-editor', theme);
    });
  });
}
