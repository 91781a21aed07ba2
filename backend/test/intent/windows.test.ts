import { extendedServer } from '../support/fake-fagent';
import { actions, expectError, fleet, syncNow, useHarness } from '../api/helpers';

/**
 * Maintenance windows through the real service: the bad input, the list, a new end, an early end, and the end
 * itself driven by the worker's tick with an injected time (no test sleeps for minutes). The background worker
 * runs too, on the real clock, and finds nothing due: every window here ends in an hour or more.
 */
const h = useHarness({ breakerThreshold: 100 }, { protocol: 'extended' });

const HOUR = 3_600_000;
let seq = 0;
const ext = (name: string) => extendedServer(name, 'ready', true, { initial_weight: 10, weight: 10 });

async function servers(n = 2) {
  const name = `win${++seq}`;
  const f = await fleet(h, name, { web: Array.from({ length: n }, (_, i) => ext(`w${i + 1}`)) });
  return { ...f, name, ids: Array.from({ length: n }, (_, i) => f.servers[`web/w${i + 1}`].id) };
}

const post = (serverId: number, body: Record<string, unknown>) =>
  h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, { token: h.t.tokens.operator, body });
const server = async (id: number) => (await h.t.call('GET', `/api/haproxy/servers/${id}`)).body;
const windows = async () => (await h.t.call('GET', '/api/haproxy/windows', { token: h.t.tokens.viewer })).body.windows;
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('bad input is a 400 saying what is wrong, and nothing is sent', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['until in the past', { command: 'maint', until: inFuture(-60_000) }, /until must be in the future/],
    ['until more than 30 days ahead', { command: 'maint', until: inFuture(31 * 24 * HOUR) }, /at most 30 days/],
    ['both until and duration_s', { command: 'drain', until: inFuture(HOUR), duration_s: 600 }, /not both/],
    ['a window on ready', { command: 'ready', duration_s: 600 }, /goes with drain or maint, not ready/],
    ['a window on weight', { command: 'weight', weight: 5, duration_s: 600 }, /goes with drain or maint/],
    ['a duration under a minute', { command: 'drain', duration_s: 59 }, /at least 60 seconds/],
    ['a duration over 30 days', { command: 'drain', duration_s: 2_592_001 }, /at most 30 days/],
    ['a reason over 500 characters', { command: 'drain', reason: 'x'.repeat(501) }, /at most 500 characters/],
    ['not a time', { command: 'drain', until: 'tomorrow' }, /ISO 8601/],
    ['weight without a weight', { command: 'weight' }, /needs "weight"/],
    ['a weight with drain', { command: 'drain', weight: 5 }, /weight command only/],
    ['a weight out of range', { command: 'weight', weight: 300 }, /0 to 256/],
    ['an unknown command', { command: 'restart' }, /must be one of drain, ready, maint, weight, shutdown-sessions/],
  ])('%s', async (_what, body, message) => {
    const { ids, name } = await servers(1);
    h.agent.requests.length = 0;
    for (const res of [
      await post(ids[0], body),
      await h.t.call('POST', '/api/haproxy/commands/bulk', {
        token: h.t.tokens.operator,
        body: { ...body, server_ids: ids },
      }),
    ]) {
      expectError(res, 400, 'bad_request');
      expect(res.body.error.message).toMatch(message);
    }
    expect(h.agent.requests.filter((r) => r.route === 'command' && r.segments[2] === name)).toEqual([]);
    expect((await actions(h, `server_id=${ids[0]}`)).total).toBe(0);
  });

  test('a reason of exactly 500 characters is taken', async () => {
    const { ids } = await servers(1);
    const res = await post(ids[0], { command: 'drain', reason: 'r'.repeat(500) });
    expect(res.status).toBe(200);
    expect(res.body.action.reason).toHaveLength(500);
  });
});

test('a window: on the server, the audit row and the list (soonest end first), and filtered', async () => {
  const { ids, instanceId } = await servers(3);
  const later = inFuture(3 * HOUR);
  const a = await post(ids[0], { command: 'maint', until: later, reason: 'kernel upgrade' });
  const b = await post(ids[1], { command: 'drain', duration_s: 3600 });
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(a.body.action).toMatchObject({ command: 'maint', reason: 'kernel upgrade', until: later });
  expect(a.body.server.desired).toMatchObject({ admin_state: 'maint', reason: 'kernel upgrade', until: later });
  const bUntil = Date.parse(b.body.server.desired.until);
  expect(Math.abs(bUntil - (Date.now() + HOUR))).toBeLessThan(60_000);

  const mine = (await windows()).filter((w: { instance_id: number }) => w.instance_id === instanceId);
  expect(mine.map((w: { server_name: string }) => w.server_name)).toEqual(['w2', 'w1']);
  expect(mine[1]).toEqual({
    server_id: ids[0],
    server_name: 'w1',
    backend_name: 'web',
    instance_id: instanceId,
    instance_name: expect.any(String),
    admin_state: 'maint',
    actor: 'token:test-operator',
    reason: 'kernel upgrade',
    set_at: expect.any(String),
    until: later,
    overdue: false,
    retry_at: null,
  });
  const filtered = await h.t.call('GET', `/api/haproxy/servers?in_window=true&instance_id=${instanceId}`);
  expect(filtered.body.servers.map((s: { id: number }) => s.id).sort()).toEqual([ids[0], ids[1]].sort());
  const [backend] = (await h.t.call('GET', `/api/haproxy/backends?instance_id=${instanceId}`)).body.backends;
  expect(backend).toMatchObject({ servers_total: 3, in_window: 2, out_on_purpose: 2, available: 1 });

  // A new command without a window replaces the window.
  expect((await post(ids[1], { command: 'drain' })).status).toBe(200);
  expect((await server(ids[1])).desired.until).toBeNull();
});

test('a new end: later or sooner; 404 without a window; 400 for a bad end', async () => {
  const { ids } = await servers(2);
  expect((await post(ids[0], { command: 'drain', duration_s: 600 })).status).toBe(200);
  const until = inFuture(5 * HOUR);
  const res = await h.t.call('PATCH', `/api/haproxy/windows/${ids[0]}`, {
    token: h.t.tokens.operator,
    body: { until },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ server_id: ids[0], until, admin_state: 'drain' });
  expect((await server(ids[0])).desired.until).toBe(until);
  const shorter = await h.t.call('PATCH', `/api/haproxy/windows/${ids[0]}`, {
    token: h.t.tokens.operator,
    body: { duration_s: 120 },
  });
  expect(Date.parse(shorter.body.until)).toBeLessThan(Date.now() + 121_000);

  expectError(
    await h.t.call('PATCH', `/api/haproxy/windows/${ids[1]}`, {
      token: h.t.tokens.operator,
      body: { duration_s: 600 },
    }),
    404,
    'not_found'
  );
  for (const body of [{}, { until: inFuture(-1000) }, { until: inFuture(HOUR), duration_s: 60 }]) {
    expectError(
      await h.t.call('PATCH', `/api/haproxy/windows/${ids[0]}`, { token: h.t.tokens.operator, body }),
      400,
      'bad_request'
    );
  }
});

test('its end: the worker returns the server to ready (source schedule, audited) once, and the window is gone', async () => {
  const { ids, name } = await servers(2);
  const res = await post(ids[0], { command: 'maint', duration_s: 3600, reason: 'CHG-9' });
  expect(res.status).toBe(200);
  const end = Date.parse(res.body.server.desired.until);

  // A minute before its end nothing happens to it (other tests' windows may end).
  await h.t.service.windows.tick(new Date(end - 60_000));
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('maint');
  expect((await actions(h, `server_id=${ids[0]}&source=schedule`)).total).toBe(0);

  const at = new Date(end + 1000);
  const tick = await h.t.service.windows.tick(at);
  expect(tick.ended).toBeGreaterThanOrEqual(1);
  expect(h.agent.server(name, 'web', 'w1')).toMatchObject({ admin_state: 'ready', status: 'UP' });
  expect(await server(ids[0])).toMatchObject({
    status: 'UP',
    admin_state: 'ready',
    desired: { admin_state: 'ready', actor: 'system:schedule', source: 'schedule', until: null },
  });
  const [ended] = (await actions(h, `server_id=${ids[0]}`)).actions;
  expect(ended).toMatchObject({
    command: 'ready',
    source: 'schedule',
    actor: 'system:schedule',
    result: 'success',
    reason: 'end of the maintenance window (maint) set by token:test-operator: CHG-9',
  });
  const history = (await h.t.call('GET', `/api/haproxy/servers/${ids[0]}/history`)).body.history;
  expect(history[0]).toMatchObject({ cause: 'schedule', admin_from: 'maint', admin_to: 'ready' });

  // Once: the next tick finds nothing of it.
  await h.t.service.windows.tick(at);
  expect((await actions(h, `server_id=${ids[0]}&source=schedule`)).total).toBe(1);
  expect((await windows()).map((w: { server_id: number }) => w.server_id)).not.toContain(ids[0]);
});

test("every end's audit row says whose window it was and why, a reason of 500 characters cut to fit", async () => {
  const { ids, name, instanceId } = await servers(3);
  const long = 'r'.repeat(500);
  const set = [
    await post(ids[0], { command: 'drain', duration_s: 600, reason: 'CHG-42 kernel' }),
    await post(ids[1], { command: 'maint', duration_s: 600, reason: long }),
  ];
  expect(set.map((r) => r.status)).toEqual([200, 200]);
  h.agent.setBackend(name, 'web', [h.agent.server(name, 'web', 'w1'), h.agent.server(name, 'web', 'w3')]);
  await syncNow(h, instanceId);
  const tick = await h.t.service.windows.tick(new Date(Date.now() + 700_000));
  expect([tick.ended, tick.closed]).toEqual([expect.any(Number), 1]);
  const [first] = (await actions(h, `server_id=${ids[0]}&source=schedule`)).actions;
  expect(first).toMatchObject({
    result: 'success',
    reason: 'end of the maintenance window (drain) set by token:test-operator: CHG-42 kernel',
  });
  // Gone from HAProxy: closed without a command, its row still says which window it was.
  const [second] = (await actions(h, `server_id=${ids[1]}&source=schedule`)).actions;
  const reason = second.reason as string;
  expect(reason).toHaveLength(500);
  expect(reason).toMatch(/^end of the maintenance window \(maint\) set by token:test-operator: r+…$/);
  expect((await server(ids[1])).desired).toMatchObject({ admin_state: 'ready', reason, until: null });
});

test('windows ending at the same moment all end in one tick, more than a batch of them, one audit row each', async () => {
  const { ids, name, instanceId } = await servers(130);
  const until = inFuture(HOUR);
  const bulk = await h.t.call('POST', '/api/haproxy/commands/bulk', {
    token: h.t.tokens.operator,
    body: { command: 'drain', server_ids: ids.slice(1), until, reason: 'rack move' },
  });
  expect(bulk.body).toMatchObject({ succeeded: 129 });
  const tick = await h.t.service.windows.tick(new Date(Date.parse(until) + 1000));
  expect(tick).toMatchObject({ failed: 0, closed: 0 });
  expect(tick.ended).toBeGreaterThanOrEqual(129);
  expect(ids.filter((_, i) => h.agent.server(name, 'web', `w${i + 1}`).admin_state !== 'ready')).toEqual([]);
  const rows = await h.t.db.ds.query(
    `SELECT count(*)::int AS n, count(DISTINCT server_id)::int AS servers FROM haproxy_actions a
      JOIN haproxy_servers s ON s.id = a.server_id JOIN haproxy_backends b ON b.id = s.backend_id
     WHERE b.instance_id = $1 AND a.source = 'schedule'`,
    [instanceId]
  );
  expect(rows).toEqual([{ n: 129, servers: 129 }]);
}, 60_000);

test('a window whose server is gone is closed with a note, without a command; the server comes back ready', async () => {
  const { ids, name, instanceId } = await servers(3);
  const res = await post(ids[2], { command: 'drain', duration_s: 3600 });
  const end = Date.parse(res.body.server.desired.until);
  h.agent.setBackend(name, 'web', [ext('w1'), ext('w2')]);
  expect(await syncNow(h, instanceId)).toMatchObject({ removals_held: false });
  h.agent.requests.length = 0;
  const tick = await h.t.service.windows.tick(new Date(end + 1000));
  expect(tick.closed).toBeGreaterThanOrEqual(1);
  expect(h.agent.requests.filter((r) => r.route === 'command' && r.segments[2] === name)).toEqual([]);
  const [closed] = (await actions(h, `server_id=${ids[2]}`)).actions;
  expect(closed).toMatchObject({
    command: 'ready',
    source: 'schedule',
    result: 'failure',
    note: expect.stringContaining('maintenance window closed without a command'),
  });
  // Its end is ready (the schedule's), so the server coming back on the next reload is not drained past it.
  expect((await server(ids[2])).desired).toMatchObject({ admin_state: 'ready', source: 'schedule', until: null });
  h.agent.restart(name);
  h.agent.setBackend(name, 'web', [ext('w1'), ext('w2'), ext('w3')]);
  expect(await syncNow(h, instanceId)).toMatchObject({ restarted: true, drifting: 0, reapplied: null });
  expect(h.agent.requests.filter((r) => r.route === 'command' && r.segments[2] === name)).toEqual([]);
  expect(await server(ids[2])).toMatchObject({ admin_state: 'ready', removed_at: null, drift: null });
});

test('an end that keeps failing (the agent down) is tried again after the lease, then less and less often', async () => {
  const { ids, name } = await servers(1);
  const res = await post(ids[0], { command: 'drain', duration_s: 3600 });
  const end = Date.parse(res.body.server.desired.until);
  const lease = h.t.service.windows.leaseMs;
  h.agent.inject((r) => r.route === 'command' && r.segments[2] === name, { kind: 'status', status: 503 });
  const tries = async () => (await actions(h, `server_id=${ids[0]}&source=schedule`)).total;
  // The first failure holds the window one lease, the second two, the third four.
  let at = end + 1000;
  for (const [wait, held] of [
    [0, lease],
    [lease, 2 * lease],
    [2 * lease, 4 * lease],
  ]) {
    at += wait;
    await h.t.service.windows.tick(new Date(at));
    const n = await tries();
    await h.t.service.windows.tick(new Date(at + held - 1000));
    expect(await tries()).toBe(n);
  }
  expect(await tries()).toBe(3);
  // The agent back: the next try ends it.
  h.agent.clearFaults();
  await h.t.service.windows.tick(new Date(at + 4 * lease + 1000));
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
  expect((await server(ids[0])).desired).toMatchObject({ admin_state: 'ready', until: null });
});

test('a window whose end failed stays listed, overdue with its next try; ending it meanwhile is a 409 saying so', async () => {
  const { ids, name } = await servers(1);
  await post(ids[0], { command: 'drain', duration_s: 3600 });
  // Its end an hour early, by the database's clock: due now.
  await h.t.db.ds.query(`UPDATE haproxy_server_desired SET until = now() - interval '1 minute' WHERE server_id = $1`, [
    ids[0],
  ]);
  h.agent.inject((r) => r.route === 'command' && r.segments[2] === name, { kind: 'status', status: 503 });
  await h.t.service.windows.tick();
  const listed = (await windows()).find((w: { server_id: number }) => w.server_id === ids[0]);
  expect(listed).toMatchObject({ admin_state: 'drain', overdue: true, retry_at: expect.any(String) });
  expect(Date.parse(listed.retry_at)).toBeGreaterThan(Date.now());
  const res = await h.t.call('DELETE', `/api/haproxy/windows/${ids[0]}`, { token: h.t.tokens.operator });
  expectError(res, 409, 'conflict');
  expect(res.body.error.message).toContain('retried from');
  h.agent.clearFaults();
});

test('ended early: the server is ready at once, as the caller', async () => {
  const { ids, name } = await servers(1);
  expect((await post(ids[0], { command: 'maint', duration_s: 7200 })).status).toBe(200);
  const res = await h.t.call('DELETE', `/api/haproxy/windows/${ids[0]}`, {
    token: h.t.grafanaTokens.operator,
    headers: { 'x-grafana-user': 'alice' },
  });
  expect(res.status).toBe(200);
  expect(res.body.action).toMatchObject({
    command: 'ready',
    actor: 'grafana:alice',
    source: 'ui',
    reason: 'maintenance window ended early',
    result: 'success',
  });
  expect(res.body.server).toMatchObject({ admin_state: 'ready', desired: { admin_state: 'ready', until: null } });
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
  expectError(
    await h.t.call('DELETE', `/api/haproxy/windows/${ids[0]}`, { token: h.t.tokens.operator }),
    404,
    'not_found'
  );
});

test('weight and shutdown-sessions: sent, audited, the weight stored; the desired state untouched', async () => {
  const { ids, name } = await servers(1);
  expect((await post(ids[0], { command: 'drain', reason: 'keep me' })).status).toBe(200);
  const w = await post(ids[0], { command: 'weight', weight: '50%' });
  expect(w.status).toBe(200);
  expect(w.body.action).toMatchObject({ command: 'weight', result: 'success', note: 'weight 50%: HAProxy reports 5' });
  expect(w.body.server).toMatchObject({
    weight: 5,
    initial_weight: 10,
    desired: { admin_state: 'drain', reason: 'keep me' },
  });
  const sent = h.agent.requests.filter((r) => r.route === 'command' && r.segments[2] === name);
  expect(sent.at(-1)).toMatchObject({ body: { weight: '50%' } });

  h.agent.server(name, 'web', 'w1').current_sessions = 7;
  const s = await post(ids[0], { command: 'shutdown-sessions' });
  expect(s.status).toBe(200);
  expect(s.body.action).toMatchObject({ command: 'shutdown-sessions', result: 'success' });
  expect(h.agent.server(name, 'web', 'w1').current_sessions).toBe(0);
  expect(s.body.server.desired).toMatchObject({ admin_state: 'drain', reason: 'keep me' });

  const bulk = await h.t.call('POST', '/api/haproxy/commands/bulk', {
    token: h.t.tokens.operator,
    body: { command: 'weight', weight: 3, server_ids: ids, reason: 'canary' },
  });
  expect(bulk.body).toMatchObject({ command: 'weight', succeeded: 1 });
  expect((await server(ids[0])).weight).toBe(3);
  expect((await actions(h, `server_id=${ids[0]}&command=weight`)).actions[0]).toMatchObject({ reason: 'canary' });
});

test('a window whose server left HAProxy is not listed, and cannot be moved or ended (409) until its end closes it', async () => {
  const { ids, name, instanceId } = await servers(3);
  expect((await post(ids[2], { command: 'drain', duration_s: 3600 })).status).toBe(200);
  h.agent.setBackend(name, 'web', [ext('w1'), ext('w2')]);
  expect(await syncNow(h, instanceId)).toMatchObject({ removals_held: false });
  expect((await windows()).map((w: { server_id: number }) => w.server_id)).not.toContain(ids[2]);
  const moved = await h.t.call('PATCH', `/api/haproxy/windows/${ids[2]}`, {
    token: h.t.tokens.operator,
    body: { duration_s: 7200 },
  });
  const ended = await h.t.call('DELETE', `/api/haproxy/windows/${ids[2]}`, { token: h.t.tokens.operator });
  for (const res of [moved, ended]) {
    expectError(res, 409, 'conflict');
    expect(res.body.error.message).toMatch(/^server w3 of backend web is no longer in HAProxy's configuration/);
  }
});

test('an end that a database error stopped before anything was sent is tried again at the next tick, not after its lease', async () => {
  const { ids, name } = await servers(1);
  const res = await post(ids[0], { command: 'maint', duration_s: 3600 });
  const at = new Date(Date.parse(res.body.server.desired.until) + 1000);
  // The server's command claim fails: the end stops before its command.
  await h.t.db.ds.query(
    `CREATE FUNCTION hpx_no_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$`
  );
  await h.t.db.ds.query(
    `CREATE TRIGGER hpx_no_claim BEFORE UPDATE ON haproxy_servers FOR EACH ROW
      WHEN (NEW.id = ${ids[0]} AND NEW.command_claim IS NOT NULL) EXECUTE FUNCTION hpx_no_claim()`
  );
  try {
    expect((await h.t.service.windows.tick(at)).failed).toBeGreaterThanOrEqual(1);
  } finally {
    await h.t.db.ds.query(`DROP TRIGGER hpx_no_claim ON haproxy_servers; DROP FUNCTION hpx_no_claim()`);
  }
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('maint');
  await h.t.service.windows.tick(at);
  expect(h.agent.server(name, 'web', 'w1').admin_state).toBe('ready');
});
