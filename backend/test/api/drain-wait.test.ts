import { FakeFagent, Recorded } from '../support/fake-fagent';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';

let t: CheckedService;
let agent: FakeFagent;
let serverIds: Record<string, number>;
let applicationId: number;

beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent.setBackend('lb', 'shop', [
    { name: 'a', status: 'UP', current_sessions: 3 },
    { name: 'b', status: 'UP', current_sessions: 0 },
  ]);
  t = checked(await startTestService());
  const { instanceId } = await registerInstance(t, agent.url, 'lb');
  await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  const servers = (await t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers as Array<{
    id: number;
    server_name: string;
  }>;
  serverIds = Object.fromEntries(servers.map((s) => [s.server_name, s.id]));
  applicationId = (await t.call('POST', '/api/applications', { body: { name: 'shop' } })).body.id;
  for (const id of Object.values(serverIds)) {
    await t.call('PUT', `/api/haproxy/servers/${id}/mapping`, {
      token: t.tokens.operator,
      body: { application_id: applicationId },
    });
  }
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

const drain = (waitS: number) =>
  t.call('POST', '/api/haproxy/commands/bulk', {
    token: t.tokens.operator,
    body: { command: 'drain', application_id: applicationId, source: 'orchestrator', wait_drained_s: waitS },
  });

test('drain and wait: answers once HAProxy reports no sessions left on the drained servers', async () => {
  // Sessions end 500 ms after the drain reached HAProxy, whatever the time the commands took before it.
  void agent
    .arrived((r) => r.route === 'command' && r.segments[6] === 'a')
    .then(() => setTimeout(() => (agent.server('lb', 'shop', 'a').current_sessions = 0), 500));
  const res = await drain(10);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ succeeded: 2, failed: 0, drain_wait: { drained: true, remaining: [] } });
  expect(res.body.drain_wait.waited_ms).toBeGreaterThanOrEqual(300);
});

test('drain and wait: after the deadline it says which servers still have sessions', async () => {
  agent.server('lb', 'shop', 'a').current_sessions = 5;
  const res = await drain(0.5);
  expect(res.body.drain_wait).toMatchObject({ drained: false, remaining: [{ server_id: serverIds.a, sessions: 5 }] });
});

test('drain and wait: a server gone from HAProxy is reported gone, not drained', async () => {
  agent.server('lb', 'shop', 'a').current_sessions = 0;
  const servers = agent.instances.get('lb')!.get('shop')!;
  // b leaves HAProxy's configuration (with its sessions) while the orchestrator waits: after both drains and
  // their read backs (one fresh list each), at the wait's first look, which still sees b with its sessions.
  agent.requests.length = 0; // what the earlier tests asked is not this test's
  const isCommand = (r: Recorded) => r.route === 'command';
  const isList = (r: Recorded) => r.route === 'servers' && r.segments[4] === 'shop';
  void (async () => {
    await agent.arrived((r) => agent.requests.filter(isCommand).length === 2 && isCommand(r));
    const lastCommand = agent.requests.map(isCommand).lastIndexOf(true);
    const listsSince = () => agent.requests.filter((r, i) => i > lastCommand && isList(r)).length;
    await agent.arrived(() => listsSince() >= 3);
    agent.setBackend(
      'lb',
      'shop',
      servers.filter((s) => s.name !== 'b')
    );
  })();
  agent.server('lb', 'shop', 'b').current_sessions = 4;
  try {
    const res = await drain(5);
    expect(res.body.drain_wait).toEqual({
      drained: false,
      waited_ms: expect.any(Number),
      remaining: [],
      gone: [serverIds.b],
    });
    expect(res.body.drain_wait.waited_ms).toBeLessThan(5000);
  } finally {
    agent.setBackend('lb', 'shop', servers);
  }
});

test('waiting goes with drain only', async () => {
  const res = await t.call('POST', '/api/haproxy/commands/bulk', {
    token: t.tokens.operator,
    body: { command: 'ready', application_id: applicationId, wait_drained_s: 5 },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/wait_drained_s goes with the drain command/);
});
