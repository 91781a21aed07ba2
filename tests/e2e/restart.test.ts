import { Stack, startStack, webBackend } from './support';

describe('HAProxy restarted: runtime state set by commands is lost', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: webBackend((u) => [
        { name: 'checked', address: u.healthy.address, options: 'check' },
        { name: 'plain', address: u.healthy.address },
      ]),
    });
    await stack.haproxy.waitForStatus('web', 'checked', 'UP');
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the next sync shows the real state and history records the change', async () => {
    const [checked, plain] = await Promise.all([stack.server('web', 'checked'), stack.server('web', 'plain')]);
    expect((await stack.command(checked.id, 'drain')).status).toBe(200);
    expect((await stack.command(plain.id, 'maint')).status).toBe(200);
    expect(await stack.haproxy.serverStatus('web', 'checked')).toBe('DRAIN');
    expect(await stack.haproxy.serverStatus('web', 'plain')).toBe('MAINT');
    expect(await stack.sync()).toMatchObject({ status: 'ok' });

    const pid = stack.haproxy.pid;
    await stack.haproxy.restart();
    expect(stack.haproxy.pid).not.toBe(pid);
    await stack.haproxy.waitForStatus('web', 'checked', 'UP');
    expect(await stack.haproxy.serverStatus('web', 'plain')).toBe('no check');

    expect(await stack.sync()).toMatchObject({ status: 'ok', changed_servers: 2 });
    expect(await stack.server('web', 'checked')).toMatchObject({ id: checked.id, status: 'UP', raw_status: 'UP' });
    expect(await stack.server('web', 'plain')).toMatchObject({ id: plain.id, status: 'UP', raw_status: 'no check' });

    const [checkedLatest] = await stack.history(checked.id);
    expect(checkedLatest).toMatchObject({ from_status: 'DRAIN', to_status: 'UP', raw_status: 'UP', cause: 'sync' });
    const [plainLatest] = await stack.history(plain.id);
    expect(plainLatest).toMatchObject({ from_status: 'MAINT', to_status: 'UP', raw_status: 'no check', cause: 'sync' });
  });
});
