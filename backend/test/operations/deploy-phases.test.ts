import { fleet, syncNow, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * A deploy orchestrator's two phases as it polls them: what a finished server says, a held-back server that
 * leaves HAProxy, and a ready phase that brings back only what the drain phase took out.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;
const { create, until, get } = jobApi(h);

test('a drained server set to maint once its sessions end shows 0 sessions, not those of an earlier look', async () => {
  const name = `done-sessions-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(1, { current_sessions: 3 }) });
  const res = await create({ action: 'drain', server_ids: [f.servers['web/j1'].id] });
  await until(res.body.id, (op) => op.servers[0].sessions === 3);
  h.agent.server(name, 'web', 'j1').current_sessions = 0;
  const op = await until(res.body.id, final);
  expect(op.servers[0]).toMatchObject({ state: 'done', sessions: 0, note: 'drained, then maint' });
});

test('a server the budget holds back that a sync removes from HAProxy ends failed, and the job ends', async () => {
  const name = `waiting-gone-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(3) });
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 2 } });
  // No deadline: before, the removed server waited on the budget for ever, and the job with it.
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 3, then: null });
  const held = await until(
    res.body.id,
    (op) => op.servers.filter((s: any) => ['done', 'waiting'].includes(s.state)).length === 3
  );
  const [stays, leaves] = held.servers.filter((s: any) => s.state === 'waiting').map((s: any) => s.server_name);
  h.agent.setBackend(
    name,
    'web',
    ['j1', 'j2', 'j3'].filter((s) => s !== leaves).map((s) => h.agent.server(name, 'web', s))
  );
  await syncNow(h, f.instanceId);
  const op = await until(res.body.id, (o) => o.servers.find((s: any) => s.server_name === leaves).state === 'failed');
  expect(op.servers.find((s: any) => s.server_name === leaves).error).toBe('the server is no longer in HAProxy');
  // The other still waits for the budget; cancelled, the job ends.
  expect(op.servers.find((s: any) => s.server_name === stays).state).toBe('waiting');
  await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, { token: h.t.tokens.operator });
  expect((await get(res.body.id)).state).toBe('cancelled');
});

test('the ready phase by application brings back what the drain phase took out, not a server in maint before it', async () => {
  const name = `ready-phase-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(3) });
  const app = await h.t.call('POST', '/api/applications', { body: { name: `shop-${seq}`, host_id: f.hostId } });
  expect(app.status).toBe(201);
  const [j1, j2, j3] = ['j1', 'j2', 'j3'].map((s) => f.servers[`web/${s}`].id);
  for (const id of [j1, j2, j3]) {
    await h.t.call('PUT', `/api/haproxy/servers/${id}/mapping`, {
      token: h.t.tokens.operator,
      body: { application_id: app.body.id, kind: 'manual' },
    });
  }
  const hardware = await h.t.call('POST', `/api/haproxy/servers/${j3}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', reason: 'disk swap' },
  });
  expect(hardware.status).toBe(200);
  const drain = await create({ action: 'drain', application_id: app.body.id, max_parallel: 3 });
  const drained = await until(drain.body.id, final);
  expect(drained.servers.map((s: any) => s.note)).toEqual([
    'drained, then maint',
    'drained, then maint',
    'already in maint',
  ]);

  const ready = { action: 'ready', application_id: app.body.id, max_parallel: 3 };
  const dry = await create({ ...ready, dry_run: true });
  expect(dry.body.servers.map((s: any) => [s.server_id, s.would])).toEqual([
    [j1, 'apply'],
    [j2, 'apply'],
    [j3, 'skip'],
  ]);
  const res = await create(ready);
  expect(res.status).toBe(202);
  const op = await until(res.body.id, final);
  expect(op.state).toBe('succeeded');
  expect(op.servers[2]).toMatchObject({
    server_id: j3,
    state: 'done',
    note: `left in maint: it was in maint before drain job ${drain.body.id}, which did not take it out`,
  });
  expect(['j1', 'j2', 'j3'].map((s) => h.agent.server(name, 'web', s).admin_state)).toEqual([
    'ready',
    'ready',
    'maint',
  ]);
  // Named by id, it is set ready: the caller decided.
  const named = await until((await create({ action: 'ready', server_ids: [j3] })).body.id, final);
  expect(named.state).toBe('succeeded');
  expect(h.agent.server(name, 'web', 'j3').admin_state).toBe('ready');
});

test('a ready job with a ramp leaves a server ready at its full weight as it is: its traffic is not ramped down', async () => {
  const name = `ramp-ready-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(2) });
  const [j1, j2] = ['j1', 'j2'].map((s) => f.servers[`web/${s}`].id);
  await h.t.call('POST', `/api/haproxy/servers/${j1}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint' },
  });
  h.agent.requests.length = 0;
  const ready = { action: 'ready', server_ids: [j1, j2], max_parallel: 2, ramp: { steps: [50, 100], interval_s: 1 } };
  const dry = await create({ ...ready, dry_run: true });
  expect(dry.body.servers.map((s: any) => [s.server_id, s.would])).toEqual([
    [j1, 'apply'],
    [j2, 'skip'],
  ]);
  const op = await until((await create(ready)).body.id, final);
  expect(op.servers.map((s: any) => [s.server_name, s.state, s.note])).toEqual([
    ['j1', 'done', 'ramped to 100% of the configured weight'],
    ['j2', 'done', 'already ready at its full weight: not ramped'],
  ]);
  const sentTo = h.agent.requests.filter((r) => r.route === 'command').map((r) => r.segments[6]);
  expect(sentTo.length).toBeGreaterThan(0);
  expect(sentTo).not.toContain('j2');
});
