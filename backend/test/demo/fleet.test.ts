import { DemoFleet, startDemoFleet } from '../../src/demo/fleet';

interface AgentServer {
  name: string;
  address: string;
  status: string;
  backup: boolean;
  weight: number;
  admin_state: string;
  maint_source: string | null;
  operational_state: string;
}

describe('demo fleet', () => {
  let fleet: DemoFleet;

  const agentGet = async (path: string) => {
    const res = await fetch(`${fleet.agentUrl}${path}`, { headers: { authorization: `Bearer ${fleet.agentToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      success: true;
      backends?: Array<string | { name: string; servers: AgentServer[] }>;
      servers?: AgentServer[];
    };
  };

  beforeAll(async () => {
    fleet = await startDemoFleet({ checkIntervalMs: 200, settleTimeoutMs: 30_000 });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('runs three HAProxy instances behind one agent', async () => {
    expect(fleet.instances.map((i) => i.name)).toEqual(['edge-1', 'edge-2.eu', 'internal_3']);
    for (const instance of fleet.instances) {
      const { backends } = await agentGet(`/api/haproxy/${encodeURIComponent(instance.name)}/backends`);
      expect(backends).toEqual(instance.backends.map((b) => b.name));
    }
  });

  it('reaches the statuses it promises: UP, DOWN, MAINT, inherited MAINT, no check and backups', async () => {
    const expected = fleet.instances.flatMap((i) =>
      i.backends.flatMap((b) => b.servers.map((s) => ({ ...s, key: `${i.name} ${b.name}/${s.name}` })))
    );
    expect(new Set(expected.map((s) => s.expectedStatus))).toEqual(
      new Set(['UP', 'DOWN', 'MAINT', 'no check', 'MAINT (via shop/shop-4)'])
    );
    expect(expected.some((s) => s.backup)).toBe(true);

    // startDemoFleet waits for the first health checks, so the promised statuses hold right away.
    const got: Record<string, { status: string; address: string; backup: boolean }> = {};
    for (const i of fleet.instances) {
      for (const b of i.backends) {
        const { servers } = await agentGet(
          `/api/haproxy/${encodeURIComponent(i.name)}/backends/${encodeURIComponent(b.name)}/servers`
        );
        for (const s of servers ?? []) {
          got[`${i.name} ${b.name}/${s.name}`] = { status: s.status, address: s.address, backup: s.backup };
        }
      }
    }
    const want = Object.fromEntries(
      expected.map((s) => [s.key, { status: s.expectedStatus, address: s.address, backup: s.backup }])
    );
    expect(got).toEqual(want);
  });

  it('shows the state facts: a backend without servers, inherited maint, weight 0', async () => {
    const state = await agentGet('/api/haproxy/internal_3/state');
    const backends = state.backends as Array<{ name: string; servers: AgentServer[] }>;
    expect(backends.find((b) => b.name === 'payments')).toEqual({ name: 'payments', servers: [] });
    expect(backends.find((b) => b.name === 'static')?.servers.find((s) => s.name === 'static-4')).toMatchObject({
      status: 'UP',
      weight: 0,
      admin_state: 'ready',
      operational_state: 'up',
    });
    const { servers } = await agentGet('/api/haproxy/edge-1/backends/shop/servers');
    const bySource = Object.fromEntries((servers ?? []).map((s) => [s.name, [s.admin_state, s.maint_source]]));
    expect(bySource['shop-4']).toEqual(['maint', 'config']);
    expect(bySource['shop-5']).toEqual(['maint', 'inherited']);
  });

  it('puts application servers on the app hosts so auto-mapping has something to map', () => {
    const appAddresses = new Set(fleet.appHosts.map((h) => h.address));
    const hostsOfServers = new Set(
      fleet.instances.flatMap((i) => i.backends.flatMap((b) => b.servers.map((s) => s.address.split(':')[0])))
    );
    for (const address of appAddresses) {
      expect(hostsOfServers).toContain(address);
    }
  });

  it('serves traffic through the frontends', async () => {
    const shop = fleet.instances[0].backends.find((b) => b.name === 'shop');
    const res = await fetch(shop!.frontendUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^shop-/);
  });
});
