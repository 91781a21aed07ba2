import { Stack, startStack, StoredServer, webBackend } from './support';

type Command = 'drain' | 'ready' | 'maint';

describe('commands through the REST API reach HAProxy, are audited and written to history once', () => {
  let stack: Stack;
  let target: StoredServer;
  let bystander: StoredServer;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: webBackend((u) => [
        { name: 's1', address: u.healthy.address, options: 'check' },
        { name: 's2', address: u.healthy.address, options: 'check' },
      ]),
    });
    await Promise.all(['s1', 's2'].map((s) => stack.haproxy.waitForStatus('web', s, 'UP')));
    expect((await stack.sync()).status).toBe('ok');
    [target, bystander] = await Promise.all([stack.server('web', 's1'), stack.server('web', 's2')]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // In order: each step starts from the state the previous one left.
  test.each<[Command, string, string]>([
    ['drain', 'UP', 'DRAIN'],
    ['ready', 'DRAIN', 'UP'],
    ['maint', 'UP', 'MAINT'],
    ['ready', 'MAINT', 'UP'],
  ])('%s: %s -> %s', async (command, before, after) => {
    const historyBefore = new Set((await stack.history(target.id)).map((h) => h.id));

    const res = await stack.command(target.id, command);
    expect(res.status).toBe(200);
    expect(res.body.server).toMatchObject({ id: target.id, status: after });

    // HAProxy's own `show stat` (leaving MAINT, a checked server is UP once its next check passes).
    await stack.haproxy.waitForStatus('web', 's1', after);

    const [latest] = await stack.actions(target.id);
    expect(latest).toMatchObject({
      id: res.body.action.id,
      instance_name: 'lb-1',
      backend_name: 'web',
      server_name: 's1',
      command,
      actor: 'token:test-operator',
      source: 'api',
      success: true,
      error: null,
      status_before: before,
      status_after: after,
    });

    expect(await stack.sync()).toMatchObject({ status: 'ok' });
    expect(await stack.server('web', 's1')).toMatchObject({ status: after, raw_status: after });
    // The command wrote the change; the sync that saw it in HAProxy must not write it again.
    const added = (await stack.history(target.id)).filter((h) => !historyBefore.has(h.id));
    expect(added.map((h) => [h.from_status, h.to_status, h.cause])).toEqual([[before, after, 'command']]);
  });

  it('left the other server alone, in HAProxy and in the database', async () => {
    expect(await stack.haproxy.serverStatus('web', 's2')).toBe('UP');
    expect(await stack.server('web', 's2')).toMatchObject({
      status: 'UP',
      status_changed_at: bystander.status_changed_at,
    });
    expect(await stack.history(bystander.id)).toHaveLength(1);
    expect(await stack.actions(bystander.id)).toEqual([]);
  });
});

describe('commands on servers whose health checks fail', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      // Health checks fail (HTTP 500): HAProxy reports these DOWN whatever their admin state.
      haproxy: webBackend((u) => [
        { name: 'sick', address: u.failing.address, options: 'check' },
        { name: 'sick-off', address: u.failing.address, options: 'check disabled' },
      ]),
    });
    await stack.haproxy.waitForStatus('web', 'sick', 'DOWN');
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // A command's answer and history hold what HAProxy reports afterwards, not what the command usually does:
  // a DOWN server that is drained stays DOWN, and is drained: one history row, for the admin state only.
  test('drain on a DOWN server stores DOWN and drained, and writes one history row (admin state only)', async () => {
    const server = await stack.server('web', 'sick');
    const historyBefore = (await stack.history(server.id)).length;
    const res = await stack.command(server.id, 'drain');
    expect(res.status).toBe(200);
    expect(res.body.server).toMatchObject({ status: 'DOWN', admin_state: 'drain', operational_state: 'down' });
    expect(await stack.sync()).toMatchObject({ status: 'ok', drifting: 0 });
    expect(await stack.server('web', 'sick')).toMatchObject({ status: 'DOWN', admin_state: 'drain' });
    const history = await stack.history(server.id);
    expect(history).toHaveLength(historyBefore + 1);
    expect(history[0]).toMatchObject({
      cause: 'command',
      from_status: 'DOWN',
      to_status: 'DOWN',
      admin_from: 'ready',
      admin_to: 'drain',
      operational_from: null,
      operational_to: null,
    });
  });

  // HAProxy puts a server leaving MAINT back UP until its first check fails: both states are real, so the
  // history may hold MAINT -> UP -> DOWN, but never a status HAProxy did not report, and it ends DOWN.
  test('ready on a failing server in MAINT ends DOWN with only states HAProxy reported', async () => {
    const server = await stack.server('web', 'sick-off');
    const historyBefore = new Set((await stack.history(server.id)).map((h) => h.id));
    const res = await stack.command(server.id, 'ready');
    expect(res.status).toBe(200);
    expect(['UP', 'DOWN']).toContain(res.body.server.status);
    await stack.haproxy.waitForStatus('web', 'sick-off', 'DOWN');
    expect(await stack.sync()).toMatchObject({ status: 'ok' });
    expect(await stack.server('web', 'sick-off')).toMatchObject({ status: 'DOWN' });
    const added = (await stack.history(server.id)).filter((h) => !historyBefore.has(h.id)).reverse();
    expect(added[0]).toMatchObject({ from_status: 'MAINT', to_status: res.body.server.status });
    expect(added[added.length - 1].to_status).toBe('DOWN');
    expect(added.length).toBeLessThanOrEqual(2);
  });
});
