import { adminStates, Stack, startStack, webBackend } from './support';

/**
 * HAProxy loses runtime state (drains, maints) when it restarts or reloads. The backend kept what it was asked:
 * the next sync sees a new process that does not hold it (drift, cause reload) and, under the default policy,
 * sends it again; under the `alert` policy it only records the drift.
 */
describe('HAProxy restarted: the drains and maints it lost are re-applied', () => {
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

  it('the next sync sees the drift, re-applies it, and history says reload then reconcile', async () => {
    const [checked, plain] = await Promise.all([stack.server('web', 'checked'), stack.server('web', 'plain')]);
    expect((await stack.command(checked.id, 'drain', { reason: 'CHG-42' })).status).toBe(200);
    expect((await stack.command(plain.id, 'maint')).status).toBe(200);
    expect(await adminStates(stack.haproxy, 'web')).toEqual({ checked: 'drain', plain: 'maint' });
    expect(await stack.sync()).toMatchObject({ status: 'ok', restarted: false, drifting: 0 });

    const pid = stack.haproxy.pid;
    await stack.haproxy.restart();
    expect(stack.haproxy.pid).not.toBe(pid);
    await stack.haproxy.waitForStatus('web', 'checked', 'UP');
    // The new process lost both.
    expect(await adminStates(stack.haproxy, 'web')).toEqual({ checked: 'ready', plain: 'ready' });

    expect(await stack.sync()).toMatchObject({ status: 'ok', restarted: true, drifting: 2, reapplied: 2 });
    // HAProxy's own view, on its socket: the drain and the maint are back.
    expect(await adminStates(stack.haproxy, 'web')).toEqual({ checked: 'drain', plain: 'maint' });
    expect(await stack.haproxy.serverStatus('web', 'checked')).toBe('DRAIN');
    expect(await stack.haproxy.serverStatus('web', 'plain')).toBe('MAINT');

    expect(await stack.server('web', 'checked')).toMatchObject({
      status: 'DRAIN',
      admin_state: 'drain',
      operational_state: 'up',
      drift: null,
      desired: { admin_state: 'drain', reason: 'CHG-42', actor: 'token:test-operator' },
    });
    const [reconciled, reloaded] = await stack.history(checked.id);
    expect(reloaded).toMatchObject({
      cause: 'reload',
      from_status: 'DRAIN',
      to_status: 'UP',
      admin_from: 'drain',
      admin_to: 'ready',
    });
    expect(reconciled).toMatchObject({
      cause: 'reconcile',
      from_status: 'UP',
      to_status: 'DRAIN',
      admin_from: 'ready',
      admin_to: 'drain',
    });
    const [plainReconciled, plainReloaded] = await stack.history(plain.id);
    expect([plainReloaded.cause, plainReconciled.cause]).toEqual(['reload', 'reconcile']);
    expect((await stack.actions(checked.id))[0]).toMatchObject({
      command: 'drain',
      source: 'reconcile',
      actor: 'system:reconcile',
      success: true,
    });

    // Repaired: the next sync finds nothing to do.
    expect(await stack.sync()).toMatchObject({ status: 'ok', restarted: false, drifting: 0, reapplied: null });
  });

  it('with the alert policy a reload only records the drift: visible on the server, HAProxy left alone', async () => {
    const res = await stack.service.call('PATCH', `/api/haproxy/instances/${stack.instanceId}`, {
      body: { reconcile_policy: 'alert' },
    });
    expect(res.body.reconcile_policy).toBe('alert');
    const checked = await stack.server('web', 'checked');
    await stack.haproxy.reload();
    await stack.haproxy.waitForStatus('web', 'checked', 'UP');
    expect(await stack.sync()).toMatchObject({ status: 'ok', restarted: true, drifting: 2, reapplied: null });
    expect(await adminStates(stack.haproxy, 'web')).toEqual({ checked: 'ready', plain: 'ready' });
    expect((await stack.server('web', 'checked')).drift).toMatchObject({
      desired: 'drain',
      actual: 'ready',
      cause: 'reload',
      policy: 'alert',
      attempts: 0,
    });
    expect((await stack.actions(checked.id))[0].source).toBe('reconcile'); // the earlier re-apply, nothing newer
    const instance = await stack.instance();
    expect(instance.haproxy).toMatchObject({ pid: stack.haproxy.pid, version: expect.stringMatching(/^2\./) });
  });
});
