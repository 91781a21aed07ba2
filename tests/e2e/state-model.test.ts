import { adminStates, eventually, HEALTH_CHECK, Stack, startStack } from './support';

/**
 * The state model against a real HAProxy: a drain on a server whose checks fail stays visible, a drain set on
 * the runtime socket is adopted, a maintenance window of a few seconds ends by itself, an empty backend is
 * listed.
 */
describe('admin state beside health, through a real HAProxy', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: (u) => ({
        backends: [
          {
            name: 'web',
            lines: HEALTH_CHECK,
            servers: [
              { name: 'ok', address: u.healthy.address, options: 'check' },
              { name: 'sick', address: u.failing.address, options: 'check' },
              { name: 'plain', address: u.healthy.address, options: 'check' },
            ],
          },
          // Every server taken out of the configuration: requests routed here fail.
          { name: 'empty', servers: [] },
        ],
      }),
      service: { windowCheckIntervalMs: 200 },
    });
    await Promise.all([
      stack.haproxy.waitForStatus('web', 'ok', 'UP'),
      stack.haproxy.waitForStatus('web', 'plain', 'UP'),
      stack.haproxy.waitForStatus('web', 'sick', /^DOWN/),
    ]);
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a drained server whose checks fail is stored as drain + down, and counted out on purpose', async () => {
    const sick = await stack.server('web', 'sick');
    expect(sick).toMatchObject({ status: 'DOWN', admin_state: 'ready', operational_state: 'down' });
    const res = await stack.command(sick.id, 'drain', { reason: 'investigating' });
    expect(res.status).toBe(200);
    // HAProxy shows health first.
    expect(await stack.haproxy.serverStatus('web', 'sick')).toMatch(/^DOWN/);
    expect((await adminStates(stack.haproxy, 'web')).sick).toBe('drain');
    const shown = {
      status: 'DOWN',
      admin_state: 'drain',
      operational_state: 'down',
      desired: { reason: 'investigating' },
    };
    expect(res.body.server).toMatchObject(shown);
    expect(await stack.sync()).toMatchObject({ status: 'ok', drifting: 0 });
    expect(await stack.server('web', 'sick')).toMatchObject({ ...shown, drift: null });
    const web = (
      await stack.service.call('GET', `/api/haproxy/backends?instance_id=${stack.instanceId}`)
    ).body.backends.find((b: { name: string }) => b.name === 'web');
    expect(web).toMatchObject({ servers_total: 3, out_on_purpose: 1, failing: 0, available: 2 });
  });

  it('a drain set on the runtime socket is adopted as external, not fought', async () => {
    const plain = await stack.server('web', 'plain');
    await stack.haproxy.runtime('set server web/plain state drain');
    expect(await stack.sync()).toMatchObject({ status: 'ok', restarted: false, drifting: 0, reapplied: null });
    expect(await stack.server('web', 'plain')).toMatchObject({
      status: 'DRAIN',
      admin_state: 'drain',
      desired: { admin_state: 'drain', actor: 'external', source: 'external', reason: null },
      drift: null,
    });
    const [latest] = await stack.history(plain.id);
    expect(latest).toMatchObject({ cause: 'external', admin_from: 'ready', admin_to: 'drain' });
    expect((await adminStates(stack.haproxy, 'web')).plain).toBe('drain');
    expect(await stack.actions(plain.id)).toEqual([]);
  });

  it('a maintenance window of a few seconds: the server is ready again by itself, audited', async () => {
    const ok = await stack.server('web', 'ok');
    const until = new Date(Date.now() + 2000).toISOString();
    const res = await stack.command(ok.id, 'maint', { until, reason: 'short window' });
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ until, reason: 'short window' });
    expect((await adminStates(stack.haproxy, 'web')).ok).toBe('maint');
    const windows = (await stack.service.call('GET', '/api/haproxy/windows')).body.windows;
    expect(windows).toEqual([expect.objectContaining({ server_id: ok.id, admin_state: 'maint', until })]);

    const ended = await eventually(
      async () => (await stack.actions(ok.id)).find((a) => a.source === 'schedule' && a.result !== 'pending'),
      'the window to end',
      15_000
    );
    expect(ended).toMatchObject({ command: 'ready', actor: 'system:schedule', success: true });
    expect((await adminStates(stack.haproxy, 'web')).ok).toBe('ready');
    await stack.haproxy.waitForStatus('web', 'ok', 'UP');
    expect(await stack.server('web', 'ok')).toMatchObject({
      admin_state: 'ready',
      desired: { admin_state: 'ready', source: 'schedule', until: null },
    });
    expect((await stack.service.call('GET', '/api/haproxy/windows')).body.windows).toEqual([]);
    expect((await stack.history(ok.id))[0]).toMatchObject({
      cause: 'schedule',
      admin_from: 'maint',
      admin_to: 'ready',
    });
  });

  it('a backend with no servers is listed, with zero servers', async () => {
    const { backends } = (await stack.service.call('GET', `/api/haproxy/backends?instance_id=${stack.instanceId}`))
      .body;
    expect(backends.map((b: { name: string; servers_total: number }) => [b.name, b.servers_total])).toEqual([
      ['empty', 0],
      ['web', 3],
    ]);
  });
});
