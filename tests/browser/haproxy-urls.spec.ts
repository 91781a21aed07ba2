import { APP, backendItem, expect, openHaproxy, test } from './support';

test('a link with an out-of-range instance, a NUL and an overlong search still opens the list, and clears', async ({
  page,
}) => {
  // The backend answers 400 to each of these as sent (an id past PostgreSQL's int, NUL, over 200 characters).
  await openHaproxy(page, `?instance=3000000000&q=${encodeURIComponent(`\0shop${' '.repeat(300)}`)}`);
  await expect(page.getByText('Backends could not be loaded')).toHaveCount(0);
  await expect(backendItem(page, 'shop', 'edge-1')).toBeVisible();
  await expect(backendItem(page, 'api', 'edge-1')).toHaveCount(0);

  // A filter with no match says so and clears in one click, back to the whole fleet and a clean URL.
  await page.goto(`${APP}/haproxy?status=DOWN&q=no-such-server`);
  await expect(page.getByText('No backend or server matches the filters')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(backendItem(page, 'api', 'edge-1')).toBeVisible();
  await expect(page).not.toHaveURL(/[?&](status|q)=/);
});
