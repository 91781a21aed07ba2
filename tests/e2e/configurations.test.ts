import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServersState } from '../../backend/src/agent/servers-state';
import { freePort } from '../../backend/test/support/haproxy';
import { adminStates, eventually, Stack, startStack, StoredServer, Upstreams } from './support';

/**
 * HAProxy configurations beyond plain `backend` sections, through the whole chain: `listen` sections, `mode tcp`,
 * backup, disabled and tracking servers, IPv6 and unix-socket addresses, `server-template` slots that never
 * resolve, a backend without servers, balance variants, two threads, and servers added and deleted at runtime.
 * What is stored must be what HAProxy's own `show stat` and `show servers state` say, and drain / ready / maint
 * through the REST API must reach each of them.
 */

const TCP = 'tcp.be:1_x-y';
const config = (u: Upstreams, listenPort: number) => ({
  backends: [
    {
      name: TCP,
      lines: ['mode tcp', 'balance leastconn'],
      servers: [
        { name: 'A.b:c-d_e', address: u.healthy.address, options: 'check' },
        { name: 'six', address: `[::1]:${u.healthy.address.split(':')[1]}` },
        { name: 'ux', address: `unix@${join(tmpdir(), 'haproxy-control-nothing-listens.sock')}` },
        { name: 'dis', address: u.healthy.address, options: 'disabled' },
        { name: 'tr', address: u.healthy.address, options: `track ${TCP}/A.b:c-d_e` },
      ],
    },
    { name: 'empty', servers: [] },
    {
      name: 'dyn',
      lines: ['balance roundrobin'],
      servers: [
        { name: 'd1', address: u.healthy.address },
        { name: 'd2', address: u.healthy.address },
      ],
    },
  ],
  extra: [
    'global',
    '  nbthread 2',
    '',
    'listen lst',
    `  bind 127.0.0.1:${listenPort}`,
    '  balance source',
    '  option httpchk GET /health',
    `  server s1 ${u.healthy.address} check`,
    `  server spare ${u.deadAddress} check backup`,
    '',
    'backend tmpl',
    '  balance first',
    '  server-template t 2 unresolvable.invalid:80 init-addr none',
  ].join('\n'),
});

describe('other HAProxy configurations', () => {
  let stack: Stack;
  const key = (s: { backend: string; name: string }) => `${s.backend}/${s.name}`;

  /** Stored servers against HAProxy's own dumps, field by field. */
  async function expectStoredAsHaproxySays(): Promise<Map<string, StoredServer>> {
    const stored = new Map((await stack.servers()).map((s) => [`${s.backend_name}/${s.server_name}`, s]));
    const stats = await stack.haproxy.serverStats();
    const states = new Map(
      parseServersState(await stack.haproxy.runtime('show servers state')).map((r) => [`${r.backend}/${r.server}`, r])
    );
    expect([...stored.keys()].sort()).toEqual(stats.map(key).sort());
    for (const stat of stats) {
      const s = stored.get(key(stat));
      const state = states.get(key(stat));
      expect({
        key: key(stat),
        address: s?.address,
        raw: s?.raw_status,
        weight: s?.weight,
        admin: s?.admin_state,
        maint: s?.maint_source,
        operational: s?.operational_state,
        tracks: s?.tracks,
        backup: s?.backup,
      }).toEqual({
        key: key(stat),
        address: stat.address,
        raw: stat.status,
        weight: state?.weight,
        admin: state?.adminState,
        maint: state?.maintSource,
        operational: state?.operationalState,
        tracks: stat.tracked,
        backup: stat.backup,
      });
    }
    return stored;
  }

  beforeAll(async () => {
    const listenPort = await freePort();
    stack = await startStack({ instanceName: 'lb:cfg.1', haproxy: (u) => config(u, listenPort) });
    await stack.haproxy.waitForStatus('lst', 's1', 'UP');
    await stack.haproxy.waitForStatus('lst', 'spare', 'DOWN');
    await stack.haproxy.waitForStatus(TCP, 'A.b:c-d_e', 'UP');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('sync stores every proxy with servers, and the one without, exactly as show stat says', async () => {
    expect(await stack.sync()).toMatchObject({ status: 'ok', backends: 5, servers: 11 });
    const stored = await expectStoredAsHaproxySays();
    expect(stored.get(`${TCP}/six`)?.address).toMatch(/^\[::1\]:\d+$/);
    expect(stored.get(`${TCP}/dis`)).toMatchObject({ status: 'MAINT', admin_state: 'maint', maint_source: 'config' });
    expect(stored.get('tmpl/t1')).toMatchObject({ status: 'MAINT', maint_source: 'resolution' });
    expect(stored.get('lst/spare')).toMatchObject({ status: 'DOWN', operational_state: 'down', backup: true });
    expect(stored.get('lst/s1')?.backup).toBe(false);
    expect(stored.get(`${TCP}/tr`)?.tracks).toBe(`${TCP}/A.b:c-d_e`);
    const backends = (await stack.service.call('GET', `/api/haproxy/instances/${stack.instanceId}/backends`)).body
      .backends as Array<{ backend_name: string }>;
    expect(backends.map((b) => b.backend_name).sort()).toEqual(['dyn', 'empty', 'lst', TCP, 'tmpl'].sort());
  });

  it.each([
    ['lst', 's1'],
    [TCP, 'six'],
    [TCP, 'ux'],
    [TCP, 'tr'],
  ])('drain, maint and ready through the API reach %s/%s', async (backend, name) => {
    const srv = await stack.server(backend, name);
    for (const [command, admin] of [
      ['drain', 'drain'],
      ['maint', 'maint'],
      ['ready', 'ready'],
    ] as const) {
      const res = await stack.command(srv.id, command);
      expect([command, res.status]).toEqual([command, 200]);
      expect((await adminStates(stack.haproxy, backend))[name]).toBe(admin);
    }
    expect(await stack.sync()).toMatchObject({ status: 'ok' });
    await expectStoredAsHaproxySays();
  });

  it('a server added at runtime is synced and commanded; deleted at runtime, it is removed', async () => {
    const address = stack.upstreams.healthy.address;
    expect(await stack.haproxy.runtime(`add server dyn/d3 ${address} weight 5`)).toMatch(/New server registered/);
    expect(await stack.haproxy.runtime('enable server dyn/d3')).toBe('\n');
    expect(await stack.sync()).toMatchObject({ status: 'ok', servers: 12 });
    await expectStoredAsHaproxySays();
    const d3 = await stack.server('dyn', 'd3');
    expect(d3).toMatchObject({ weight: 5, admin_state: 'ready' });

    expect((await stack.command(d3.id, 'drain')).status).toBe(200);
    expect((await adminStates(stack.haproxy, 'dyn')).d3).toBe('drain');
    expect((await stack.command(d3.id, 'maint')).status).toBe(200);

    expect(await stack.haproxy.runtime('del server dyn/d3')).toMatch(/Server deleted/);
    expect(await stack.sync()).toMatchObject({ status: 'ok', servers: 11, removals_held: false });
    await expectStoredAsHaproxySays();
    await expect(stack.server('dyn', 'd3')).rejects.toThrow(/not in the API's list/);

    // The same name added again is the same row, back in place.
    expect(await stack.haproxy.runtime(`add server dyn/d3 ${address}`)).toMatch(/New server registered/);
    expect(await stack.sync()).toMatchObject({ status: 'ok', servers: 12 });
    expect((await eventually(() => stack.server('dyn', 'd3'), 'd3 back')).id).toBe(d3.id);
    await expectStoredAsHaproxySays();
  });
});
