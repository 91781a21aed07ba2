import { HEALTH_CHECK as HEALTH, Stack, startStack } from './support';

describe('sync stores what HAProxy reports', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      haproxy: (u) => ({
        backends: [
          {
            name: 'web',
            lines: HEALTH,
            servers: [
              { name: 'up', address: u.healthy.address, options: 'check weight 7 maxconn 50' },
              { name: 'down-http', address: u.failing.address, options: 'check' },
              { name: 'down-tcp', address: u.deadAddress, options: 'check' },
              { name: 'maint', address: u.healthy.address, options: 'check disabled' },
              { name: 'plain', address: u.healthy.address },
              { name: 'spare', address: u.healthy.address, options: 'check backup' },
            ],
          },
          { name: 'api', lines: HEALTH, servers: [{ name: 'a1', address: u.healthy.address, options: 'check' }] },
        ],
      }),
    });
    // Health checks run every 200 ms: wait until HAProxy itself has settled every checked server.
    const settle: Array<[string, string, string]> = [
      ['web', 'up', 'UP'],
      ['web', 'down-http', 'DOWN'],
      ['web', 'down-tcp', 'DOWN'],
      ['web', 'spare', 'UP'],
      ['api', 'a1', 'UP'],
    ];
    await Promise.all(settle.map(([b, s, status]) => stack.haproxy.waitForStatus(b, s, status)));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stores every backend and server with its normalised and raw status, address, weight and limit', async () => {
    const answer = await stack.sync();
    expect(answer).toMatchObject({ status: 'ok', error: null, backends: 2, servers: 7, changed_servers: 7 });

    const stored = await stack.servers();
    const byKey = new Map(stored.map((s) => [`${s.backend_name}/${s.server_name}`, s]));
    expect([...byKey.keys()].sort()).toEqual(
      ['api/a1', 'web/down-http', 'web/down-tcp', 'web/maint', 'web/plain', 'web/spare', 'web/up'].sort()
    );
    const expected: Record<string, [status: string, raw: string]> = {
      'web/up': ['UP', 'UP'],
      'web/down-http': ['DOWN', 'DOWN'],
      'web/down-tcp': ['DOWN', 'DOWN'],
      'web/maint': ['MAINT', 'MAINT'],
      'web/plain': ['UP', 'no check'], // takes traffic without checks: UP, HAProxy's words kept
      'web/spare': ['UP', 'UP'],
      'api/a1': ['UP', 'UP'],
    };
    for (const [key, [status, raw]] of Object.entries(expected)) {
      expect([key, byKey.get(key)?.status, byKey.get(key)?.raw_status]).toEqual([key, status, raw]);
    }

    // Field by field against HAProxy's own `show stat`, not against the agent's answer.
    for (const stat of await stack.haproxy.serverStats()) {
      const s = byKey.get(`${stat.backend}/${stat.name}`);
      expect({
        key: `${stat.backend}/${stat.name}`,
        address: s?.address,
        raw: s?.raw_status,
        weight: s?.weight,
      }).toEqual({
        key: `${stat.backend}/${stat.name}`,
        address: stat.address,
        raw: stat.status,
        weight: stat.weight,
      });
    }
    expect(byKey.get('web/up')).toMatchObject({
      address: stack.upstreams.healthy.address,
      weight: 7,
      max_sessions: 50,
    });
    expect(byKey.get('web/down-tcp')?.address).toBe(stack.upstreams.deadAddress);
  });

  it('lists both backends with their status counts', async () => {
    const res = await stack.service.call('GET', `/api/haproxy/instances/${stack.instanceId}/backends`);
    expect(res.status).toBe(200);
    const counts = Object.fromEntries(
      res.body.backends.map((b: { backend_name: string; status_counts: unknown }) => [b.backend_name, b.status_counts])
    );
    expect(counts).toEqual({
      api: { UP: 1, DOWN: 0, DRAIN: 0, MAINT: 0, NOLB: 0, UNKNOWN: 0 },
      web: { UP: 3, DOWN: 2, DRAIN: 0, MAINT: 1, NOLB: 0, UNKNOWN: 0 },
    });
    expect(await stack.instance()).toMatchObject({
      backend_count: 2,
      server_count: 7,
      last_sync_success: true,
      last_sync_error: null,
    });
  });

  it('a second sync of an unchanged HAProxy changes nothing and adds no history', async () => {
    const before = await stack.servers();
    expect(await stack.sync()).toMatchObject({ status: 'ok', changed_servers: 0 });
    expect(await stack.servers()).toEqual(before);
    for (const s of before) {
      const history = await stack.history(s.id);
      expect(history.map((h) => [s.server_name, h.from_status, h.to_status, h.cause])).toEqual([
        [s.server_name, null, s.status, 'sync'],
      ]);
    }
  });
});
