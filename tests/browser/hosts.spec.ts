import { APP, PROXY, expect, stack, test } from './support';

test("the host's HAProxy settings modal loads an instance's backends only when the instance is expanded", async ({
  page,
}) => {
  const edge2 = stack.instances.find((i) => i.name === 'edge-2.eu')!;
  const backendRequests: string[] = [];
  page.on('request', (r) => {
    const { pathname } = new URL(r.url());
    if (/\/api\/haproxy\/instances\/\d+\/backends$/.test(pathname)) {
      backendRequests.push(pathname);
    }
  });

  await page.goto(`${APP}/hosts`);
  await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeVisible();
  for (const name of Object.keys(stack.hosts)) {
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }
  // In-app navigation (Grafana intercepts plain links): no full page load.
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  await page.getByRole('link', { name: edge2.hostName, exact: true }).click();
  await expect(page).toHaveURL(`${stack.hostUrl}${APP}/hosts/${stack.hosts[edge2.hostName]}`);
  await expect(page.getByRole('heading', { level: 1, name: edge2.hostName })).toBeVisible();
  expect(navigations.filter((u) => !u.startsWith('about:'))).toHaveLength(1);

  await page.getByRole('button', { name: 'HAProxy settings' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`HAProxy settings — ${edge2.hostName}`);
  await expect(dialog.getByRole('heading', { name: '1 HAProxy instance' })).toBeVisible();
  await expect(dialog).toContainText('edge-2.eu');
  await expect(dialog).toContainText('3 backends');
  await page.waitForLoadState('networkidle');
  expect(backendRequests, 'no backends are requested while the instance is collapsed').toEqual([]);

  await dialog.locator('button[aria-expanded="false"]').first().click();
  const table = dialog.getByRole('table');
  await expect(table).toBeVisible();
  for (const backend of ['api', 'auth', 'legacy_app:v1']) {
    await expect(table.getByRole('cell', { name: backend, exact: true })).toBeVisible();
  }
  expect(backendRequests).toEqual([`${PROXY}/api/haproxy/instances/${edge2.id}/backends`]);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});
