import { parseServersState } from '../../backend/src/agent/servers-state';
import { ActionRow, eventually, HEALTH_CHECK, Stack, startStack } from './support';

/**
 * A ready job's ramp against HAProxy's own weight rules: `set weight b/s 10%` rounds the configured weight down
 * (to 0 for a server of weight 1, HAProxy's default), and a backend with a static algorithm takes no weight but
 * 0% and 100%. The ramp sets absolute weights from the configured one, and a static backend's server is returned
 * at its full weight rather than left in maint.
 */
describe('a ramp on real HAProxy weights', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: (u) => ({
        backends: [
          {
            name: 'web',
            lines: HEALTH_CHECK,
            servers: [
              { name: 'one', address: u.healthy.address, options: 'check' },
              { name: 'ten', address: u.healthy.address, options: 'check weight 10' },
            ],
          },
          {
            name: 'fixed',
            lines: [...HEALTH_CHECK, 'balance static-rr'],
            servers: [
              { name: 'st', address: u.healthy.address, options: 'check weight 10' },
              { name: 'other', address: u.healthy.address, options: 'check' },
            ],
          },
        ],
      }),
      service: { operationPollMs: 100 },
    });
    await stack.haproxy.waitForStatus('web', 'one', 'UP');
    await stack.haproxy.waitForStatus('web', 'ten', 'UP');
    await stack.haproxy.waitForStatus('fixed', 'st', 'UP');
    expect((await stack.sync()).status).toBe('ok');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * Sets the server to maint, returns it with a ramp of [10, 25, 50, 100] (1 s apart), and samples HAProxy's own
   * admin state and weight of it until the job ends: the job, and each distinct (admin state, weight) seen.
   */
  async function rampBack(backend: string, name: string) {
    const server = await stack.server(backend, name);
    expect((await stack.command(server.id, 'maint')).status).toBe(200);
    const res = await stack.command(server.id, 'ready', { ramp: { steps: [10, 25, 50, 100], interval_s: 1 } });
    expect(res.status).toBe(202);
    const id = res.body.operation.id as string;
    const seen: Array<[string, number]> = [];
    const op = await eventually(
      async () => {
        const rows = parseServersState(await stack.haproxy.runtime(`show servers state ${backend}`));
        const row = rows.find((r) => r.server === name)!;
        const last = seen[seen.length - 1];
        if (!last || last[0] !== row.adminState || last[1] !== row.weight) {
          seen.push([row.adminState, row.weight]);
        }
        const body = (await stack.service.call('GET', `/api/haproxy/operations/${id}`)).body;
        return body.state !== 'queued' && body.state !== 'running' && body;
      },
      `the ramp of ${backend}/${name} to finish`,
      20_000
    );
    const [row] = parseServersState(await stack.haproxy.runtime(`show servers state ${backend}`)).filter(
      (r) => r.server === name
    );
    return { server, op, seen, now: { adminState: row.adminState, weight: row.weight } };
  }

  it('a server of weight 1 (the default) is ready at weight 1 at once: never back in service at weight 0', async () => {
    const { op, seen, now } = await rampBack('web', 'one');
    expect(op.state).toBe('succeeded');
    expect(op.servers[0]).toMatchObject({
      state: 'done',
      weight: 1,
      note: 'weight 1 cannot ramp: HAProxy weights are whole numbers',
    });
    expect(seen.filter(([admin]) => admin === 'ready')).toEqual([['ready', 1]]);
    expect(now).toEqual({ adminState: 'ready', weight: 1 });
  });

  it('a server of weight 10 ramps 1, 2, 5, 10, set as absolute weights', async () => {
    const { server, op, seen } = await rampBack('web', 'ten');
    expect(op.state).toBe('succeeded');
    expect(op.servers[0]).toMatchObject({ state: 'done', weight: 10 });
    expect(seen.filter(([admin]) => admin === 'ready')).toEqual([
      ['ready', 1],
      ['ready', 2],
      ['ready', 5],
      ['ready', 10],
    ]);
    // The audit row's note says the setting sent: absolute, not a percentage.
    const weights = (await stack.actions(server.id)).filter((a) => a.command === 'weight').reverse();
    expect(weights.map((a) => (a as ActionRow & { note: string | null }).note)).toEqual([
      'weight 1: HAProxy reports 1',
      'weight 2: HAProxy reports 2',
      'weight 5: HAProxy reports 5',
      'weight 10: HAProxy reports 10',
    ]);
  });

  it('a `balance static-rr` server (no partial weights) is returned at its full weight, not left in maint', async () => {
    const { server, op, now } = await rampBack('fixed', 'st');
    expect(op.state).toBe('succeeded');
    expect(op.servers[0]).toMatchObject({
      state: 'done',
      error: null,
      note: "HAProxy's balance algorithm of this backend takes no partial weights: ready at its full weight, not ramped",
    });
    expect(now).toEqual({ adminState: 'ready', weight: 10 });
    // The refused weight is audited as HAProxy's refusal; then ready.
    const rows = (await stack.actions(server.id)).reverse();
    expect(rows.map((a) => [a.command, a.result])).toEqual([
      ['maint', 'success'],
      ['weight', 'failure'],
      ['ready', 'success'],
    ]);
    expect(rows[1].error).toMatch(/static LB algorithm/);
  });
});
