import { get } from 'node:http';
import { freePort, startUpstream, Upstream } from '../../backend/test/support/haproxy';
import { adminStates, HEALTH_CHECK, Stack, startStack } from './support';

/**
 * A budget counts what serves, as HAProxy routes: a backup server gets the traffic only once no active server can
 * take it. Checked with requests through a real HAProxy frontend: which upstream answers is who serves.
 */
describe('a disruption budget over a backend with a backup server', () => {
  let spare: Upstream;
  let port: number;
  let stack: Stack;

  /** The label of the upstream that answers a request through HAProxy ("healthy" or "spare"), or the status. */
  const servedBy = () =>
    new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/`, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? body.split(' ')[0] : String(res.statusCode)));
      }).on('error', reject);
    });

  beforeAll(async () => {
    [spare, port] = await Promise.all([startUpstream({ label: 'spare' }), freePort()]);
    stack = await startStack({
      haproxy: (u) => ({
        frontends: [{ name: 'fe', bind: `127.0.0.1:${port}`, backend: 'web' }],
        backends: [
          {
            name: 'web',
            lines: HEALTH_CHECK,
            servers: [
              { name: 'a', address: u.healthy.address, options: 'check' },
              { name: 'b', address: u.healthy.address, options: 'check' },
              { name: 'spare', address: spare.address, options: 'check backup' },
            ],
          },
        ],
      }),
    });
    await Promise.all(['a', 'b', 'spare'].map((s) => stack.haproxy.waitForStatus('web', s, 'UP')));
    await stack.sync();
  });

  afterAll(async () => {
    await stack?.stop();
    await spare?.stop();
  });

  it('lets the last active server go as the backup takes over, then keeps the backup, the last one serving', async () => {
    const [a, b, s] = [
      await stack.server('web', 'a'),
      await stack.server('web', 'b'),
      await stack.server('web', 'spare'),
    ];
    expect(s.backup).toBe(true);
    const budget = await stack.service.call('PUT', `/api/haproxy/backends/${a.backend_id}/budget`, {
      token: stack.service.tokens.admin,
      body: { min_available: 1 },
    });
    expect(budget.body).toMatchObject({ servers_counted: 2, available: 2, ok: true });
    expect(await servedBy()).toBe('healthy');

    // The backup takes no traffic while a or b serves: its drain lowers nothing.
    expect((await stack.command(s.id, 'drain', { reason: 'patch the spare' })).status).toBe(200);
    expect((await stack.command(s.id, 'ready', { reason: 'patched' })).status).toBe(200);

    expect((await stack.command(a.id, 'drain', { reason: 'deploy' })).status).toBe(200);
    expect((await stack.command(b.id, 'drain', { reason: 'deploy' })).status).toBe(200);
    expect(await adminStates(stack.haproxy, 'web')).toMatchObject({ a: 'drain', b: 'drain', spare: 'ready' });
    // HAProxy indeed sends the traffic to the backup now.
    expect(await servedBy()).toBe('spare');
    await stack.sync();
    const now = await stack.service.call('GET', `/api/haproxy/backends/${a.backend_id}/budget`);
    expect(now.body).toMatchObject({ servers_counted: 2, available: 1, ok: true });

    const refused = await stack.command(s.id, 'maint', { reason: 'too far' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('backend web of lb-1: 1 available, minimum 1; refused spare');
    expect((await adminStates(stack.haproxy, 'web')).spare).toBe('ready');
    expect(await servedBy()).toBe('spare');
  });
});
