import { FakeFagent, on } from '../support/fake-fagent';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';

/**
 * The orchestrator's bulk drain and wait over an application that spans two hosts, one of whose agents is
 * down: the answer must not say `drained` while a server of the application still takes traffic, and it says
 * what it waited for even when no drain went through.
 */
let t: CheckedService;
let up: FakeFagent;
let down: FakeFagent;
let applicationId: number;
const ids: Record<string, number> = {};

beforeAll(async () => {
  up = await new FakeFagent().start();
  down = await new FakeFagent().start();
  up.setBackend('lb-1', 'shop', [
    { name: 'a', status: 'UP' },
    { name: 'b', status: 'UP' },
  ]);
  down.setBackend('lb-2', 'shop', [{ name: 'c', status: 'UP', current_sessions: 4 }]);
  t = checked(await startTestService({ maxRetries: 0 }));
  for (const [agent, name] of [
    [up, 'lb-1'],
    [down, 'lb-2'],
  ] as const) {
    const { instanceId } = await registerInstance(t, agent.url, name, { hostName: `host-${name}` });
    expect((await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).body.status).toBe('ok');
  }
  applicationId = (await t.call('POST', '/api/applications', { body: { name: 'shop "eu" \\ {v2}=1,é' } })).body.id;
  for (const s of (await t.call('GET', '/api/haproxy/servers')).body.servers as Array<{
    id: number;
    server_name: string;
  }>) {
    ids[s.server_name] = s.id;
    await t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: applicationId } });
  }
});
afterAll(async () => {
  await t?.stop();
  await up?.stop();
  await down?.stop();
});

const drainAndWait = () =>
  t.call('POST', '/api/haproxy/commands/bulk', {
    token: t.tokens.operator,
    body: { command: 'drain', application_id: applicationId, source: 'orchestrator', wait_drained_s: 1 },
  });

test('one host’s agent down: its server is reported failed, and the application is not drained', async () => {
  down.inject(on.any(), { kind: 'status', status: 503 });
  try {
    const res = await drainAndWait();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    const byServer = Object.fromEntries(
      (res.body.results as Array<{ server_id: number; ok: boolean; error?: string }>).map((r) => [r.server_id, r])
    );
    expect(byServer[ids.a].ok).toBe(true);
    expect(byServer[ids.b].ok).toBe(true);
    expect(byServer[ids.c]).toMatchObject({ ok: false, error: expect.stringContaining('503') });
    // a and b are at 0 sessions, but c was never drained: it still takes traffic.
    expect(res.body.drain_wait).toMatchObject({ drained: false, remaining: [], gone: [] });
  } finally {
    down.clearFaults();
  }
});

test('every agent down: drain_wait is still there, not drained', async () => {
  up.inject(on.any(), { kind: 'status', status: 503 });
  down.inject(on.any(), { kind: 'status', status: 503 });
  try {
    const res = await drainAndWait();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, succeeded: 0, failed: 3 });
    expect(res.body.drain_wait).toEqual({ drained: false, waited_ms: 0, remaining: [], gone: [] });
  } finally {
    up.clearFaults();
    down.clearFaults();
  }
});

test('once the agent is back, the same call again drains all of it (a retry is safe)', async () => {
  down.server('lb-2', 'shop', 'c').current_sessions = 0;
  for (let i = 0; i < 2; i++) {
    const res = await drainAndWait();
    expect(res.body).toMatchObject({ total: 3, succeeded: 3, failed: 0, drain_wait: { drained: true, remaining: [] } });
  }
  expect(down.server('lb-2', 'shop', 'c').status).toMatch(/DRAIN/);
});
