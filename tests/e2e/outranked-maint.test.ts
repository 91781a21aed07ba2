import { adminStates, Stack, startStack, webBackend } from './support';

/**
 * A maintenance that is not the operator's to lift: a server tracking another (`track`) inherits its
 * maintenance, and a server whose name does not resolve (`init-addr none`) stays in MAINT (resolution).
 * HAProxy takes commands for both, but shows them only when that maintenance ends: the audit row says so.
 */
describe('commands on servers held in maintenance by HAProxy', () => {
  let stack: Stack;

  beforeAll(async () => {
    const web = webBackend((u) => [
      { name: 'a', address: u.healthy.address, options: 'check' },
      { name: 'b', address: u.healthy.address, options: 'track web/a' },
    ]);
    stack = await startStack({
      haproxy: (u) => ({
        ...web(u),
        extra: ['backend dns', '  server-template dyn 1-2 unresolvable.invalid:80 init-addr none check'].join('\n'),
      }),
    });
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    await stack.sync();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a ready to a server whose address does not resolve is audited with why it still shows MAINT', async () => {
    const dyn = await stack.server('dns', 'dyn1');
    expect([dyn.status, dyn.admin_state, dyn.maint_source]).toEqual(['MAINT', 'maint', 'resolution']);

    const res = await stack.command(dyn.id, 'ready', { reason: 'address fixed?' });
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ result: 'success', status_after: 'MAINT' });
    expect(res.body.action.note).toBe(
      'HAProxy took ready, but shows "MAINT (resolution)": its address does not resolve; ready shows when that ends'
    );
    // The orchestrator's bulk answer carries the same note, server by server.
    const dyn2 = await stack.server('dns', 'dyn2');
    const bulk = await stack.service.call('POST', '/api/haproxy/commands/bulk', {
      token: stack.service.tokens.operator,
      body: { command: 'drain', server_ids: [dyn.id, dyn2.id], reason: 'deploy' },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { ok: boolean; note?: string }) => [r.ok, r.note])).toEqual(
      [dyn, dyn2].map(() => [
        true,
        'HAProxy took drain, but shows "MAINT (resolution)": its address does not resolve; drain shows when that ends',
      ])
    );
    // Not a drift: the maintenance is HAProxy's, not a lost operator's state.
    const answer = await stack.sync();
    expect(answer.drifting).toBe(0);
    expect((await stack.server('dns', 'dyn1')).drift).toBeNull();
  });

  it('the budget counts a server that tracks another as going out with it, as HAProxy takes it out', async () => {
    const [a, b] = [await stack.server('web', 'a'), await stack.server('web', 'b')];
    expect(b).toMatchObject({ tracks: 'web/a' });
    const budget = await stack.service.call('PUT', `/api/haproxy/backends/${a.backend_id}/budget`, {
      token: stack.service.tokens.admin,
      body: { min_available: 1 },
    });
    expect(budget.status).toBe(200);

    // a alone would leave b; b follows a, so nothing would be left.
    const refused = await stack.command(a.id, 'drain', { reason: 'deploy' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'backend web of lb-1: 2 available, minimum 1; refused a (with web/b, which track it)'
    );
    expect((await adminStates(stack.haproxy, 'web')).a).toBe('ready');

    // Forced, HAProxy indeed takes both out.
    expect((await stack.command(a.id, 'drain', { reason: 'both go', force: true })).status).toBe(200);
    expect(await adminStates(stack.haproxy, 'web')).toMatchObject({ a: 'drain', b: 'drain' });
    // b's own ready cannot lift a drain that comes down the track: the audit row says why.
    const readyB = await stack.command(b.id, 'ready', { reason: 'b alone' });
    expect(readyB.body.action.note).toBe(
      'HAProxy took ready, but shows "DRAIN": the server it tracks (web/a) is drained; ready shows when that ends'
    );
    expect((await stack.command(a.id, 'ready', { reason: 'back' })).status).toBe(200);
    await stack.service.call('DELETE', `/api/haproxy/backends/${a.backend_id}/budget`, {
      token: stack.service.tokens.admin,
    });
  });

  it('a ready to a server that tracks one in maintenance is audited with why, and shows once that ends', async () => {
    const [a, b] = [await stack.server('web', 'a'), await stack.server('web', 'b')];
    expect((await stack.command(a.id, 'maint', { reason: 'tracked', force: true })).status).toBe(200);
    expect((await stack.command(b.id, 'maint', { reason: 'both', force: true })).status).toBe(200);

    const ready = await stack.command(b.id, 'ready', { reason: 'b back' });
    expect(ready.status).toBe(200);
    expect(ready.body.action.note).toBe(
      'HAProxy took ready, but shows "MAINT (via web/a)": the server it tracks (web/a) is in maintenance; ready shows when that ends'
    );
    const back = await stack.command(a.id, 'ready', { reason: 'a back' });
    expect(back.body.action).toMatchObject({ status_after: 'UP', note: null });
    await stack.haproxy.waitForStatus('web', 'b', 'UP');
  });
});
