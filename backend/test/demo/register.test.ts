import { parseServersState } from '../../src/agent/servers-state';
import { driftSummary, showDriftAndRepair } from '../../src/demo/drift';
import { DemoFleet, startDemoFleet } from '../../src/demo/fleet';
import { demoRegistrationPlan, registerDemoFleet } from '../../src/demo/register';
import { startTestService, TestService } from '../support/service';

interface StoredServer {
  instance_name: string;
  backend_name: string;
  server_name: string;
  raw_status: string;
  application_name: string | null;
  mapping_kind: string | null;
}

describe('demoRegistrationPlan', () => {
  it('puts instances on HAProxy hosts and applications on the hosts their servers live on', () => {
    const plan = demoRegistrationPlan({
      agentUrl: 'http://127.0.0.1:9102',
      agentToken: 'agent-token',
      instances: [
        { name: 'edge-1', hostName: 'demo-lb-1', socketPath: '/tmp/a.sock' },
        { name: 'edge-2', hostName: 'demo-lb-1', socketPath: '/tmp/b.sock' },
      ],
      appHosts: [{ name: 'demo-app-2', address: '127.0.0.3', applications: ['api', 'auth'] }],
    });
    const agent = { fagent_url: 'http://127.0.0.1:9102', fagent_token: 'agent-token' };
    expect(plan).toEqual({
      hosts: [
        { name: 'demo-lb-1', address: '127.0.0.1', ...agent },
        { name: 'demo-app-2', address: '127.0.0.3', ...agent },
      ],
      instances: [
        { host: 'demo-lb-1', name: 'edge-1', socket_path: '/tmp/a.sock' },
        { host: 'demo-lb-1', name: 'edge-2', socket_path: '/tmp/b.sock' },
      ],
      applications: [
        { host: 'demo-app-2', name: 'api' },
        { host: 'demo-app-2', name: 'auth' },
      ],
    });
  });
});

describe('registerDemoFleet against the real backend', () => {
  let fleet: DemoFleet;
  let t: TestService;

  beforeAll(async () => {
    [fleet, t] = await Promise.all([
      startDemoFleet({ checkIntervalMs: 200, settleTimeoutMs: 30_000 }),
      startTestService(),
    ]);
  });

  afterAll(async () => {
    await t?.stop();
    await fleet?.stop();
  });

  it('registers hosts, instances and applications; a sync stores real statuses and auto-maps servers', async () => {
    const ids = await registerDemoFleet(t.url, t.tokens.admin, fleet);
    expect(Object.keys(ids.instances)).toEqual(['edge-1', 'edge-2.eu', 'internal_3']);
    expect(Object.keys(ids.applications).sort()).toEqual(['api', 'auth', 'shop', 'static']);

    // registerDemoFleet asked for a sync of every instance; wait until all of them have landed.
    const expected = fleet.instances.flatMap((i) =>
      i.backends.flatMap((b) => b.servers.map((s) => ({ key: `${i.name} ${b.name}/${s.name}`, ...s })))
    );
    let body: { servers: StoredServer[]; total: number } = { servers: [], total: 0 };
    for (const deadline = Date.now() + 10_000; body.total < expected.length && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
      body = (await t.call('GET', '/api/haproxy/servers?limit=1000')).body;
    }
    const stored = new Map(body.servers.map((s) => [`${s.instance_name} ${s.backend_name}/${s.server_name}`, s]));
    expect(stored.size).toBe(expected.length);
    for (const s of expected) {
      expect([s.key, stored.get(s.key)?.raw_status]).toEqual([s.key, s.expectedStatus]);
    }

    // Two applications on one host: the backend's name picks one.
    expect(stored.get('edge-2.eu auth/auth-1')).toMatchObject({ application_name: 'auth', mapping_kind: 'auto' });
    expect(stored.get('edge-1 api/api-1')).toMatchObject({ application_name: 'api', mapping_kind: 'auto' });
    expect(stored.get('edge-1 shop/shop-1')).toMatchObject({ application_name: 'shop', mapping_kind: 'auto' });
    // Nothing registered at the dead address: nothing to map.
    expect(stored.get('edge-1 static/static-2')).toMatchObject({ application_name: null });
  });

  it('can run again against the same backend without duplicating anything', async () => {
    const before = await t.call('GET', '/api/hosts');
    const again = await registerDemoFleet(t.url, t.tokens.admin, fleet);
    const after = await t.call('GET', '/api/hosts');
    expect(after.body.hosts.map((h: { id: number }) => h.id)).toEqual(
      before.body.hosts.map((h: { id: number }) => h.id)
    );
    expect((await t.call('GET', '/api/applications')).body.applications).toHaveLength(4);
    expect(Object.keys(again.instances)).toHaveLength(3);
  });

  it('shows a drift and its repair: a reload loses a drain, the next sync re-applies it', async () => {
    const ids = await registerDemoFleet(t.url, t.tokens.admin, fleet);
    const d = await showDriftAndRepair(t.url, t.tokens.admin, fleet, ids.instances['edge-1']);
    expect(d.pidAfter).not.toBe(d.pidBefore);
    expect(d.history).toEqual([
      { cause: 'command', admin_from: 'ready', admin_to: 'drain' },
      { cause: 'reload', admin_from: 'drain', admin_to: 'ready' },
      { cause: 'reconcile', admin_from: 'ready', admin_to: 'drain' },
    ]);
    expect(d.reapplied).toEqual({ actor: 'system:reconcile', source: 'reconcile', result: 'success' });
    expect(driftSummary(d)).toContain(
      'history: command (ready -> drain), then reload (drain -> ready), then reconcile (ready -> drain)'
    );
    // HAProxy's own view: the new process holds the drain again.
    const edge1 = fleet.instances.find((i) => i.name === 'edge-1')!;
    const state = parseServersState(await edge1.haproxy.runtime('show servers state shop'));
    expect(state.find((r) => r.server === 'shop-1')?.adminState).toBe('drain');
  });
});
