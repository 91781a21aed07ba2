import http from 'node:http';
import { TokenStore } from '../../src/auth/tokens';
import { DisruptionBudgets } from '../../src/commands/disruption-budget';
import { ServiceMetrics } from '../../src/metrics/service-metrics';
import { FakeFagent, on } from '../support/fake-fagent';
import { registerInstance, startTestService, TestService } from '../support/service';
import { parseExposition, Sample, select, value } from './exposition';

/** /metrics: where it is served and who may read it, what follows the fleet, and the per-server limits. */
const METRICS_TOKEN = 'scrape-only-secret-0123456789abcdef';

let agent: FakeFagent;
let t: TestService;
const ids: Record<string, number> = {};

async function scrape(svc: TestService = t): Promise<Sample[]> {
  const res = await svc.call('GET', '/metrics', { token: METRICS_TOKEN });
  expect(res.status).toBe(200);
  return parseExposition(res.body);
}

const sync = async (name: string) =>
  (await t.call('POST', `/api/haproxy/instances/${ids[name]}/sync?wait=true`)).body.status;
const serverSeries = (s: Sample[]) =>
  [
    ...new Set(
      select(s, 'haproxy_control_server_weight').map(
        (x) => `${x.labels.haproxy_instance}/${x.labels.backend}/${x.labels.server}`
      )
    ),
  ].sort();

beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent.setBackend('edge-1', 'web', [
    { name: 'w1', status: 'UP' },
    { name: 'w2', status: 'UP' },
  ]);
  agent.setBackend('edge-2', 'web', [{ name: 'w1', status: 'DOWN' }]);
  agent.setBackend('core', 'db', [{ name: 'pg1', status: 'UP' }]);
  agent.setBackend('other', 'misc', [{ name: 'm1', status: 'UP' }]);
  // Removals are what these tests follow, not their hold (HAPROXY_REMOVAL_CONFIRM_SYNCS 1 turns it off; the
  // hold's own tests: test/sync/sync-guards.test.ts).
  t = await startTestService({ metricsToken: METRICS_TOKEN, removalConfirmSyncs: 1 });
  for (const [name, host] of [
    ['edge-1', 'lb-a'],
    ['edge-2', 'lb-a'],
    ['core', 'lb-core'],
    ['other', 'lb-b'],
  ]) {
    ids[name] = (await registerInstance(t, agent.url, name, { hostName: host })).instanceId;
    expect(await sync(name)).toBe('ok');
  }
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

describe('on the API port (the default)', () => {
  test('a bearer token is required: METRICS_TOKEN or any API token, of any role', async () => {
    expect(t.service.metricsUrl).toBe(`${t.url}/metrics`);
    const missing = await t.call('GET', '/metrics', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('bearer token') } });
    expect((await t.call('GET', '/metrics', { token: 'wrong-token-0123456789abcdefgh' })).status).toBe(401);
    expect((await t.call('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401);
    for (const token of [METRICS_TOKEN, t.tokens.viewer, t.tokens.operator, t.tokens.admin]) {
      const res = await t.call('GET', '/metrics', { token });
      expect({ token, status: res.status }).toEqual({ token, status: 200 });
    }
  });

  test('two Authorization headers are refused, as on the API, even when either token is good', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${t.url}/metrics`, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.setHeader('Authorization', [`Bearer ${METRICS_TOKEN}`, `Bearer ${t.tokens.viewer}`]);
      req.on('error', reject).end();
    });
    expect(status).toBe(401);
  });

  test('a revoked API token is refused', async () => {
    const store = new TokenStore(t.service.db);
    const { token } = await store.create('prom-revoked', 'viewer');
    expect((await t.call('GET', '/metrics', { token })).status).toBe(200);
    await store.revoke('prom-revoked');
    expect((await t.call('GET', '/metrics', { token })).status).toBe(401);
  });
});

describe('backup servers', () => {
  test('a backend whose active servers are all out while a backup server is up is on backup (1), others 0, in /metrics and the API', async () => {
    const onBackup = (s: Sample[], instance: string, backend: string) =>
      value(s, 'haproxy_control_backend_on_backup', { haproxy_instance: instance, backend });
    agent.setBackend('other', 'misc', [
      { name: 'm1', status: 'DOWN' },
      { name: 'spare', status: 'UP', backup: true },
    ]);
    expect(await sync('other')).toBe('ok');
    const down = await scrape();
    expect(onBackup(down, 'other', 'misc')).toBe(1);
    expect(onBackup(down, 'edge-1', 'web')).toBe(0);
    // The HAProxy page's backend list says the same.
    const listed = await t.call('GET', `/api/haproxy/backends?instance_id=${ids.other}`);
    expect(listed.body.backends.map((b: { name: string; on_backup: boolean }) => [b.name, b.on_backup])).toEqual([
      ['misc', true],
    ]);
    // An active server back: the backups wait again.
    agent.server('other', 'misc', 'm1').status = 'UP';
    expect(await sync('other')).toBe('ok');
    expect(onBackup(await scrape(), 'other', 'misc')).toBe(0);
    agent.setBackend('other', 'misc', [{ name: 'm1', status: 'UP' }]);
    expect(await sync('other')).toBe('ok');
  });
});

describe('guarded operations', () => {
  test('backends below their budget, jobs by state and servers past their drain deadline', async () => {
    const before = await scrape();
    expect(value(before, 'haproxy_control_backends_below_budget', {})).toBe(0);
    expect(
      select(before, 'haproxy_control_operations')
        .map((x) => x.labels.state)
        .sort()
    ).toEqual(['cancelled', 'failed', 'queued', 'running', 'succeeded']);
    // edge-2's only server is DOWN: a minimum of 1 is not met.
    const servers = (await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-2']}`)).body.servers;
    await t.call('PUT', `/api/haproxy/backends/${servers[0].backend_id}/budget`, { body: { min_available: 1 } });
    // A drain job left failed by its deadline, its server still drained with sessions: past its deadline.
    agent.server('edge-1', 'web', 'w2').current_sessions = 3;
    const w2 = (await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-1']}`)).body.servers.find(
      (s: { server_name: string }) => s.server_name === 'w2'
    );
    const job = await t.call('POST', '/api/haproxy/operations', {
      body: { action: 'drain', server_ids: [w2.id], deadline_s: 1, on_deadline: 'fail' },
    });
    for (let end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      if ((await t.call('GET', `/api/haproxy/operations/${job.body.id}`)).body.state === 'failed') {
        break;
      }
    }
    const after = await scrape();
    expect(value(after, 'haproxy_control_backends_below_budget', {})).toBe(1);
    expect(value(after, 'haproxy_control_backend_below_budget', { haproxy_instance: 'edge-2', backend: 'web' })).toBe(
      1
    );
    expect(value(after, 'haproxy_control_backend_below_budget', { haproxy_instance: 'edge-1', backend: 'web' })).toBe(
      0
    );
    expect(value(after, 'haproxy_control_operations', { state: 'failed' })).toBe(1);
    expect(value(after, 'haproxy_control_operation_servers_past_deadline', {})).toBe(1);
    // Put back as the other tests expect the fleet.
    await t.call('DELETE', `/api/haproxy/backends/${servers[0].backend_id}/budget`);
    agent.server('edge-1', 'web', 'w2').current_sessions = 0;
    await t.call('POST', `/api/haproxy/servers/${w2.id}/command`, { body: { command: 'ready' } });
  });

  test('a server left drained past its deadline stops counting once its instance is deactivated, as in Grafana', async () => {
    agent.server('edge-1', 'web', 'w1').current_sessions = 3;
    const w1 = (await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-1']}`)).body.servers.find(
      (s: { server_name: string }) => s.server_name === 'w1'
    );
    const job = await t.call('POST', '/api/haproxy/operations', {
      body: { action: 'drain', server_ids: [w1.id], deadline_s: 1, on_deadline: 'fail' },
    });
    for (let end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      if ((await t.call('GET', `/api/haproxy/operations/${job.body.id}`)).body.state === 'failed') {
        break;
      }
    }
    try {
      expect(value(await scrape(), 'haproxy_control_operation_servers_past_deadline', {})).toBe(1);
      // Deactivated instances never fire (README "Alerts"): nobody can act on its servers from here.
      await t.call('PATCH', `/api/haproxy/instances/${ids['edge-1']}`, { body: { is_active: false } });
      expect(value(await scrape(), 'haproxy_control_operation_servers_past_deadline', {})).toBe(0);
    } finally {
      await t.call('PATCH', `/api/haproxy/instances/${ids['edge-1']}`, { body: { is_active: true } });
      agent.server('edge-1', 'web', 'w1').current_sessions = 0;
      await t.call('POST', `/api/haproxy/servers/${w1.id}/command`, { body: { command: 'ready' } });
    }
  });
});

describe('application budgets', () => {
  test('an application with fewer available servers than its budget is named; one without a budget is not', async () => {
    const app = (await t.call('POST', '/api/applications', { body: { name: 'shop' } })).body;
    const all = [
      ...(await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-1']}`)).body.servers,
      ...(await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-2']}`)).body.servers,
    ];
    try {
      // Two UP servers on edge-1 and edge-2's DOWN one: 2 available of 3.
      for (const s of all) {
        await t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: app.id } });
      }
      let text = await scrape();
      expect(value(text, 'haproxy_control_applications_below_budget', {})).toBe(0);
      expect(select(text, 'haproxy_control_application_below_budget')).toEqual([]);
      await t.call('PUT', `/api/applications/${app.id}/budget`, { body: { min_available: 3 } });
      text = await scrape();
      expect(value(text, 'haproxy_control_applications_below_budget', {})).toBe(1);
      expect(value(text, 'haproxy_control_application_below_budget', { application: 'shop' })).toBe(1);
      await t.call('PUT', `/api/applications/${app.id}/budget`, { body: { min_available: '60%' } });
      text = await scrape();
      expect(value(text, 'haproxy_control_applications_below_budget', {})).toBe(0);
      expect(value(text, 'haproxy_control_application_below_budget', { application: 'shop' })).toBe(0);
    } finally {
      for (const s of all) {
        await t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: null, kind: 'auto' } });
      }
      await t.call('DELETE', `/api/applications/${app.id}`);
    }
  });
});

describe('on METRICS_PORT', () => {
  let sep: TestService;
  beforeAll(async () => {
    sep = await startTestService({ metricsPort: 0, metricsHost: '127.0.0.1', metricsPerServer: false });
    const { instanceId } = await registerInstance(sep, agent.url, 'edge-1', { hostName: 'lb-a' });
    await sep.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  });
  afterAll(() => sep?.stop());

  test('served there without auth, and not on the API port', async () => {
    expect(sep.service.metricsUrl).not.toContain(new URL(sep.url).host);
    const res = await fetch(sep.service.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('haproxy_control_backend_servers{');
    expect((await sep.call('GET', '/metrics')).status).toBe(404);
    expect((await fetch(new URL('/api/me', sep.service.metricsUrl))).status).toBe(404);
  });

  test('METRICS_PER_SERVER=false: no per-server series, per-backend and per-instance ones stay', async () => {
    const s = parseExposition(await (await fetch(sep.service.metricsUrl)).text());
    expect(s.filter((x) => x.name.startsWith('haproxy_control_server_'))).toEqual([]);
    expect(
      value(s, 'haproxy_control_backend_servers', { haproxy_instance: 'edge-1', backend: 'web', state: 'UP' })
    ).toBe(2);
    expect(value(s, 'haproxy_control_instance_consecutive_failures', { haproxy_instance: 'edge-1' })).toBe(0);
  });
});

describe('per-server limits (METRICS_SERVER_INSTANCES)', () => {
  const metrics = (serverInstances?: string[], perServer = true) =>
    new ServiceMetrics(
      t.service.db,
      t.service.client.breakers,
      new DisruptionBudgets(t.service.db, { count: 0 }, 1000),
      {
        perServer,
        serverInstances,
      }
    );
  const render = async (m: ServiceMetrics) => parseExposition(await m.render());

  test('all instances by default', async () => {
    expect(serverSeries(await render(metrics()))).toEqual([
      'core/db/pg1',
      'edge-1/web/w1',
      'edge-1/web/w2',
      'edge-2/web/w1',
      'other/misc/m1',
    ]);
  });

  test('instance names, globs, or host/instance; the others keep their per-backend and per-instance series', async () => {
    const s = await render(metrics(['edge-*', 'lb-core/core']));
    expect(serverSeries(s)).toEqual(['core/db/pg1', 'edge-1/web/w1', 'edge-1/web/w2', 'edge-2/web/w1']);
    expect(select(s, 'haproxy_control_server_status', { haproxy_instance: 'edge-2', server: 'w1' })).toHaveLength(6);
    expect(
      value(s, 'haproxy_control_backend_servers', { haproxy_instance: 'other', backend: 'misc', state: 'UP' })
    ).toBe(1);
    expect(value(s, 'haproxy_control_instance_last_sync_success', { haproxy_instance: 'other' })).toBe(1);
    expect(serverSeries(await render(metrics(['lb-a/edge-2'])))).toEqual(['edge-2/web/w1']);
    expect(serverSeries(await render(metrics(['nothing-matches'])))).toEqual([]);
  });

  test('concurrent scrapes share one read and give the same text', async () => {
    const m = metrics();
    const [a, b] = await Promise.all([m.render(), m.render()]);
    expect(a).toBe(b);
  });
});

describe('following the fleet', () => {
  test('commands are counted by command and result', async () => {
    const servers = (await t.call('GET', `/api/haproxy/servers?instance_id=${ids['edge-1']}`)).body.servers as Array<{
      id: number;
      server_name: string;
    }>;
    const w1 = servers.find((s) => s.server_name === 'w1')!.id;
    const command = (command: string) =>
      t.call('POST', `/api/haproxy/servers/${w1}/command`, { token: t.tokens.operator, body: { command } });
    const before = await scrape();
    expect((await command('drain')).status).toBe(200);
    expect((await command('ready')).status).toBe(200);
    agent.inject(on.command(), { kind: 'status', status: 500 }, 1);
    expect((await command('maint')).status).toBe(502);
    const after = await scrape();
    const delta = (c: string, result: string) =>
      value(after, 'haproxy_control_commands_total', { command: c, result })! -
      value(before, 'haproxy_control_commands_total', { command: c, result })!;
    expect([
      delta('drain', 'success'),
      delta('ready', 'success'),
      delta('maint', 'failure'),
      delta('maint', 'success'),
    ]).toEqual([1, 1, 1, 0]);
  });

  test('a failed sync shows in the instance series and the sync counter', async () => {
    const before = value(await scrape(), 'haproxy_control_syncs_total', { result: 'failed' })!;
    agent.inject(on.backends('core'), { kind: 'status', status: 500 });
    try {
      expect(await sync('core')).toBe('failed');
      expect(await sync('core')).toBe('failed');
    } finally {
      agent.clearFaults();
    }
    const s = await scrape();
    const core = { haproxy_instance: 'core', host: 'lb-core' };
    expect(value(s, 'haproxy_control_instance_last_sync_success', core)).toBe(0);
    expect(value(s, 'haproxy_control_instance_consecutive_failures', core)).toBe(2);
    expect(value(s, 'haproxy_control_instance_last_sync_timestamp_seconds', core)).toBeGreaterThan(
      value(s, 'haproxy_control_instance_last_success_timestamp_seconds', core)!
    );
    expect(value(s, 'haproxy_control_syncs_total', { result: 'failed' })).toBe(before + 2);
    expect(await sync('core')).toBe('ok');
    expect(value(await scrape(), 'haproxy_control_instance_consecutive_failures', core)).toBe(0);
  });

  test('removed servers and backends drop out; inactive instances drop out entirely', async () => {
    agent.setBackend('edge-2', 'web', []);
    agent.setBackend('other', 'misc2', [{ name: 'n1', status: 'UP' }]).removeBackend('other', 'misc');
    expect(await sync('edge-2')).toBe('ok');
    expect(await sync('other')).toBe('ok');
    let s = await scrape();
    expect(serverSeries(s)).toEqual(['core/db/pg1', 'edge-1/web/w1', 'edge-1/web/w2', 'other/misc2/n1']);
    expect(select(s, 'haproxy_control_backend_servers', { haproxy_instance: 'other', backend: 'misc' })).toEqual([]);
    expect(
      value(s, 'haproxy_control_backend_servers', { haproxy_instance: 'edge-2', backend: 'web', state: 'DOWN' })
    ).toBe(0);

    expect((await t.call('PATCH', `/api/haproxy/instances/${ids.other}`, { body: { is_active: false } })).status).toBe(
      200
    );
    s = await scrape();
    expect(s.filter((x) => x.labels.haproxy_instance === 'other')).toEqual([]);
  });
});
