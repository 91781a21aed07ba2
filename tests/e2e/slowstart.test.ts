import { parseServersState } from '../../backend/src/agent/servers-state';
import { eventually, HEALTH_CHECK, Stack, startStack } from './support';

/**
 * `slowstart`: a server that comes back (from maint, or from failing checks) is `starting` while HAProxy ramps
 * its effective weight. It takes traffic, so a job's ramp goes on through it rather than pausing as for a DOWN
 * server, and the operator's weight (srv_uweight) is what is stored, not HAProxy's ramp.
 */
describe('servers with slowstart', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: (u) => ({
        backends: [
          {
            name: 'web',
            lines: HEALTH_CHECK,
            servers: [
              // Longer than the test: without its fix the ramp waited for the whole slowstart.
              { name: 'slow', address: u.healthy.address, options: 'check weight 40 slowstart 120s' },
              { name: 'other', address: u.healthy.address, options: 'check' },
            ],
          },
        ],
      }),
      service: { operationPollMs: 100 },
    });
    await stack.haproxy.waitForStatus('web', 'slow', 'UP');
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a ready with a ramp goes through the slowstart: steps, not "ramp paused: the server is down"', async () => {
    const slow = await stack.server('web', 'slow');
    expect((await stack.command(slow.id, 'maint')).status).toBe(200);
    const res = await stack.command(slow.id, 'ready', { ramp: { steps: [25, 50, 100], interval_s: 1 } });
    expect(res.status).toBe(202);
    const id = res.body.operation.id as string;

    const op = await eventually(
      async () => {
        const body = (await stack.service.call('GET', `/api/haproxy/operations/${id}`)).body;
        return body.state !== 'queued' && body.state !== 'running' && body;
      },
      'the ramp to finish',
      15_000
    );
    expect(op.state).toBe('succeeded');
    expect(op.servers[0]).toMatchObject({ state: 'done', weight: 40 });
    // HAProxy is still ramping its own effective weight: the server is starting, at the operator's full weight.
    const [row] = parseServersState(await stack.haproxy.runtime('show servers state web'));
    expect(row).toMatchObject({ server: 'slow', operationalState: 'starting', adminState: 'ready', weight: 40 });

    expect(await stack.sync()).toMatchObject({ status: 'ok', drifting: 0 });
    expect(await stack.server('web', 'slow')).toMatchObject({
      status: 'UP',
      admin_state: 'ready',
      operational_state: 'starting',
      weight: 40,
      initial_weight: 40,
      drift: null,
    });
  });
});
