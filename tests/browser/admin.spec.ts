/**
 * Administration in Grafana alone (issue 13): an Admin registers a host and an instance of the demo fleet from
 * an empty form, tests the agent, sees the fleet after a sync, narrows the polling scope with its live preview,
 * and follows what was removed; an Editor gets no edit controls and Grafana's proxy refuses a forged request.
 * Everything behind the host is real: backend, PostgreSQL, the reference agent, HAProxy.
 */
import type { Page } from '@playwright/test';
import { APP, PROXY, backendApi, backendItem, expect, specAgent, stack, test, toasts } from './support';

const HOST = 'lb-admin-ui';
/** The host's own agent, in front of the demo HAProxy processes it registers and renames to. */
let agent: Awaited<ReturnType<typeof specAgent>>;

test.beforeAll(async () => {
  agent = await specAgent(['internal_3', 'edge-1']);
});

/** The instance's row as the backend has it (by host name and instance name). */
async function apiInstance(name: string) {
  const res = await backendApi('GET', '/api/haproxy/instances');
  return (
    res.body.instances as Array<{ id: number; name: string; host_name: string; last_sync_at: string | null }>
  ).find((i) => i.host_name === HOST && i.name === name);
}

/** "Sync now" on the host page, its toast of what the sync found, and the sync's end as the backend records it. */
async function syncNow(page: Page, instance: string) {
  const before = (await apiInstance(instance))?.last_sync_at ?? null;
  await page.getByRole('button', { name: `Sync ${instance} now` }).click();
  await expect(toasts(page)).toContainText(new RegExp(`${instance} synced\\s*\\d+ backends?, \\d+ servers?`));
  await expect
    .poll(async () => (await apiInstance(instance))?.last_sync_at ?? null, { timeout: 30_000 })
    .not.toBe(before);
}

/** The HAProxy page narrowed to one instance: the names of its backends (those without servers too). */
async function backendsShown(page: Page, instanceId: number) {
  await page.goto(`${APP}/haproxy?instance=${instanceId}`);
  await expect(page.getByText(/^\d+ backends?$/)).toBeVisible();
  return page
    .getByRole('listitem', { name: /^Backend / })
    .evaluateAll((items) =>
      items.map((i) => i.getAttribute('aria-label')!.replace(/^Backend (.+) on .+$/, '$1')).sort()
    );
}

test.afterAll(async () => {
  // Leave the stack as the other specs found it, whatever happened here.
  const hosts = (await backendApi('GET', '/api/hosts')).body.hosts as Array<{ id: number; name: string }>;
  for (const host of hosts.filter((h) => h.name === HOST)) {
    await backendApi('DELETE', `/api/hosts/${host.id}`);
  }
  await agent?.stop();
});

test('an Admin registers a host and an instance, tests the agent, syncs, narrows the scope and follows the removals', async ({
  page,
}) => {
  test.setTimeout(180_000);

  // A host from an empty form, its agent tested before saving.
  await page.goto(`${APP}/hosts`);
  await page.getByRole('button', { name: 'Register host' }).click();
  const form = page.getByRole('dialog');
  await form.locator('#host-name').fill(HOST);
  await form.locator('#host-address').fill('192.0.2.10');
  await form.locator('#host-fagent-url').fill('ftp://127.0.0.1');
  // The backend's own rules answer, under the field; nothing typed is lost.
  await form.getByRole('button', { name: 'Register host' }).click();
  // (trust-auth words it as the FAgent client does: "FAgent URL must use http or https, not ftp")
  await expect(form).toContainText(/must be an http\(s\) URL|FAgent URL must use http or https/);
  await expect(form.locator('#host-name')).toHaveValue(HOST);
  await form.locator('#host-fagent-url').fill(agent.url);
  await form.locator('#host-fagent-token').fill(agent.token);
  await form.locator('#host-test-instances').fill('internal_3');
  await form.getByRole('button', { name: 'Test agent' }).click();
  const tested = form.getByRole('status', { name: 'Agent test result' });
  await expect(tested).toContainText('Agent answered for 1 instance');
  await expect(tested).toContainText(/HAProxy \d+\.\d+/);
  await expect(tested).toContainText('3 backends');
  await form.getByRole('button', { name: 'Register host' }).click();
  await expect(page.getByRole('heading', { level: 1, name: HOST })).toBeVisible();

  // Its instance, and the saved host's agent test.
  await page.getByRole('button', { name: 'Add instance' }).click();
  await page.getByRole('dialog').locator('#instance-name').fill('internal_3');
  await page.getByRole('dialog').getByRole('button', { name: 'Add instance' }).click();
  const card = page.getByRole('listitem', { name: 'Instance internal_3' });
  await expect(card).toContainText('never synced');
  await page.getByRole('button', { name: 'Test agent' }).click();
  await expect(page.getByRole('status', { name: 'Agent test result' })).toContainText('internal_3');

  // The fleet appears after a sync.
  await syncNow(page, 'internal_3');
  await page.reload();
  await expect(card).toContainText('3 backends, 7 servers');
  const instanceId = (await apiInstance('internal_3'))!.id;
  // payments has no servers: listed all the same (with a warning), since the list comes from the backends.
  expect(await backendsShown(page, instanceId)).toEqual(['payments', 'shop', 'static']);

  // Narrow the scope: the live preview says what leaves, then the page changes.
  await page.goto(`${APP}/hosts`);
  await page.getByRole('link', { name: HOST, exact: true }).click();
  await page.getByRole('button', { name: 'Edit internal_3' }).click();
  const edit = page.getByRole('dialog');
  const preview = edit.getByRole('region', { name: 'Scope preview' });
  await expect(preview).toContainText('3 backends in scope, 0 out of scope');
  await edit.getByRole('radio', { name: 'Only matching' }).click();
  await edit.locator('#instance-scope').fill('s*');
  await expect(preview).toContainText('2 backends in scope, 1 out of scope');
  await expect(preview).toContainText('Saving moves 1 backend to Recently removed');
  await expect(preview.getByRole('row').filter({ hasText: 'payments' })).toContainText('out of scope');
  await edit.getByRole('button', { name: 'Save instance' }).click();
  await expect(toasts(page)).toContainText('1 backend outside the new scope moved to Recently removed.');
  expect(await backendsShown(page, instanceId)).toEqual(['shop', 'static']);

  await page.goto(`${APP}/removed`);
  const removedBackend = page
    .getByRole('region', { name: 'Removed backends' })
    .getByRole('row')
    .filter({ hasText: 'payments' });
  await expect(removedBackend).toContainText(`internal_3 on ${HOST}`);
  await expect(removedBackend).toContainText("outside the instance's polling scope");
  await expect(removedBackend.getByRole('button', { name: /^Restore/ })).toBeDisabled();

  // The instance now points at another HAProxy (renamed) and polls everything: what that one lacks goes.
  await page.goto(`${APP}/hosts`);
  await page.getByRole('link', { name: HOST, exact: true }).click();
  await page.getByRole('button', { name: 'Edit internal_3' }).click();
  await page.getByRole('dialog').locator('#instance-name').fill('edge-1');
  await page.getByRole('dialog').getByRole('radio', { name: 'Every backend' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Save instance' }).click();
  const renamed = page.getByRole('listitem', { name: 'Instance edge-1' });
  await expect(renamed).toBeVisible();
  await syncNow(page, 'edge-1');
  expect(await backendsShown(page, instanceId)).toEqual(['api', 'shop', 'static']);

  await page.goto(`${APP}/removed`);
  const backends = page.getByRole('region', { name: 'Removed backends' });
  await expect(backends.getByRole('row').filter({ hasText: 'payments' })).toContainText(
    "no longer in the agent's backend list"
  );
  const servers = page.getByRole('region', { name: 'Removed servers' });
  await expect(servers.getByRole('row').filter({ hasText: 'static-3' })).toContainText(
    "no longer in its backend's server list"
  );

  // A restore is undone by the next sync while HAProxy still lacks it (the UI says so first).
  await backends.getByRole('button', { name: `Restore backend payments on edge-1` }).click();
  await expect(page.getByRole('dialog')).toContainText('if HAProxy still lacks it, the next sync removes it again');
  await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
  await expect(backends).toHaveCount(0);
  await page.goto(`${APP}/hosts`);
  await page.getByRole('link', { name: HOST, exact: true }).click();
  await expect(renamed).toContainText('4 backends');
  await syncNow(page, 'edge-1');
  await page.reload();
  await expect(renamed).toContainText('3 backends');

  // Forget hides a removal for good.
  await page.goto(`${APP}/removed`);
  await expect(backends.getByRole('row').filter({ hasText: 'payments' })).toBeVisible();
  await servers.getByRole('button', { name: 'Forget server static-3 in static' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Forget' }).click();
  await expect(servers.getByRole('row').filter({ hasText: 'static-4' })).toBeVisible();
  await expect(servers.getByRole('row').filter({ hasText: 'static-3' })).toHaveCount(0);

  // Deleting the host says what goes with it and wants its name.
  await page.goto(`${APP}/hosts`);
  await page.getByRole('link', { name: HOST, exact: true }).click();
  await page.getByRole('button', { name: 'Delete host' }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText('Its 1 HAProxy instance (edge-1) go with it');
  await expect(confirm).toContainText('The audit log keeps every command on them, by name.');
  await confirm.getByPlaceholder(`Type "${HOST}" to confirm`).fill(HOST);
  await confirm.getByRole('button', { name: 'Delete host' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeVisible();
  await expect(page.getByRole('link', { name: HOST, exact: true })).toHaveCount(0);
  expect(await apiInstance('edge-1')).toBeUndefined();
});

test('an Admin creates an API token for a script, which works at once, and revokes it, which refuses it at once', async ({
  page,
}) => {
  await page.goto(`${APP}/tokens`);
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  // The tokens the app itself sends are marked, so nobody revokes them by mistake.
  await expect(page.getByText("this app's Admin token")).toBeVisible();

  await page.getByRole('button', { name: 'Create token' }).click();
  const form = page.getByRole('form', { name: 'API token' });
  await form.getByLabel(/^Name/).fill('browser-deploy-bot');
  await form.getByRole('radio', { name: 'Operator' }).check({ force: true });
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  expect(token).toMatch(/^hpx_/);
  await page.getByRole('button', { name: 'Done' }).click();

  // The script's view: the backend itself, with the token shown once.
  const me = await backendApi('GET', '/api/me', { token });
  expect(me).toMatchObject({ status: 200, body: { token_name: 'browser-deploy-bot', role: 'operator' } });

  await page.getByRole('button', { name: 'Revoke browser-deploy-bot' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(toasts(page)).toContainText('Token browser-deploy-bot revoked');
  expect((await backendApi('GET', '/api/me', { token })).status).toBe(401);
});

test.describe('as an Editor', () => {
  test.use({ login: 'editor' });

  test('sees no edit controls, and Grafana refuses a forged admin request', async ({ page }) => {
    const demo = stack.instances[0];
    await page.goto(`${APP}/hosts`);
    await expect(page.getByRole('link', { name: demo.hostName, exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Register host' })).toHaveCount(0);

    await page.goto(`${APP}/hosts/${stack.hosts[demo.hostName]}`);
    const card = page.getByRole('listitem', { name: `Instance ${demo.name}` });
    await expect(card.getByRole('button', { name: `Sync ${demo.name} now` })).toBeVisible();
    for (const name of ['Edit host', 'Delete host', 'Deactivate host', 'Test agent', 'Add instance']) {
      await expect(page.getByRole('button', { name })).toHaveCount(0);
    }
    await expect(card.getByRole('button', { name: new RegExp(`^(Edit|Delete|Deactivate) ${demo.name}`) })).toHaveCount(
      0
    );

    await page.goto(`${APP}/applications`);
    await expect(page.getByRole('region', { name: 'Applications' }).getByRole('table')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create application' })).toHaveCount(0);
    await page.goto(`${APP}/removed`);
    await expect(page.getByRole('heading', { level: 1, name: 'Recently removed' })).toBeVisible();
    await expect(page.getByRole('button', { name: /^(Restore|Forget) / })).toHaveCount(0);

    // Forged from the Editor's session: the admin routes (and their token) are Admin-only at Grafana's proxy...
    const forged = await page.evaluate(
      async ({ url }) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'forged', address: '192.0.2.66', fagent_url: 'http://192.0.2.66:9100' }),
        });
        return { status: res.status, body: await res.json() };
      },
      { url: `${PROXY}/admin/api/hosts` }
    );
    expect(forged).toEqual({ status: 403, body: { message: 'plugin proxy route access denied' } });
    expect((await page.request.delete(`${PROXY}/admin/api/hosts/${stack.hosts[demo.hostName]}`)).status()).toBe(403);
    // ...the Editor's own routes reach no registration path...
    expect((await page.request.post(`${PROXY}/editor/api/hosts`, { data: {} })).status()).toBe(404);
    // ...and what they do reach carries the operator token, which the backend refuses for admin work.
    const viaEditor = await page.request.post(`${PROXY}/editor/api/haproxy/backends/1/restore`);
    expect(viaEditor.status()).toBe(403);
    expect((await viaEditor.json()).error.message).toContain('this needs the admin role');
    const hosts = (await backendApi('GET', '/api/hosts')).body.hosts as Array<{ name: string }>;
    expect(hosts.map((h) => h.name)).not.toContain('forged');
    // Nor can an Editor read the API tokens.
    expect((await page.request.get(`${PROXY}/admin/api/tokens`)).status()).toBe(403);
  });
});
