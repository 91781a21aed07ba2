import { parseServersState, SRV_ADMF } from '../../backend/src/agent/servers-state';
import { eventually, Stack, startStack, webBackend } from './support';

/**
 * A drain passed down `track`: HAProxy drains a server that tracks a drained one (IDRAIN), and lifts it when
 * that one is ready again. Nobody drained the tracking server itself: its drain is no intent to adopt or
 * to re-send after a reload, where it would become a drain of its own that outlives the tracked server's.
 */
describe('a drain inherited through track', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: webBackend((u) => [
        { name: 'a', address: u.healthy.address, options: 'check' },
        { name: 'b', address: u.healthy.address, options: 'track web/a' },
        { name: 'c', address: u.healthy.address, options: 'check' },
      ]),
      service: { operationPollMs: 100 },
    });
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    await stack.sync();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** HAProxy's own admin flags of a server, on its socket. */
  const flags = async (server: string) =>
    parseServersState(await stack.haproxy.runtime('show servers state web')).find((r) => r.server === server)
      ?.adminFlags;

  it('is shown as inherited, not adopted, not re-applied after a reload, and ends with the tracked drain', async () => {
    const a = await stack.server('web', 'a');
    expect((await stack.command(a.id, 'drain', { reason: 'CHG-7', force: true })).status).toBe(200);
    expect(await flags('b')).toBe(SRV_ADMF.IDRAIN);
    await stack.sync();
    const b = await stack.server('web', 'b');
    expect(b).toMatchObject({ status: 'DRAIN', admin_state: 'drain', maint_source: 'inherited', desired: null });
    expect((await stack.history(b.id)).map((h) => h.cause)).not.toContain('external');

    await stack.haproxy.reload();
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    // Only a's drain is sent again; HAProxy passes it down to b.
    expect(await stack.sync()).toMatchObject({ restarted: true, drifting: 1, reapplied: 1 });
    expect(await stack.actions(b.id)).toEqual([]);
    expect(await flags('b')).toBe(SRV_ADMF.IDRAIN);

    expect((await stack.command(a.id, 'ready', { reason: 'done' })).status).toBe(200);
    expect(await flags('b')).toBe(0);
    await stack.haproxy.waitForStatus('web', 'b', 'UP');
    await stack.sync();
    expect(await stack.server('web', 'b')).toMatchObject({ status: 'UP', admin_state: 'ready', maint_source: null });
  });

  it("a tracking server's own drain is still an intent, kept across a reload", async () => {
    const b = await stack.server('web', 'b');
    expect((await stack.command(b.id, 'drain', { reason: 'b alone' })).status).toBe(200);
    expect(await stack.server('web', 'b')).toMatchObject({ admin_state: 'drain', maint_source: null });
    await stack.haproxy.reload();
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    expect(await stack.sync()).toMatchObject({ restarted: true, drifting: 1, reapplied: 1 });
    expect(await flags('b')).toBe(SRV_ADMF.FDRAIN);
    expect((await stack.command(b.id, 'ready')).status).toBe(200);
  });

  it('a drain job on a server whose maint or drain is inherited sends its own: it stays out when the tracked one returns', async () => {
    const [a, b] = [await stack.server('web', 'a'), await stack.server('web', 'b')];
    const job = async (body: Record<string, unknown>) => {
      const res = await stack.service.call('POST', '/api/haproxy/operations', {
        token: stack.service.tokens.operator,
        body: { action: 'drain', server_ids: [b.id], force: true, reason: 'deploy b', ...body },
      });
      expect(res.status).toBe(202);
      return eventually(async () => {
        const op = (await stack.service.call('GET', `/api/haproxy/operations/${res.body.id}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(op.state) && op;
      }, 'the job to finish');
    };

    for (const [inherited, then, own] of [
      ['maint', 'maint', SRV_ADMF.FMAINT],
      ['drain', null, SRV_ADMF.FDRAIN],
    ] as const) {
      expect((await stack.command(a.id, inherited, { reason: 'a alone', force: true })).status).toBe(200);
      await stack.sync();
      expect(await stack.server('web', 'b')).toMatchObject({ admin_state: inherited, maint_source: 'inherited' });
      expect(await job({ then })).toMatchObject({ state: 'succeeded' });
      expect((await stack.command(a.id, 'ready')).status).toBe(200);
      // b's own drain or maint is HAProxy's, not a's passed down, so a's return does not bring b back.
      expect(await flags('b')).toBe(own);
      expect((await stack.command(b.id, 'ready')).status).toBe(200);
    }
  });
});
