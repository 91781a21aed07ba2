/**
 * Fixtures and helpers of the browser specs. `login` picks the Grafana user the host signs in (its
 * grafana_session cookie: admin / editor / viewer), `theme` Grafana's theme; uncaught page errors fail the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { runtimeApiExchange } from '../../backend/src/agent/runtime-api';
import { startAgentServer } from '../../backend/src/agent/server';
import { parseShowStat } from '../../backend/src/agent/show-stat';
import type { StackInfo } from './stack';

export { expect };

function readStack(): StackInfo {
  const raw = process.env.BROWSER_STACK;
  if (!raw) {
    throw new Error(
      'BROWSER_STACK is not set: run the specs through playwright.config.ts (its globalSetup starts the stack)'
    );
  }
  return JSON.parse(raw) as StackInfo;
}

export const stack = readStack();
export const PLUGIN_ID = 'appcontrol-haproxy-app';

/**
 * Another reference agent in front of these demo HAProxy processes, for a spec that registers a host of its own:
 * through the demo's agent, those names on another host would be the demo's instances twice (409).
 */
export async function specAgent(names: string[]): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const token = `spec-agent-${process.pid}`;
  const agent = await startAgentServer({
    token,
    requestTimeoutMs: 2000,
    instances: new Map(
      stack.instances
        .filter((i) => names.includes(i.name))
        .map((i) => [i.name, { kind: 'unix' as const, path: i.socketPath }])
    ),
  });
  return { url: agent.url, token, stop: () => agent.stop() };
}
export const APP = `/a/${PLUGIN_ID}`;
export const PROXY = `/api/plugin-proxy/${PLUGIN_ID}`;
export const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

export type Login = 'admin' | 'editor' | 'viewer';
export type Theme = 'light' | 'dark';

export const test = base.extend<{ login: Login; theme: Theme; pageErrors: string[] }>({
  login: ['admin', { option: true }],
  theme: ['dark', { option: true }],
  baseURL: async ({}, use) => use(stack.hostUrl),
  context: async ({ context, login, theme }, use) => {
    await context.addCookies([
      { name: 'grafana_session', value: login, url: stack.hostUrl },
      { name: 'grafana_theme', value: theme, url: stack.hostUrl },
    ]);
    await use(context);
  },
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      if (process.env.BROWSER_CONSOLE) {
        page.on(
          'console',
          (m) =>
            ['error', 'warning'].includes(m.type()) && console.log(`[console.${m.type()}] ${m.text().slice(0, 300)}`)
        );
        page.on(
          'response',
          (r) => r.status() >= 400 && console.log(`[http ${r.status()}] ${new URL(r.url()).pathname}`)
        );
      }
      await use(errors);
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

/** The backend's REST API, directly (what another operator or a script does behind the page's back). */
export async function backendApi(
  method: string,
  apiPath: string,
  opts: { token?: string; body?: unknown } = {}
): Promise<{ status: number; body: any }> {
  const res = await fetch(stack.backendUrl + apiPath, {
    method,
    headers: {
      authorization: `Bearer ${opts.token ?? stack.tokens.admin}`,
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface ApiServer {
  id: number;
  instance_id: number;
  instance_name: string;
  backend_id: number;
  backend_name: string;
  server_name: string;
  status: string;
  admin_state: 'ready' | 'drain' | 'maint';
}

export async function apiServers(): Promise<ApiServer[]> {
  const res = await backendApi('GET', '/api/haproxy/servers?limit=5000');
  expect(res.status).toBe(200);
  return res.body.servers as ApiServer[];
}

export async function apiServer(instance: string, backend: string, server: string): Promise<ApiServer> {
  const found = (await apiServers()).find(
    (s) => s.instance_name === instance && s.backend_name === backend && s.server_name === server
  );
  if (!found) {
    throw new Error(`no server ${instance}/${backend}/${server} in the API`);
  }
  return found;
}

/** A command as the operator token, straight to the backend (not through the host). */
export async function apiCommand(serverId: number, command: 'drain' | 'ready' | 'maint') {
  const res = await backendApi('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: stack.tokens.operator,
    body: { command },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

type ServerState = Pick<ApiServer, 'admin_state' | 'status'>;

/** Each server's admin state and stored status now, for restoreServers to put back. */
export async function serverStates(): Promise<Map<number, ServerState>> {
  return new Map((await apiServers()).map((x) => [x.id, { admin_state: x.admin_state, status: x.status }]));
}

/**
 * Puts every server back in the admin state it had (what a cancelled job took out stays out), then syncs the
 * instances of those it put back until their stored status is as before: one back from maint reads UP until its
 * checks fail again, and the specs after read the stored status.
 */
export async function restoreServers(before: Map<number, ServerState>) {
  const putBack = new Set<number>();
  await expect
    .poll(async () => {
      const changed = (await apiServers()).filter(
        (x) => before.has(x.id) && before.get(x.id)!.admin_state !== x.admin_state
      );
      for (const x of changed) {
        putBack.add(x.id);
        await apiCommand(x.id, before.get(x.id)!.admin_state);
      }
      return changed.length;
    })
    .toBe(0);
  await expect
    .poll(
      async () => {
        const differ = (await apiServers()).filter((x) => putBack.has(x.id) && before.get(x.id)!.status !== x.status);
        for (const instanceId of new Set(differ.map((x) => x.instance_id))) {
          await backendApi('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
            token: stack.tokens.operator,
          });
        }
        return differ.map((x) => `${x.server_name}: ${x.status}`);
      },
      { intervals: [1000], timeout: 30_000 }
    )
    .toEqual([]);
}

/** What HAProxy itself reports for a server (`show stat` over the instance's runtime socket). */
async function haproxyStat(instance: string, backend: string, server: string) {
  const inst = stack.instances.find((i) => i.name === instance);
  if (!inst) {
    throw new Error(`no instance ${instance}`);
  }
  const stats = parseShowStat(await runtimeApiExchange({ kind: 'unix', path: inst.socketPath }, 'show stat', 2000));
  const row = stats.find((s) => s.backend === backend && s.name === server);
  if (!row) {
    throw new Error(`HAProxy ${instance} has no server ${backend}/${server}`);
  }
  return row;
}

export async function haproxyStatus(instance: string, backend: string, server: string): Promise<string> {
  return (await haproxyStat(instance, backend, server)).status;
}

/** The server's weight in HAProxy's own `show stat` (no slowstart in the demo fleet: the weight set). */
export async function haproxyWeight(instance: string, backend: string, server: string): Promise<number> {
  return (await haproxyStat(instance, backend, server)).weight;
}

/** The HAProxy page, loaded: the backend count is shown once the first page of backends is in. */
export async function openHaproxy(page: Page, query = '') {
  await page.goto(`${APP}/haproxy${query}`);
  await expect(page.getByRole('heading', { level: 1, name: 'HAProxy' })).toBeVisible();
  await expect(page.getByText(/^\d+ backends?( — page \d+ of \d+)?$/)).toBeVisible();
}

export function backendItem(page: Page, backend: string, instance: string): Locator {
  return page.getByRole('listitem', { name: `Backend ${backend} on ${instance}`, exact: true });
}

export async function expandBackend(item: Locator) {
  const toggle = item.locator('button[aria-expanded]').first();
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
  }
  await expect(item.getByRole('table')).toBeVisible();
}

export function serverRow(scope: Locator, server: string): Locator {
  // By the link to its page: the name's cell may say more (the server it tracks).
  return scope.getByRole('row').filter({ has: scope.page().getByRole('link', { name: server, exact: true }) });
}

export function toasts(page: Page): Locator {
  return page.getByLabel('Notifications');
}

/**
 * Screenshot under test-results/screenshots/<name>-<theme>.png (after fonts and icons settle): the full page,
 * or only the viewport when a modal is open (its fixed backdrop covers the viewport, as on screen).
 */
export async function screenshot(page: Page, name: string, theme: Theme, opts: { fullPage?: boolean } = {}) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => document.fonts.ready);
  await page.waitForLoadState('networkidle');
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${name}-${theme}.png`),
    fullPage: opts.fullPage ?? true,
    animations: 'disabled',
  });
}
