import { extendedServer } from '../support/fake-fagent';
import { actions, fleet, syncNow, useHarness } from '../api/helpers';

/**
 * A drain or maint with a window whose end has passed, lost by a reload before the window worker looked: the
 * re-apply must not take the server out again (past its window, and forced past the budget as a re-apply); the
 * window's end returns it to ready. The worker is off here (interval 0) so the test decides when it looks.
 */
const h = useHarness({ breakerThreshold: 100, windowCheckIntervalMs: 0 }, { protocol: 'extended' });

const ext = (name: string, up = true) => extendedServer(name, 'ready', up, { initial_weight: 10, weight: 10 });

test('a window that ended before the reload is not re-applied: no drain past it, nothing forced past the budget', async () => {
  const name = 'window-reapply';
  const f = await fleet(h, name, { web: [ext('w1'), ext('w2'), ext('w3')] });
  const id = f.servers['web/w1'].id;
  expect(
    (
      await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, {
        body: { min_available: 2 },
      })
    ).status
  ).toBe(200);
  const res = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'drain', duration_s: 60, reason: 'CHG-1' },
  });
  expect(res.status).toBe(200);
  // The window's end comes (the worker has not looked yet), then HAProxy reloads and w2's checks fail.
  await h.t.db.ds.query(`UPDATE haproxy_server_desired SET until = now() - interval '1 second' WHERE server_id = $1`, [
    id,
  ]);
  h.agent.restart(name);
  for (const [n, up] of [
    ['w1', true],
    ['w2', false],
    ['w3', true],
  ] as const) {
    Object.assign(h.agent.server(name, 'web', n), ext(n, up));
  }
  h.agent.requests.length = 0;

  // HAProxy shows ready, as the window's end wants: no drift either.
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 0, reapplied: null });
  expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
  expect((await actions(h, `server_id=${id}&source=reconcile`)).total).toBe(0);

  // The window's end records what HAProxy already shows: ready, as the schedule.
  const tick = await h.t.service.windows.tick(new Date());
  expect(tick.ended).toBe(1);
  const server = (await h.t.call('GET', `/api/haproxy/servers/${id}`)).body;
  expect(server).toMatchObject({
    admin_state: 'ready',
    drift: null,
    desired: { admin_state: 'ready', source: 'schedule', until: null },
  });
  expect(await syncNow(h, f.instanceId)).toMatchObject({ drifting: 0 });
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
});

test('a window still open is re-applied after a reload as before', async () => {
  const name = 'window-open';
  const f = await fleet(h, name, { web: [ext('w1'), ext('w2')] });
  const id = f.servers['web/w1'].id;
  const res = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', duration_s: 3600 },
  });
  expect(res.status).toBe(200);
  h.agent.restart(name);
  Object.assign(h.agent.server(name, 'web', 'w1'), ext('w1'));
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, reapplied: 1 });
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('maint');
  const server = (await h.t.call('GET', `/api/haproxy/servers/${id}`)).body;
  expect(server.desired).toMatchObject({ admin_state: 'maint', until: res.body.server.desired.until });
});

test('a window that ended while the agent was unreachable, then a restart: ready is what its end wants, not drift', async () => {
  const name = 'window-unreachable';
  const f = await fleet(h, name, { web: [ext('w1'), ext('w2')] });
  const id = f.servers['web/w1'].id;
  const res = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'drain', duration_s: 60 },
  });
  expect(res.status).toBe(200);
  await h.t.db.ds.query(`UPDATE haproxy_server_desired SET until = now() - interval '1 second' WHERE server_id = $1`, [
    id,
  ]);
  // The agent is unreachable when the window ends: its end fails, and is tried again once its claim's lease ends.
  h.agent.inject(() => true, { kind: 'status', status: 503 });
  expect((await h.t.service.windows.tick(new Date())).failed).toBeGreaterThanOrEqual(1);
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('drain');
  // It comes back with HAProxy restarted: the drain is gone, as the window's end wants.
  h.agent.clearFaults();
  h.agent.restart(name);
  Object.assign(h.agent.server(name, 'web', 'w1'), ext('w1'));
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 0, reapplied: null });
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
  const server = (await h.t.call('GET', `/api/haproxy/servers/${id}`)).body;
  expect(server).toMatchObject({ admin_state: 'ready', drift: null });
  expect((await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}&drift=true`)).body.total).toBe(0);
});
