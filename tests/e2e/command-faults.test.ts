import { Stack, startStack, webBackend } from './support';

/**
 * Single-server commands when HAProxy does not behave: a socket that answers late, a server deleted at runtime
 * a moment before the command. Whatever happens, the audit row and the answer say what HAProxy did.
 */

describe('a command whose agent answers after the backend gave up', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      // The backend waits 1 s for the agent; the agent waits 2 s for HAProxy's socket.
      service: { requestTimeoutMs: 1000, maxRetries: 1 },
      haproxy: webBackend((u) => [
        { name: 's1', address: u.healthy.address, options: 'check' },
        { name: 's2', address: u.healthy.address, options: 'check' },
      ]),
    });
    await Promise.all(['s1', 's2'].map((s) => stack.haproxy.waitForStatus('web', s, 'UP')));
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    if (stack) {
      process.kill(stack.haproxy.pid, 'SIGCONT');
    }
    await stack?.stop();
  });

  // HAProxy frozen for 1.5 s: the backend's call times out while the agent still waits for its check before the
  // command, and its read back shares that check. A drain sent after that would make the row's "failure" a lie.
  it('is not sent once the backend has given up: "failure" is what HAProxy shows, then and later', async () => {
    const s1 = await stack.server('web', 's1');
    process.kill(stack.haproxy.pid, 'SIGSTOP');
    const thaw = setTimeout(() => process.kill(stack.haproxy.pid, 'SIGCONT'), 1500);
    const started = Date.now();
    const res = await stack.command(s1.id, 'drain');
    clearTimeout(thaw);
    process.kill(stack.haproxy.pid, 'SIGCONT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(502);

    const [row] = await stack.actions(s1.id);
    expect(row).toMatchObject({ command: 'drain', success: false, result: 'failure', status_after: 'UP' });
    // Long enough for the agent to have sent whatever it was going to send.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stack.haproxy.serverStatus('web', 's1')).toBe('UP');
    expect(await stack.sync()).toMatchObject({ status: 'ok', drifting: 0 });
    expect(await stack.server('web', 's1')).toMatchObject({ status: 'UP', admin_state: 'ready' });
  });
});

describe('a command on a server deleted at runtime that the last sync still listed', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: webBackend((u) => [
        { name: 'keep', address: u.healthy.address },
        { name: 'gone', address: u.healthy.address },
      ]),
    });
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 409 (no longer in HAProxy), audited as a failure, for every command', async () => {
    const gone = await stack.server('web', 'gone');
    expect(await stack.haproxy.runtime('set server web/gone state maint')).toBe('\n');
    expect(await stack.haproxy.runtime('del server web/gone')).toMatch(/Server deleted/);

    for (const body of [
      { command: 'drain' },
      { command: 'ready' },
      { command: 'weight', weight: 5 },
      { command: 'shutdown-sessions' },
    ]) {
      const res = await stack.service.call('POST', `/api/haproxy/servers/${gone.id}/command`, {
        token: stack.service.tokens.operator,
        body,
      });
      expect([body.command, res.status, res.body.error?.code]).toEqual([body.command, 409, 'conflict']);
      expect(res.body.error.message).toContain('server gone of backend web is no longer in HAProxy');
    }
    const rows = await stack.actions(gone.id);
    expect(rows.map((r) => [r.command, r.result])).toEqual([
      ['shutdown-sessions', 'failure'],
      ['weight', 'failure'],
      ['ready', 'failure'],
      ['drain', 'failure'],
    ]);

    // The other server and the agent are fine: nothing here is the agent's failure.
    const keep = await stack.server('web', 'keep');
    expect((await stack.command(keep.id, 'drain')).status).toBe(200);
    expect((await stack.instance()).breaker_state).toBe('closed');
  });
});
