import {
  apiCommand,
  apiServer,
  backendItem,
  expandBackend,
  expect,
  openHaproxy,
  serverRow,
  stack,
  test,
} from './support';

test.afterEach(async () => {
  const s = await apiServer('edge-2.eu', 'auth', 'auth-1');
  if (s.status !== 'UP') {
    await apiCommand(s.id, 'ready');
  }
});

test("auto-refresh picks up a command made behind the page's back, and the choice is remembered", async ({ page }) => {
  const edge2 = stack.instances.find((i) => i.name === 'edge-2.eu')!;
  await openHaproxy(page, `?instance=${edge2.id}`);
  const item = backendItem(page, 'auth', 'edge-2.eu');
  await expandBackend(item);
  const row = serverRow(item, 'auth-1');
  await expect(row).toContainText('UP');

  await page.getByRole('radio', { name: '5s', exact: true }).click();
  expect(await page.evaluate(() => window.localStorage.getItem('appcontrol-haproxy-app.haproxy.refresh'))).toBe('5');

  // Another operator drains the server through the backend's API.
  const server = await apiServer('edge-2.eu', 'auth', 'auth-1');
  await apiCommand(server.id, 'drain');
  const changedAt = Date.now();
  await expect(row).toContainText('DRAIN', { timeout: 12_000 });
  expect(Date.now() - changedAt).toBeLessThan(12_000);
  // The expanded backend stayed expanded, and its badge counts followed.
  await expect(item).toContainText('DRAIN 1');

  // Remembered across a reload.
  await page.reload();
  await expect(page.getByRole('radio', { name: '5s', exact: true })).toBeChecked();
});
