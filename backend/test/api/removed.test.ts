import { command, expectError, fleet, readFleet, syncNow, useHarness } from './helpers';

// What a sync removed, not whether it may (the removal guard's own tests): one answer removes at once.
const h = useHarness({ removalConfirmSyncs: 1 });

const up = (name: string) => ({ name, status: 'UP' });
const removed = async (query = '') => {
  const res = await h.t.call('GET', `/api/haproxy/removed${query}`, { token: h.t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body;
};
const names = (list: Array<{ backend_name?: string; server_name?: string }>) =>
  list.map((r) => r.server_name ?? r.backend_name);

describe('recently removed', () => {
  test('backends and servers a sync removed, when and why, with the last command from the audit log', async () => {
    const f = await fleet(h, 'rm-a', { web: [up('w1'), up('w2')], api: [up('a1')] });
    expect((await command(h, f.servers['web/w2'].id, 'drain')).status).toBe(200);
    h.agent.setBackend('rm-a', 'web', [up('w1')]);
    h.agent.removeBackend('rm-a', 'api');
    const before = Date.now();
    // The sync's answer counts the servers of the removed backend too.
    expect(await syncNow(h, f.instanceId)).toMatchObject({
      removed_backends: 1,
      removed_servers: 2,
      changed_servers: 0,
    });

    const body = await removed(`?instance_id=${f.instanceId}`);
    expect(body.backends).toEqual([
      expect.objectContaining({
        id: f.backendIds.api,
        backend_name: 'api',
        instance_name: 'rm-a',
        host_name: 'host-rm-a',
        reason: 'missing_from_agent',
        restorable: true,
        servers_removed: 1,
      }),
    ]);
    expect(Date.parse(body.backends[0].removed_at)).toBeGreaterThanOrEqual(before - 1000);
    const byName = Object.fromEntries(body.servers.map((s: { server_name: string }) => [s.server_name, s]));
    expect(byName.w2).toMatchObject({
      reason: 'missing_from_agent',
      with_backend: false,
      backend_removed: false,
      restorable: true,
      status: 'DRAIN',
      last_command: 'drain',
      last_command_actor: 'token:test-operator',
    });
    expect(byName.a1).toMatchObject({
      reason: 'with_backend',
      with_backend: true,
      restorable: false,
      last_command: null,
    });
    expect([body.backends_total, body.servers_total]).toEqual([1, 2]);
  });

  test('restore brings rows back (a backend with its servers); the next sync removes them again if HAProxy lacks them', async () => {
    const f = await fleet(h, 'rm-b', { web: [up('w1'), up('w2')], api: [up('a1'), up('a2')] });
    h.agent.setBackend('rm-b', 'web', [up('w1')]);
    h.agent.removeBackend('rm-b', 'api');
    await syncNow(h, f.instanceId);

    // A server of a removed backend waits for its backend.
    expectError(await h.t.call('POST', `/api/haproxy/servers/${f.servers['api/a1'].id}/restore`), 409, 'conflict');
    const backend = await h.t.call('POST', `/api/haproxy/backends/${f.backendIds.api}/restore`);
    expect(backend.body).toEqual({ backends: 1, servers: 2 });
    const server = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/w2'].id}/restore`);
    expect(server.body).toEqual({ backends: 0, servers: 1 });
    expect(Object.keys((await readFleet(h, f.instanceId)).servers).sort()).toEqual([
      'api/a1',
      'api/a2',
      'web/w1',
      'web/w2',
    ]);
    expect(names((await removed(`?instance_id=${f.instanceId}`)).servers)).toEqual([]);
    // Each restore is a history row of the server.
    const history = await h.t.call('GET', `/api/haproxy/servers/${f.servers['web/w2'].id}/history`);
    expect(history.body.history[0]).toMatchObject({ cause: 'restored', to_status: 'UP' });

    expectError(await h.t.call('POST', `/api/haproxy/backends/${f.backendIds.api}/restore`), 409, 'conflict');
    await syncNow(h, f.instanceId);
    expect(Object.keys((await readFleet(h, f.instanceId)).servers)).toEqual(['web/w1']);
  });

  test('forget hides a removal for good; a later removal of the same row is listed again', async () => {
    const f = await fleet(h, 'rm-c', { web: [up('w1'), up('w2')], api: [up('a1')] });
    h.agent.setBackend('rm-c', 'web', [up('w1')]);
    h.agent.removeBackend('rm-c', 'api');
    await syncNow(h, f.instanceId);

    expect((await h.t.call('POST', `/api/haproxy/backends/${f.backendIds.api}/forget`)).status).toBe(204);
    expect((await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/w2'].id}/forget`)).status).toBe(204);
    const after = await removed(`?instance_id=${f.instanceId}`);
    expect([after.backends, after.servers]).toEqual([[], []]);

    // Back in HAProxy, then gone again: a new removal.
    h.agent.setBackend('rm-c', 'web', [up('w1'), up('w2')]);
    await syncNow(h, f.instanceId);
    h.agent.setBackend('rm-c', 'web', [up('w1')]);
    await syncNow(h, f.instanceId);
    expect(names((await removed(`?instance_id=${f.instanceId}`)).servers)).toEqual(['w2']);
    // Forgetting something current is refused.
    expectError(await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/w1'].id}/forget`), 409, 'conflict');
  });

  test('days bound the list; bad input is a 400; unknown rows a 404; restore and forget are for admins', async () => {
    const f = await fleet(h, 'rm-d', { web: [up('w1'), up('w2')] });
    h.agent.setBackend('rm-d', 'web', [up('w1')]);
    await syncNow(h, f.instanceId);
    await h.t.service.db.query(`UPDATE haproxy_servers SET removed_at = now() - interval '3 days' WHERE id = $1`, [
      f.servers['web/w2'].id,
    ]);
    expect(names((await removed(`?instance_id=${f.instanceId}&days=2`)).servers)).toEqual([]);
    expect(names((await removed(`?instance_id=${f.instanceId}&days=4`)).servers)).toEqual(['w2']);

    for (const q of ['?days=0', '?days=366', '?days=1.5', '?limit=0', '?instance_id=x']) {
      expectError(await h.t.call('GET', `/api/haproxy/removed${q}`), 400, 'bad_request');
    }
    expectError(await h.t.call('POST', '/api/haproxy/servers/999999/restore'), 404, 'not_found');
    expectError(await h.t.call('POST', '/api/haproxy/backends/999999/forget'), 404, 'not_found');
    for (const token of [h.t.tokens.viewer, h.t.tokens.operator]) {
      for (const path of [
        `/api/haproxy/servers/${f.servers['web/w2'].id}/restore`,
        `/api/haproxy/servers/${f.servers['web/w2'].id}/forget`,
        `/api/haproxy/backends/${f.backendIds.web}/restore`,
        `/api/haproxy/backends/${f.backendIds.web}/forget`,
      ]) {
        expectError(await h.t.call('POST', path, { token }), 403, 'forbidden');
      }
    }
  });
});
