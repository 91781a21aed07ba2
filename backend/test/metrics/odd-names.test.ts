import { spawnSync } from 'node:child_process';
import { FakeFagent } from '../support/fake-fagent';
import { registerInstance, startTestService, TestService } from '../support/service';
import { parseExposition, Sample, select } from './exposition';

/**
 * /metrics over names that the text format must escape or that look like its syntax (quotes, backslashes,
 * braces, `=`, `,`, `#`, unicode), and over names that repeat where the schema allows it: the same server name
 * in two backends, the same application name on two hosts. Every series once, every family declared once,
 * and promtool reads it all.
 */
const ODD = 'a"b\\c d{e}=f,g é 🚀 #x';

let t: TestService;
let agent: FakeFagent;
let instanceId: number;
let hostId: number;

const key = (s: Sample) =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

async function scrape(): Promise<string> {
  const res = await t.call('GET', '/metrics', { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body as string;
}

beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent
    .setBackend(ODD, ODD, [
      { name: ODD, status: 'UP' },
      { name: 'same', status: 'UP' },
    ])
    .setBackend(ODD, 'other', [{ name: 'same', status: 'DOWN' }]);
  t = await startTestService({ removalConfirmSyncs: 1 });
  ({ instanceId, hostId } = await registerInstance(t, agent.url, ODD, { hostName: ODD }));
  expect((await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).body.status).toBe('ok');
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

test('odd names come back as they are, every series once, every family declared once, and promtool accepts it', async () => {
  // One application of that name without a host and one on the host (names are unique per host), both budgeted.
  const global = (await t.call('POST', '/api/applications', { body: { name: ODD, host_id: null } })).body;
  const onHost = (await t.call('POST', '/api/applications', { body: { name: ODD, host_id: hostId } })).body;
  const servers = (await t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers as Array<{
    id: number;
    server_name: string;
    backend_name: string;
  }>;
  const byName = (backend: string, server: string) =>
    servers.find((s) => s.backend_name === backend && s.server_name === server)!.id;
  for (const [id, app] of [
    [byName(ODD, ODD), global.id],
    [byName(ODD, 'same'), onHost.id],
  ]) {
    expect((await t.call('PUT', `/api/haproxy/servers/${id}/mapping`, { body: { application_id: app } })).status).toBe(
      200
    );
  }
  for (const app of [global, onHost]) {
    expect((await t.call('PUT', `/api/applications/${app.id}/budget`, { body: { min_available: 1 } })).status).toBe(
      200
    );
  }

  const text = await scrape();
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect({ code: lint.status, out: `${lint.stdout}${lint.stderr}` }).toEqual({ code: 0, out: '' });

  const samples = parseExposition(text);
  const keys = samples.map(key);
  expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  for (const kind of ['HELP', 'TYPE']) {
    const declared = [...text.matchAll(new RegExp(`^# ${kind} (\\S+) `, 'gm'))].map((m) => m[1]);
    expect(declared.filter((n, i) => declared.indexOf(n) !== i)).toEqual([]);
    // Every sample's family declared (histograms' and summaries' samples carry a suffix).
    const family = (n: string) => (declared.includes(n) ? n : n.replace(/_(bucket|sum|count)$/, ''));
    expect(samples.filter((s) => !declared.includes(family(s.name))).map((s) => s.name)).toEqual([]);
  }

  const odd = { haproxy_instance: ODD, host: ODD };
  expect(
    select(samples, 'haproxy_control_server_weight', odd)
      .map((s) => `${s.labels.backend}|${s.labels.server}|${s.labels.application}`)
      .sort()
  ).toEqual([`${ODD}|${ODD}|${ODD}`, `${ODD}|same|${ODD}`, 'other|same|'].sort());
  expect(select(samples, 'haproxy_control_backend_servers', { ...odd, backend: ODD, state: 'UP' })[0].value).toBe(2);
  expect(select(samples, 'haproxy_control_instance_breaker_state', { ...odd, state: 'closed' })[0].value).toBe(1);

  // The two applications apart: one series each, told by their ids.
  const apps = select(samples, 'haproxy_control_application_below_budget', { application: ODD });
  expect(apps.map((s) => s.labels.application_id).sort()).toEqual([String(global.id), String(onHost.id)].sort());
  expect(apps.map((s) => s.value)).toEqual([0, 0]);
});

test('a removed server and backend leave no series behind; the same name elsewhere keeps its own', async () => {
  agent.removeBackend(ODD, 'other');
  agent.setBackend(ODD, ODD, [{ name: ODD, status: 'UP' }]);
  expect((await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).body.status).toBe('ok');
  let samples = parseExposition(await scrape());
  expect(samples.filter((s) => s.labels.server === 'same' || s.labels.backend === 'other')).toEqual([]);
  expect(select(samples, 'haproxy_control_server_status', { backend: ODD, server: ODD })).toHaveLength(6);

  // Back again: the same rows (restored), one series each again.
  agent.setBackend(ODD, 'other', [{ name: 'same', status: 'UP' }]);
  expect((await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).body.status).toBe('ok');
  samples = parseExposition(await scrape());
  expect(select(samples, 'haproxy_control_server_status', { backend: 'other', server: 'same' })).toHaveLength(6);
  const keys = samples.map(key);
  expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
});
