import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FakeFagent } from '../support/fake-fagent';
import { registerInstance, startTestService, TestService } from '../support/service';
import { parseExposition, Sample, select, types, value } from './exposition';

/**
 * /metrics of the real service over a fleet synced from a fake FAgent, checked by Debian's promtool (the
 * exposition lint), and the Prometheus rules checked and unit-tested by promtool too.
 */
const root = path.resolve(__dirname, '../../..');
const rulesFile = path.join(root, 'prometheus/haproxy-control.rules.yml');
const ruleTests = fs.readdirSync(path.join(root, 'prometheus/tests')).filter((f) => f.endsWith('.yml'));

function promtool(args: string[], input?: string) {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: root });
  if (r.error) {
    throw new Error(`promtool is needed (apt-get install prometheus): ${r.error.message}`);
  }
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

let t: TestService;
let agent: FakeFagent;
let text: string;
let samples: Sample[];
const edge = { haproxy_instance: 'edge-1', host: 'lb-edge' };

beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent
    .setBackend('edge-1', 'web', [
      { name: 'w1', status: 'UP', weight: 10, current_sessions: 5, max_sessions: 50 },
      { name: 'w2', status: 'DOWN', weight: 10 },
      { name: 'w3', status: 'MAINT' },
      { name: 'w4', status: 'DRAIN', current_sessions: 2 },
    ])
    .setBackend('edge-1', 'api:v2', [
      { name: 'a.1', status: 'UP 1/3' },
      { name: 'a.2', status: 'NOLB' },
    ]);
  t = await startTestService();
  const { instanceId } = await registerInstance(t, agent.url, 'edge-1', { hostName: 'lb-edge' });
  expect((await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).status).toBe(200);
  // w1 belongs to the application "shop".
  const app = await t.call('POST', '/api/applications', { body: { name: 'shop', host_id: null } });
  const servers = (await t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers as Array<{
    id: number;
    server_name: string;
  }>;
  const w1 = servers.find((s) => s.server_name === 'w1')!;
  expect(
    (
      await t.call('PUT', `/api/haproxy/servers/${w1.id}/mapping`, {
        body: { application_id: app.body.id, kind: 'manual' },
      })
    ).status
  ).toBe(200);

  const res = await t.call('GET', '/metrics', { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  text = res.body;
  samples = parseExposition(text);
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

test('promtool check metrics accepts the exposition', () => {
  const r = promtool(['check', 'metrics'], text);
  expect(r).toEqual({ code: 0, out: '' });
});

test('promtool check rules accepts the Prometheus rules', () => {
  const r = promtool(['check', 'rules', rulesFile]);
  expect(r.out).toContain('SUCCESS: 10 rules found');
  expect(r.code).toBe(0);
});

test('promtool test rules passes the unit tests', () => {
  expect(ruleTests.length).toBeGreaterThan(0);
  const r = promtool(['test', 'rules', ...ruleTests.map((f) => `prometheus/tests/${f}`)]);
  expect(r.out).toContain('SUCCESS');
  expect(r.code).toBe(0);
});

test('one status series per state for every server, 1 for its state, like HAProxy’s exporter', () => {
  const w2 = select(samples, 'haproxy_control_server_status', { ...edge, backend: 'web', server: 'w2' });
  expect(Object.fromEntries(w2.map((s) => [s.labels.state, s.value]))).toEqual({
    UP: 0,
    DOWN: 1,
    DRAIN: 0,
    MAINT: 0,
    NOLB: 0,
    UNKNOWN: 0,
  });
  const current = (backend: string, server: string) =>
    select(samples, 'haproxy_control_server_status', { ...edge, backend, server }).find((s) => s.value === 1)?.labels
      .state;
  expect([
    current('web', 'w1'),
    current('web', 'w3'),
    current('web', 'w4'),
    current('api:v2', 'a.1'),
    current('api:v2', 'a.2'),
  ]).toEqual(['UP', 'MAINT', 'DRAIN', 'UP', 'NOLB']);
  expect(select(samples, 'haproxy_control_server_status')).toHaveLength(6 * 6);
});

test('sessions, max sessions and weight per server, labelled with the application ("" when unmapped)', () => {
  const w1 = { ...edge, backend: 'web', server: 'w1', application: 'shop' };
  expect(value(samples, 'haproxy_control_server_current_sessions', w1)).toBe(5);
  expect(value(samples, 'haproxy_control_server_max_sessions', w1)).toBe(50);
  expect(value(samples, 'haproxy_control_server_weight', w1)).toBe(10);
  expect(
    value(samples, 'haproxy_control_server_current_sessions', {
      ...edge,
      backend: 'web',
      server: 'w4',
      application: '',
    })
  ).toBe(2);
  expect(select(samples, 'haproxy_control_server_weight')).toHaveLength(6);
});

test('server counts per backend and state, zeros included', () => {
  const web = select(samples, 'haproxy_control_backend_servers', { ...edge, backend: 'web' });
  expect(Object.fromEntries(web.map((s) => [s.labels.state, s.value]))).toEqual({
    UP: 1,
    DOWN: 1,
    DRAIN: 1,
    MAINT: 1,
    NOLB: 0,
    UNKNOWN: 0,
  });
});

test('the admin state per server, 1 for its state (unknown when the status hides it), like the status series', () => {
  const admin = (backend: string, server: string) =>
    select(samples, 'haproxy_control_server_admin_state', { ...edge, backend, server }).find((s) => s.value === 1)
      ?.labels.state;
  expect([
    admin('web', 'w1'),
    admin('web', 'w2'),
    admin('web', 'w3'),
    admin('web', 'w4'),
    admin('api:v2', 'a.1'),
    admin('api:v2', 'a.2'),
  ]).toEqual(['ready', 'unknown', 'maint', 'drain', 'ready', 'unknown']);
  expect(select(samples, 'haproxy_control_server_admin_state')).toHaveLength(6 * 4);
});

test('server counts per backend by the state model: a DOWN server fails, DRAIN and MAINT are out on purpose', () => {
  const web = select(samples, 'haproxy_control_backend_servers_by_class', { ...edge, backend: 'web' });
  expect(Object.fromEntries(web.map((s) => [s.labels.class, s.value]))).toEqual({
    available: 1,
    out_on_purpose: 2,
    failing: 1,
    drifting: 0,
    in_window: 0,
  });
  // NOLB is soft-stopping: neither available nor failing.
  const api = select(samples, 'haproxy_control_backend_servers_by_class', { ...edge, backend: 'api:v2' });
  expect(Object.fromEntries(api.map((s) => [s.labels.class, s.value]))).toMatchObject({ available: 1, failing: 0 });
  // No drift: no drift series, and a zero per instance.
  expect(select(samples, 'haproxy_control_server_drift')).toEqual([]);
  expect(value(samples, 'haproxy_control_servers_drifting', edge)).toBe(0);
});

test('per-instance sync state and breaker state', () => {
  expect(value(samples, 'haproxy_control_instance_last_sync_success', edge)).toBe(1);
  expect(value(samples, 'haproxy_control_instance_consecutive_failures', edge)).toBe(0);
  expect(value(samples, 'haproxy_control_instance_last_sync_duration_seconds', edge)).toBeGreaterThanOrEqual(0);
  const lastSuccess = value(samples, 'haproxy_control_instance_last_success_timestamp_seconds', edge)!;
  expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(60);
  expect(value(samples, 'haproxy_control_instance_last_sync_timestamp_seconds', edge)).toBe(lastSuccess);
  const breaker = select(samples, 'haproxy_control_instance_breaker_state', edge);
  expect(Object.fromEntries(breaker.map((s) => [s.labels.state, s.value]))).toEqual({
    closed: 1,
    open: 0,
    half_open: 0,
  });
});

test('counters: syncs by result and commands by command and result, every combination present', () => {
  expect(value(samples, 'haproxy_control_syncs_total', { result: 'ok' })).toBe(1);
  expect(
    select(samples, 'haproxy_control_syncs_total')
      .map((s) => s.labels.result)
      .sort()
  ).toEqual(['failed', 'ok', 'partial', 'skipped']);
  expect(select(samples, 'haproxy_control_commands_total')).toHaveLength(5 * 6); // drain ready maint weight shutdown-sessions x success failure unknown breaker_open conflict budget_exceeded
  const declared = types(text);
  expect(declared).toMatchObject({
    haproxy_control_syncs_total: 'counter',
    haproxy_control_commands_total: 'counter',
    haproxy_control_server_status: 'gauge',
    haproxy_control_instance_breaker_state: 'gauge',
  });
  expect(declared.process_cpu_seconds_total).toBe('counter'); // Node.js process metrics too
});
