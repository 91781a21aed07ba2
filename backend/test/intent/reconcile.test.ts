import { extendedServer, FakeFagent, FakeServer, on } from '../support/fake-fagent';
import { registerInstance } from '../support/service';
import { actions, command, fleet, Fleet, Harness, syncNow, useHarness } from '../api/helpers';

/**
 * Desired state against HAProxy through the real service and an agent that speaks the extended protocol:
 * a drain that a reload loses is re-applied (or only recorded), a change made outside is adopted, a drain on a
 * server whose checks fail stays visible, and an agent without /info still gets its lost drains back.
 */
const h = useHarness({ breakerThreshold: 100 }, { protocol: 'extended' });

let seq = 0;
const ext = (name: string, admin?: 'ready' | 'drain' | 'maint', up?: boolean) =>
  extendedServer(name, admin, up, { initial_weight: 1 });

async function extFleet(servers: FakeServer[]): Promise<Fleet & { name: string }> {
  const name = `rec${++seq}`;
  const f = await fleet(h, name, { web: servers });
  return { ...f, name };
}

const get = async (path: string) => {
  const res = await h.t.call('GET', path, { token: h.t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body;
};
const serverOf = (id: number) => get(`/api/haproxy/servers/${id}`);
const historyOf = async (id: number) =>
  (await get(`/api/haproxy/servers/${id}/history`)).history.map(
    (r: { cause: string; admin_from: string | null; admin_to: string | null }) => [r.cause, r.admin_from, r.admin_to]
  );
const commandsSent = (agent: FakeFagent, instance: string, server: string) =>
  agent.requests.filter((r) => r.route === 'command' && r.segments[2] === instance && r.segments[6] === server);

/** The agent's HAProxy restarted: a new pid, and the runtime state (drains, maints) gone. */
function reload(agent: FakeFagent, instance: string, servers: string[]) {
  agent.restart(instance);
  for (const name of servers) {
    Object.assign(agent.server(instance, 'web', name), ext(name));
  }
}

test('a drain on a server whose checks fail is stored as drain + down, with who, why and when', async () => {
  const f = await extFleet([ext('w1', 'ready', false)]);
  const id = f.servers['web/w1'].id;
  const res = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'drain', reason: 'CHG-1234 disk replacement' },
  });
  expect(res.status).toBe(200);
  const expected = {
    status: 'DOWN',
    admin_state: 'drain',
    operational_state: 'down',
    initial_weight: 1,
    desired: {
      admin_state: 'drain',
      actor: 'token:test-operator',
      reason: 'CHG-1234 disk replacement',
      source: 'api',
      set_at: expect.any(String),
      until: null,
    },
    drift: null,
  };
  expect(res.body.server).toMatchObject(expected);
  expect(res.body.action).toMatchObject({ reason: 'CHG-1234 disk replacement', until: null, status_after: 'DOWN' });
  expect(await syncNow(h, f.instanceId)).toMatchObject({ drifting: 0, changed_servers: 0 });
  expect(await serverOf(id)).toMatchObject(expected);
  expect(await historyOf(id)).toEqual([
    ['command', 'ready', 'drain'],
    ['sync', null, 'ready'],
  ]);
  // Counted out on purpose, not failing.
  const [backend] = (await get(`/api/haproxy/backends?instance_id=${f.instanceId}`)).backends;
  expect(backend).toMatchObject({ servers_total: 1, available: 0, out_on_purpose: 1, failing: 0 });
});

test('a start time that moves by a second under the same pid (now - uptime) is the same process; 10 s later is a restart', async () => {
  const f = await extFleet([ext('w1'), ext('w2')]);
  const id = f.servers['web/w1'].id;
  expect((await command(h, id, 'drain')).status).toBe(200);
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 0 });
  for (const byMs of [1000, -1500, 1200]) {
    h.agent.moveStart(f.name, byMs);
    expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 0 });
  }
  expect(commandsSent(h.agent, f.name, 'w1').map((r) => r.segments[7])).toEqual(['drain']);

  // A container's HAProxy restarted as the same pid: its drains gone, its start time later by its lifetime.
  h.agent.moveStart(f.name, 10_000);
  Object.assign(h.agent.server(f.name, 'web', 'w1'), ext('w1'));
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 1, reapplied: 1 });
  expect(h.agent.server(f.name, 'web', 'w1')).toMatchObject({ admin_state: 'drain' });
});

test('a reload that lost a drain: the next sync finds the drift and re-applies it; history says reload, then reconcile', async () => {
  const f = await extFleet([ext('w1'), ext('w2')]);
  const id = f.servers['web/w1'].id;
  expect((await command(h, id, 'drain')).status).toBe(200);
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 0 });

  reload(h.agent, f.name, ['w1', 'w2']);
  h.agent.requests.length = 0;
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 1, reapplied: 1 });
  expect(commandsSent(h.agent, f.name, 'w1').map((r) => r.segments[7])).toEqual(['drain']);
  expect(commandsSent(h.agent, f.name, 'w2')).toEqual([]);
  expect(h.agent.server(f.name, 'web', 'w1')).toMatchObject({ admin_state: 'drain', status: 'DRAIN' });

  const server = await serverOf(id);
  expect(server).toMatchObject({ admin_state: 'drain', drift: null, desired: { admin_state: 'drain', source: 'api' } });
  expect((await historyOf(id)).slice(0, 3)).toEqual([
    ['reconcile', 'ready', 'drain'],
    ['reload', 'drain', 'ready'],
    ['command', 'ready', 'drain'],
  ]);
  const [reapplied] = (await actions(h, `server_id=${id}`)).actions;
  expect(reapplied).toMatchObject({
    command: 'drain',
    source: 'reconcile',
    actor: 'system:reconcile',
    result: 'success',
    reason: expect.stringContaining('re-applies drain asked by token:test-operator'),
  });
  // Repaired: the next sync agrees.
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 0 });
});

test('policy alert: the drift is recorded, visible, counted and filtered, never re-sent; a command ends it', async () => {
  const f = await extFleet([ext('w1', 'maint'), ext('w2')]);
  const id = f.servers['web/w1'].id;
  const patched = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
    body: { reconcile_policy: 'alert' },
  });
  expect(patched.body).toMatchObject({ reconcile_policy: 'alert', haproxy: { pid: expect.any(Number) } });
  expect((await command(h, id, 'maint')).status).toBe(200);

  reload(h.agent, f.name, ['w1', 'w2']);
  h.agent.requests.length = 0;
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 1, reapplied: null });
  expect(commandsSent(h.agent, f.name, 'w1')).toEqual([]);
  const drift = { desired: 'maint', actual: 'ready', cause: 'reload', policy: 'alert', attempts: 0, last_error: null };
  expect((await serverOf(id)).drift).toEqual({ since: expect.any(String), ...drift });

  // Still there at the next sync, with the same start.
  const since = (await serverOf(id)).drift.since;
  await syncNow(h, f.instanceId);
  expect((await serverOf(id)).drift).toEqual({ ...drift, since });

  const drifting = await get(`/api/haproxy/servers?drift=true&instance_id=${f.instanceId}`);
  expect(drifting.servers.map((s: { id: number }) => s.id)).toEqual([id]);
  expect((await get(`/api/haproxy/servers?drift=false&instance_id=${f.instanceId}`)).total).toBe(1);
  expect((await get('/api/haproxy/summary')).servers.drifting).toBeGreaterThanOrEqual(1);
  const metrics = (await h.t.call('GET', '/metrics', { token: h.t.tokens.viewer })).body as string;
  expect(metrics).toMatch(
    new RegExp(
      `^haproxy_control_server_drift\\{haproxy_instance="${f.name}",host="host-${f.name}",backend="web",server="w1",application="",desired="maint",cause="reload"\\} 1$`,
      'm'
    )
  );
  expect(metrics).toMatch(
    new RegExp(`^haproxy_control_servers_drifting\\{haproxy_instance="${f.name}",host="host-${f.name}"\\} 1$`, 'm')
  );

  // An operator decides: ready is the new desired state.
  expect((await command(h, id, 'ready')).status).toBe(200);
  expect(await serverOf(id)).toMatchObject({ drift: null, desired: { admin_state: 'ready' } });
  const after = (await h.t.call('GET', '/metrics', { token: h.t.tokens.viewer })).body as string;
  expect(after).toMatch(
    new RegExp(`^haproxy_control_servers_drifting\\{haproxy_instance="${f.name}",host="host-${f.name}"\\} 0$`, 'm')
  );
});

test('a reconcile policy other than reapply or alert is a 400', async () => {
  const f = await extFleet([ext('w1')]);
  const res = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
    body: { reconcile_policy: 'fight' },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/reconcile_policy.*reapply, alert/);
});

test('a change made outside while HAProxy kept running is adopted as external, never fought', async () => {
  const f = await extFleet([ext('w1'), ext('w2')]);
  const [w1, w2] = [f.servers['web/w1'].id, f.servers['web/w2'].id];
  expect((await command(h, w1, 'drain')).status).toBe(200);
  // Someone readies w1 and drains w2 on the runtime socket; the process is the same.
  Object.assign(h.agent.server(f.name, 'web', 'w1'), ext('w1', 'ready'));
  Object.assign(h.agent.server(f.name, 'web', 'w2'), ext('w2', 'drain'));
  h.agent.requests.length = 0;
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 0 });
  expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
  const external = { actor: 'external', source: 'external', reason: null, until: null };
  expect(await serverOf(w1)).toMatchObject({
    admin_state: 'ready',
    drift: null,
    desired: { admin_state: 'ready', ...external },
  });
  expect(await serverOf(w2)).toMatchObject({
    admin_state: 'drain',
    drift: null,
    desired: { admin_state: 'drain', ...external },
  });
  expect((await historyOf(w1))[0]).toEqual(['external', 'drain', 'ready']);
  expect((await historyOf(w2))[0]).toEqual(['external', 'ready', 'drain']);

  // Adopted means kept: a reload that loses w2's drain gets it back.
  reload(h.agent, f.name, ['w1', 'w2']);
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 1, reapplied: 1 });
  expect(h.agent.server(f.name, 'web', 'w2').admin_state).toBe('drain');
});

test('a re-apply the agent refuses: the drift stays with its attempts and error, and waits before the next try', async () => {
  const f = await extFleet([ext('w1')]);
  const id = f.servers['web/w1'].id;
  expect((await command(h, id, 'drain')).status).toBe(200);
  reload(h.agent, f.name, ['w1']);
  h.agent.inject(on.command(), { kind: 'body', body: { success: false, error: 'Permission denied' } });
  expect(await syncNow(h, f.instanceId)).toMatchObject({ drifting: 1, reapplied: 0 });
  expect((await serverOf(id)).drift).toMatchObject({
    desired: 'drain',
    actual: 'ready',
    cause: 'reload',
    policy: 'reapply',
    attempts: 1,
    last_error: expect.stringContaining('Permission denied'),
  });
  expect((await actions(h, `server_id=${id}&source=reconcile`)).actions[0]).toMatchObject({ result: 'failure' });

  // Tried a moment ago: the next sync leaves it to the backoff.
  h.agent.requests.length = 0;
  expect(await syncNow(h, f.instanceId)).toMatchObject({ drifting: 1 });
  expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
  h.agent.clearFaults();
});

test("a re-apply HAProxy takes but its configuration's maint outranks: the drift stays, the operator's drain is kept", async () => {
  const f = await extFleet([ext('w1')]);
  const id = f.servers['web/w1'].id;
  expect((await command(h, id, 'drain')).status).toBe(200);
  // The reload brings w1 `disabled` in the configuration; the drain is taken but does not lift that maint.
  h.agent.restart(f.name);
  Object.assign(h.agent.server(f.name, 'web', 'w1'), { status: 'MAINT', admin_state: 'maint', maint_source: 'config' });
  h.agent.inject(on.command(), { kind: 'body', body: { success: true, message: '' } });
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, drifting: 1, reapplied: 0 });
  expect((await actions(h, `server_id=${id}&source=reconcile`)).actions[0]).toMatchObject({
    result: 'success',
    note: 'HAProxy took drain, but shows "MAINT"',
  });
  const held = {
    desired: { admin_state: 'drain', source: 'api' },
    drift: { desired: 'drain', actual: 'maint', attempts: 1, last_error: 'HAProxy took drain, but shows "MAINT"' },
  };
  expect(await serverOf(id)).toMatchObject(held);

  // The same process goes on: neither adopted as a change made outside nor sent again before the backoff.
  h.agent.requests.length = 0;
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: false, drifting: 1 });
  expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
  expect(await serverOf(id)).toMatchObject(held);
  h.agent.clearFaults();
});

test('a re-apply and a command never run on one server at once: the later one waits for the claim', async () => {
  const f = await extFleet([ext('w1')]);
  const id = f.servers['web/w1'].id;
  let release!: () => void;
  h.agent.inject(on.command(), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const first = command(h, id, 'drain');
  await h.agent.arrived((r) => r.route === 'command');
  const second = command(h, id, 'maint');
  await new Promise((r) => setTimeout(r, 200));
  // The second has not reached the agent while the first holds the server.
  expect(h.agent.requests.filter((r) => r.route === 'command')).toHaveLength(1);
  release();
  expect((await first).status).toBe(200);
  expect((await second).status).toBe(200);
  expect(h.agent.requests.filter((r) => r.route === 'command').map((r) => r.segments[7])).toEqual(['drain', 'maint']);
});

test('an agent without /state whose /info fails: the answer is stored all the same, without process info', async () => {
  const f = await extFleet([ext('w1')]);
  h.agent.inject(on.state(), { kind: 'status', status: 404 });
  h.agent.inject(on.info(), { kind: 'status', status: 500 });
  const id = f.servers['web/w1'].id;
  expect((await command(h, id, 'drain')).status).toBe(200);
  expect(await syncNow(h, f.instanceId)).toMatchObject({ status: 'ok', restarted: null, drifting: 0 });
  expect(h.agent.requests.some((r) => r.route === 'info' && r.segments[2] === f.name)).toBe(true);
  h.agent.clearFaults();
});

describe('an agent without /info (the seed protocol)', () => {
  let seed: FakeFagent;
  let harnessLike: Harness;
  beforeAll(async () => {
    seed = await new FakeFagent().start();
    harnessLike = { t: h.t, agent: seed };
  });
  afterAll(() => seed?.stop());

  test('a lost drain is drift of unknown cause, re-applied; a drain added outside is adopted', async () => {
    seed.setBackend('seedy', 'web', [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP' },
    ]);
    const { instanceId } = await registerInstance(h.t, seed.url, 'seedy');
    await syncNow(harnessLike, instanceId);
    const servers = (await get(`/api/haproxy/servers?instance_id=${instanceId}`)).servers as Array<{
      id: number;
      server_name: string;
      admin_state: string;
      operational_state: string;
    }>;
    expect(servers.map((s) => [s.server_name, s.admin_state, s.operational_state])).toEqual([
      ['w1', 'ready', 'up'],
      ['w2', 'ready', 'up'],
    ]);
    const [w1, w2] = servers.map((s) => s.id);
    expect((await command(harnessLike, w1, 'drain')).status).toBe(200);
    // w1 shows UP again (a restart the agent cannot tell), w2 DRAIN (someone drained it).
    seed.server('seedy', 'web', 'w1').status = 'UP';
    seed.server('seedy', 'web', 'w2').status = 'DRAIN';
    expect(await syncNow(harnessLike, instanceId)).toMatchObject({ restarted: null, drifting: 1, reapplied: 1 });
    expect(seed.server('seedy', 'web', 'w1').status).toBe('DRAIN');
    expect(await serverOf(w2)).toMatchObject({ desired: { admin_state: 'drain', source: 'external' }, drift: null });
    expect((await historyOf(w1))[0]).toEqual(['reconcile', 'ready', 'drain']);
    expect((await get(`/api/haproxy/instances/${instanceId}`)).haproxy).toBeNull();
  });
});
