import { expectError, removedRows, useHarness } from './helpers';

/**
 * Two admins (or an admin and a sync) acting on the same removed row at once get what one after the other would:
 * one restore, and a 409 for the other; never a forgotten mark on a row that is current.
 */
const h = useHarness({ removalConfirmSyncs: 1 });

const statuses = (all: Array<{ status: number }>) => all.map((r) => r.status).sort();
const post = (path: string) => h.t.call('POST', path, { token: h.t.tokens.admin });

test('two restores of one removed backend at once: one restores it with its servers, the other is a 409', async () => {
  const r = await removedRows(h, 'race-backend');
  const both = await Promise.all([1, 2].map(() => post(`/api/haproxy/backends/${r.backendId}/restore`)));
  expect(statuses(both)).toEqual([200, 409]);
  expect(both.find((x) => x.status === 200)!.body).toEqual({ backends: 1, servers: 1 });
  expectError(
    both.find((x) => x.status === 409)!,
    409,
    'conflict'
  );
  // One restore: one history row of cause `restored` for the backend's server.
  const [{ n }] = await h.t.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM haproxy_server_status_history h JOIN haproxy_servers s ON s.id = h.server_id
      WHERE s.backend_id = $1 AND h.cause = 'restored'`,
    [r.backendId]
  );
  expect(n).toBe(1);
});

test('two restores of one removed server at once: one 200, one 409', async () => {
  const r = await removedRows(h, 'race-server');
  const both = await Promise.all([1, 2].map(() => post(`/api/haproxy/servers/${r.serverId}/restore`)));
  expect(statuses(both)).toEqual([200, 409]);
  expectError(
    both.find((x) => x.status === 409)!,
    409,
    'conflict'
  );
});

test.each(['servers', 'backends'] as const)(
  'a forget and a restore of the same removed %s at once never leave a current row marked forgotten',
  async (kind) => {
    const r = await removedRows(h, `race-forget-${kind}`);
    const id = kind === 'servers' ? r.serverId : r.backendId;
    const [forget, restore] = await Promise.all([
      post(`/api/haproxy/${kind}/${id}/forget`),
      post(`/api/haproxy/${kind}/${id}/restore`),
    ]);
    expect(restore.status).toBe(200);
    // Forgotten before the restore (204), or refused because the row is current by then (409).
    expect([204, 409]).toContain(forget.status);
    const table = kind === 'servers' ? 'haproxy_servers' : 'haproxy_backends';
    const [row] = await h.t.db.pool.query<{ removed_at: Date | null; forgotten_at: Date | null }>(
      `SELECT removed_at, forgotten_at FROM ${table} WHERE id = $1`,
      [id]
    );
    expect(row).toEqual({ removed_at: null, forgotten_at: null });
  }
);

test('forgetting a row a restore brought back in between is a 409, and the row stays unmarked', async () => {
  const r = await removedRows(h, 'race-forget-late');
  expect((await post(`/api/haproxy/servers/${r.serverId}/restore`)).status).toBe(200);
  expectError(await post(`/api/haproxy/servers/${r.serverId}/forget`), 409, 'conflict');
  // Forgetting what is still removed stays as it was: twice is fine.
  expect((await post(`/api/haproxy/backends/${r.backendId}/forget`)).status).toBe(204);
  expect((await post(`/api/haproxy/backends/${r.backendId}/forget`)).status).toBe(204);
});
