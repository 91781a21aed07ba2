import { on } from '../support/fake-fagent';
import { registerInstance } from '../support/service';
import { ApiServer, createApplication, expectError, fleet, Fleet, readFleet, syncNow, useHarness } from './helpers';

const h = useHarness();

const mapping = (id: number, body: unknown) =>
  h.t.call('PUT', `/api/haproxy/servers/${id}/mapping`, { token: h.t.tokens.operator, body });
const serverNames = (res: { body: { servers: ApiServer[] } }) => res.body.servers.map((s) => s.server_name);

describe('sync', () => {
  test('without wait: 202 at once, the instance synced soon after', async () => {
    h.agent.setBackend('async', 'web', [{ name: 's1', status: 'UP' }]);
    const { instanceId } = await registerInstance(h.t, h.agent.url, 'async');
    const res = await h.t.call('POST', `/api/haproxy/instances/${instanceId}/sync`, { token: h.t.tokens.operator });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true, instance_id: instanceId });
    for (let i = 0; i < 100; i++) {
      const inst = await h.t.call('GET', `/api/haproxy/instances/${instanceId}`);
      if (inst.body.last_sync_at) {
        expect(inst.body).toMatchObject({
          last_sync_success: true,
          last_sync_error: null,
          backend_count: 1,
          server_count: 1,
          consecutive_failures: 0,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the sync never ran');
  });

  test('wait_ms bounds the wait: a quick sync answers its outcome, a slow one 202 while it goes on', async () => {
    const f = await fleet(h, 'bounded', { web: [{ name: 's1', status: 'UP' }] });
    const sync = (query: string) =>
      h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?${query}`, { token: h.t.tokens.operator });
    const quick = await sync('wait_ms=10000');
    expect(quick.status).toBe(200);
    expect(quick.body).toMatchObject({ instance_id: f.instanceId, status: 'ok', servers: 1 });

    let release!: () => void;
    h.agent.inject(on.backends('bounded'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
    h.agent.setBackend('bounded', 'web', [{ name: 's1', status: 'DOWN' }]);
    const started = Date.now();
    const slow = await sync('wait=true&wait_ms=300');
    expect(slow.status).toBe(202);
    expect(slow.body).toEqual({ accepted: true, instance_id: f.instanceId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The sync goes on and lands once the agent answers.
    release();
    for (let i = 0; i < 200 && (await readFleet(h, f.instanceId)).servers['web/s1'].status !== 'DOWN'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await readFleet(h, f.instanceId)).servers['web/s1'].status).toBe('DOWN');

    for (const bad of ['wait_ms=-1', 'wait_ms=60001', 'wait_ms=soon', 'wait_ms=1.5']) {
      expectError(await sync(bad), 400, 'bad_request');
    }
  });

  test('with wait=true a failed sync is a 200 saying so; the instance and the summary show it; nothing is deleted', async () => {
    const f = await fleet(h, 'failing', { web: [{ name: 's1', status: 'UP' }] });
    h.agent.inject(on.backends('failing'), { kind: 'status', status: 500 });
    const outcome = await syncNow(h, f.instanceId, 'failed');
    h.agent.clearFaults();
    expect(outcome).toEqual({
      instance_id: f.instanceId,
      status: 'failed',
      error: expect.stringContaining('500'),
      duration_ms: expect.any(Number),
      backends: null,
      servers: null,
      removals_held: null,
      restarted: null,
      drifting: null,
      reapplied: null,
      reapply_failed: null,
      changed_servers: null,
      removed_backends: null,
      removed_servers: null,
      fenced_servers: null,
      ambiguous_mappings: null,
    });
    expect((await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body).toMatchObject({
      last_sync_success: false,
      consecutive_failures: 1,
      server_count: 1,
    });
    const summary = (await h.t.call('GET', '/api/haproxy/summary')).body;
    expect(summary.failing_instances).toContainEqual(
      expect.objectContaining({ id: f.instanceId, name: 'failing', host_name: 'host-failing', breaker_state: 'closed' })
    );
    expect(summary.instances.failing).toBeGreaterThanOrEqual(1);
    await syncNow(h, f.instanceId);
  });

  test('one backend failing is partial: its servers are kept', async () => {
    const f = await fleet(h, 'partial', { web: [{ name: 's1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
    h.agent.inject(on.servers('api'), { kind: 'status', status: 500 });
    const outcome = await syncNow(h, f.instanceId, 'partial');
    h.agent.clearFaults();
    expect(outcome.error).toContain('api');
    expect(Object.keys((await readFleet(h, f.instanceId)).servers).sort()).toEqual(['api/a1', 'web/s1']);
  });
});

describe('reads', () => {
  let f: Fleet;
  beforeAll(async () => {
    f = await fleet(h, 'reads', {
      web: [
        { name: 'w1', status: 'UP 1/3', address: '10.0.0.1:80' },
        { name: 'w2', status: 'DOWN (agent)', address: '10.0.0.2:80' },
        { name: 'w3', status: 'MAINT (via api/a1)', address: '10.0.0.3:80' },
      ],
      api: [{ name: 'a1', status: 'no check', address: '10.0.1.1:8080' }],
      gone: [{ name: 'g1', status: 'UP' }],
    });
    h.agent.removeBackend('reads', 'gone');
    await syncNow(h, f.instanceId);
  });

  test('backends of an instance, removed ones left out, with status counts', async () => {
    const res = await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}/backends`, { token: h.t.tokens.viewer });
    expect(
      res.body.backends.map((b: { backend_name: string; server_count: number; status_counts: object }) => [
        b.backend_name,
        b.server_count,
        b.status_counts,
      ])
    ).toEqual([
      ['api', 1, { UP: 1, DOWN: 0, DRAIN: 0, MAINT: 0, NOLB: 0, UNKNOWN: 0 }],
      ['web', 3, { UP: 1, DOWN: 1, DRAIN: 0, MAINT: 1, NOLB: 0, UNKNOWN: 0 }],
    ]);
    expectError(await h.t.call('GET', '/api/haproxy/instances/2147483647/backends'), 404, 'not_found');
  });

  test("servers of a backend with normalised and raw status; a removed backend's list is empty", async () => {
    const res = await h.t.call('GET', `/api/haproxy/backends/${f.backendIds.web}/servers`, {
      token: h.t.tokens.viewer,
    });
    expect(
      res.body.servers.map((s: ApiServer) => [s.server_name, s.status, s.raw_status, s.address, s.instance_name])
    ).toEqual([
      ['w1', 'UP', 'UP 1/3', '10.0.0.1:80', 'reads'],
      ['w2', 'DOWN', 'DOWN (agent)', '10.0.0.2:80', 'reads'],
      ['w3', 'MAINT', 'MAINT (via api/a1)', '10.0.0.3:80', 'reads'],
    ]);
    expect((await h.t.call('GET', `/api/haproxy/backends/${f.backendIds.gone}/servers`)).body.servers).toEqual([]);
    expectError(await h.t.call('GET', '/api/haproxy/backends/2147483647/servers'), 404, 'not_found');
  });

  test.each<[string, string, string[]]>([
    ['instance', 'instance_id={i}', ['a1', 'w1', 'w2', 'w3']],
    ['backend', 'backend_id={web}', ['w1', 'w2', 'w3']],
    ['status list, any case', 'instance_id={i}&status=down,Maint', ['w2', 'w3']],
    ['no check as UP', 'instance_id={i}&status=UP', ['a1', 'w1']],
    ['search in names', 'instance_id={i}&q=W2', ['w2']],
    ['search in addresses', 'instance_id={i}&q=:8080', ['a1']],
    ['search in backend names', 'instance_id={i}&q=api', ['a1']],
    ['page', 'instance_id={i}&limit=2&offset=1', ['w1', 'w2']],
  ])('the fleet list filters by %s', async (_what, query, names) => {
    const q = query.replace('{i}', String(f.instanceId)).replace('{web}', String(f.backendIds.web));
    const res = await h.t.call('GET', `/api/haproxy/servers?${q}`, { token: h.t.tokens.viewer });
    expect(serverNames(res)).toEqual(names);
    if (!q.includes('limit')) {
      expect(res.body.total).toBe(names.length);
    } else {
      expect(res.body.total).toBe(4);
    }
  });

  test('one server, also after it left HAProxy; 404 when there is none', async () => {
    expect((await h.t.call('GET', `/api/haproxy/servers/${f.servers['web/w1'].id}`)).body).toEqual(f.servers['web/w1']);
    expect((await h.t.call('GET', `/api/haproxy/servers/${f.servers['gone/g1'].id}`)).body.server_name).toBe('g1');
    expectError(await h.t.call('GET', '/api/haproxy/servers/2147483647'), 404, 'not_found');
  });

  test('instances list and filters', async () => {
    const all = (await h.t.call('GET', '/api/haproxy/instances')).body.instances;
    expect(all.map((i: { name: string }) => i.name)).toContain('reads');
    for (const q of [`server_id=${f.hostId}`, `host_id=${f.hostId}`, `server_id=${f.hostId}&is_active=true`]) {
      expect(
        (await h.t.call('GET', `/api/haproxy/instances?${q}`)).body.instances.map((i: { name: string }) => i.name)
      ).toEqual(['reads']);
    }
    expect(
      (await h.t.call('GET', `/api/haproxy/instances?server_id=${f.hostId}&is_active=false`)).body.instances
    ).toEqual([]);
  });

  test('summary counts current servers and backends only', async () => {
    const s = (await h.t.call('GET', '/api/haproxy/summary', { token: h.t.tokens.viewer })).body;
    expect(s.servers.total).toBe(
      Object.values(s.servers.by_status as Record<string, number>).reduce((a, b) => a + b, 0)
    );
    expect(s.last_sync_at).not.toBeNull();
    expect(s.instances.total).toBeGreaterThanOrEqual(s.instances.active);
  });
});

describe('search', () => {
  test('q treats % and _ (and \\) literally', async () => {
    const f = await fleet(h, 'search', {
      lit: ['a%b', 'a_b', 'axb', 'aXYb', 'a\\b'].map((name) => ({ name, status: 'UP' })),
    });
    const find = async (q: string) =>
      serverNames(
        await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}&q=${encodeURIComponent(q)}`)
      ).sort();
    expect(await find('%')).toEqual(['a%b']);
    expect(await find('_')).toEqual(['a_b']);
    expect(await find('a%b')).toEqual(['a%b']);
    expect(await find('a_b')).toEqual(['a_b']);
    expect(await find('\\')).toEqual(['a\\b']);
    expect(await find('A')).toHaveLength(5);
  });
});

describe('mapping', () => {
  let f: Fleet;
  let shop: number;
  let billing: number;
  const server = async () =>
    (await h.t.call('GET', `/api/haproxy/servers/${f.servers['web/m1'].id}`)).body as ApiServer;

  beforeAll(async () => {
    // Auto-mapping: the server's address 10.7.0.5 is the host app-host-7, which runs one application: shop.
    const appHost = await h.t.call('POST', '/api/hosts', {
      body: { name: 'app-host-7', address: '10.7.0.5', fagent_url: h.agent.url },
    });
    shop = await createApplication(h, 'shop', appHost.body.id);
    billing = await createApplication(h, 'billing');
    f = await fleet(h, 'mapping', {
      web: [
        { name: 'm1', status: 'UP', address: '10.7.0.5:8080' },
        { name: 'm2', status: 'UP', address: '10.7.0.9:80' },
      ],
    });
  });

  test('auto-mapping maps by address; unmatched servers stay unmapped', async () => {
    expect(await server()).toMatchObject({
      application_id: shop,
      application_name: 'shop',
      mapping_kind: 'auto',
      mapping_note: null,
    });
    expect(f.servers['web/m2']).toMatchObject({ application_id: null, mapping_kind: null });
    expect(
      (await h.t.call('GET', `/api/haproxy/servers?application_id=${shop}`)).body.servers.map(
        (s: ApiServer) => s.server_name
      )
    ).toEqual(['m1']);
    expect((await h.t.call('GET', `/api/applications/${shop}`)).body.server_count).toBe(1);
  });

  test('a manual mapping is kept by the next sync', async () => {
    const res = await mapping(f.servers['web/m1'].id, { application_id: billing });
    expect(res.body).toMatchObject({ application_id: billing, application_name: 'billing', mapping_kind: 'manual' });
    await syncNow(h, f.instanceId);
    expect(await server()).toMatchObject({ application_id: billing, mapping_kind: 'manual' });
  });

  test('a manual unmap (null) is kept by the next sync', async () => {
    expect((await mapping(f.servers['web/m1'].id, { application_id: null, kind: 'manual' })).body).toMatchObject({
      application_id: null,
      mapping_kind: 'manual',
    });
    await syncNow(h, f.instanceId);
    expect(await server()).toMatchObject({ application_id: null, mapping_kind: 'manual' });
  });

  test('kind auto hands it back: the next sync maps it again', async () => {
    expect((await mapping(f.servers['web/m1'].id, { application_id: null, kind: 'auto' })).body).toMatchObject({
      application_id: null,
      mapping_kind: null,
    });
    await syncNow(h, f.instanceId);
    expect(await server()).toMatchObject({ application_id: shop, mapping_kind: 'auto' });
  });

  test('errors: auto with an application, an unknown application or server', async () => {
    expectError(await mapping(f.servers['web/m1'].id, { application_id: shop, kind: 'auto' }), 400, 'bad_request');
    expectError(await mapping(f.servers['web/m1'].id, { application_id: 2147483647 }), 404, 'not_found');
    expectError(await mapping(2147483647, { application_id: shop }), 404, 'not_found');
    expect(await server()).toMatchObject({ application_id: shop, mapping_kind: 'auto' });
  });

  test('deleting an application leaves its servers unmapped and open to auto-mapping', async () => {
    await mapping(f.servers['web/m2'].id, { application_id: billing });
    expect((await h.t.call('DELETE', `/api/applications/${billing}`)).status).toBe(204);
    expect((await h.t.call('GET', `/api/haproxy/servers/${f.servers['web/m2'].id}`)).body).toMatchObject({
      application_id: null,
      mapping_kind: null,
    });
  });
});
