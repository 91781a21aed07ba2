import { weightSettingProblem } from '../../src/fagent/client';
import { FakeFagent, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/** The extended protocol (/info, /state, weight, shutdown-sessions) and the fallback for seed agents. */
const extended = useFakeAgent({ protocol: 'extended' });
const seed = useFakeAgent();
for (const agent of [extended, seed]) {
  agent.setBackend('main', 'web', [
    {
      name: 'w1',
      status: 'MAINT (via api/a1)',
      weight: 10,
      initial_weight: 20,
      current_sessions: 7,
      id: 3,
      admin_state: 'maint',
      maint_source: 'inherited',
      operational_state: 'up',
    },
    { name: 'w2', status: 'UP', admin_state: 'nolb-someday', maint_source: null },
  ]);
  agent.setBackend('main', 'empty', []);
}

const target = (agent: FakeFagent, instanceId = 1) => ({ instanceId, instanceName: 'main', baseUrl: agent.url });

test('getState: every backend (zero-server ones too) with typed servers and the process info, in one request', async () => {
  const client = testClient();
  const state = await client.getState(target(extended));
  expect(extended.requests).toHaveLength(1);
  expect(state?.info).toEqual({
    version: '2.6.12-fake',
    pid: expect.any(Number),
    started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    uptime_s: expect.any(Number),
  });
  expect(state?.backends.map((b) => [b.name, b.servers.length])).toEqual([
    ['web', 2],
    ['empty', 0],
  ]);
  expect(state?.backends[0].servers[0]).toMatchObject({
    name: 'w1',
    weight: 10,
    initial_weight: 20,
    id: 3,
    admin_state: 'maint',
    maint_source: 'inherited',
    operational_state: 'up',
  });
  // An enum value this backend does not know reads as absent; null keeps its meaning.
  expect(state?.backends[0].servers[1]).toMatchObject({ admin_state: undefined, maint_source: null, id: undefined });
  client.close();
});

test('getInfo reports a restart as a new pid and start time', async () => {
  const client = testClient();
  const before = await client.getInfo(target(extended));
  extended.restart('main', new Date('2026-12-01T12:00:00.000Z'));
  const after = await client.getInfo(target(extended));
  expect(after?.pid).not.toBe(before?.pid);
  expect(after?.started_at).toBe('2026-12-01T12:00:00.000Z');
  client.close();
});

test('a seed agent: /state and /info answer undefined, and /state is not asked again within the TTL', async () => {
  const client = testClient({ unsupportedTtlMs: 300 });
  await expect(client.getState(target(seed))).resolves.toBeUndefined();
  await expect(client.getState(target(seed))).resolves.toBeUndefined();
  await expect(client.getInfo(target(seed))).resolves.toBeUndefined();
  expect(seed.requests.map((r) => r.rawPath)).toEqual(['/api/haproxy/main/state', '/api/haproxy/main/info']);
  // Another instance behind the same agent is asked for itself.
  await client.getState(target(seed, 2));
  expect(seed.requests).toHaveLength(3);
  await new Promise((r) => setTimeout(r, 350));
  await client.getState(target(seed));
  expect(seed.requests).toHaveLength(4);
  // forget() drops what is remembered: the next call asks again.
  client.forget(1);
  await client.getState(target(seed));
  expect(seed.requests).toHaveLength(5);
  client.close();
});

test.each([405, 501])(
  'an agent answering %i for /state and /info does not offer them either: asked once, not retried, not blamed',
  async (status) => {
    const client = testClient({ maxRetries: 3, breakerThreshold: 1 });
    extended.inject((r) => r.route === 'state' || r.route === 'info', { kind: 'status', status });
    const t = target(extended, 7);
    await expect(client.getState(t)).resolves.toBeUndefined();
    await expect(client.getInfo(t)).resolves.toBeUndefined();
    await expect(client.getState(t)).resolves.toBeUndefined();
    expect(extended.requests.map((r) => r.route)).toEqual(['state', 'info']);
    // The breaker (threshold 1) did not open: the seed's endpoints still answer.
    await expect(client.getBackends(t)).resolves.toEqual(['web', 'empty']);
    extended.clearFaults();
    client.close();
  }
);

test('a command the agent does not offer (405, 501) says so', async () => {
  const client = testClient();
  for (const status of [405, 501]) {
    extended.inject((r) => r.segments.at(-1) === 'shutdown-sessions', { kind: 'status', status }, 1);
    await expect(client.command(target(extended), 'web', 'w1', 'shutdown-sessions')).rejects.toThrow(
      new RegExp(
        `^FAgent answered HTTP ${status} to POST .*/shutdown-sessions: the agent does not offer this endpoint$`
      )
    );
  }
  client.close();
});

test('a /state failure other than 404, 405 or 501 is an error, not a fallback', async () => {
  const client = testClient();
  extended.inject(on.state(), { kind: 'status', status: 500 }, 1);
  await expect(client.getState(target(extended))).rejects.toMatchObject({ kind: 'http', httpStatus: 500 });
  await expect(client.getState(target(extended))).resolves.toBeDefined();
  client.close();
});

test('weight: absolute or a percentage in the body, answered with the weight after', async () => {
  const client = testClient();
  await expect(client.command(target(extended), 'web', 'w1', 'weight', { weight: 50 })).resolves.toEqual({
    weight: 50,
  });
  await expect(client.command(target(extended), 'web', 'w1', 'weight', { weight: '50%' })).resolves.toEqual({
    weight: 10,
  });
  expect(extended.requests.map((r) => [r.rawPath, r.body])).toEqual([
    ['/api/haproxy/main/backends/web/servers/w1/weight', { weight: 50 }],
    ['/api/haproxy/main/backends/web/servers/w1/weight', { weight: '50%' }],
  ]);
  // The agent's refusal of a value is a typed 400 that does not count against it.
  extended.inject((r) => r.segments.at(-1) === 'weight', {
    kind: 'status',
    status: 400,
    body: JSON.stringify({ success: false, error: 'weight refused' }),
  });
  await expect(client.command(target(extended), 'web', 'w1', 'weight', { weight: '60%' })).rejects.toMatchObject({
    kind: 'refused',
    httpStatus: 400,
  });
  extended.clearFaults();
  expect(client.breakers.state(1)).toBe('closed');
  client.close();
});

test('a weight HAProxy cannot take is refused before anything is sent', async () => {
  const client = testClient();
  for (const weight of [257, -1, 1.5, '50', '%', '1e3%', '101%', '25600%', NaN]) {
    expect(weightSettingProblem(weight)).toBeDefined();
    await expect(
      client.command(target(extended), 'web', 'w1', 'weight', { weight: weight as number })
    ).rejects.toBeInstanceOf(TypeError);
  }
  expect(extended.requests).toHaveLength(0);
  for (const weight of [0, 256, '0%', '007%', '100%']) {
    expect(weightSettingProblem(weight)).toBeUndefined();
  }
  client.close();
});

test('shutdown-sessions reaches the agent and drops the instance’s cached answers', async () => {
  const client = testClient({ cacheTtlSec: 30 });
  expect((await client.getServers(target(extended), 'web'))[0].current_sessions).toBe(7);
  await client.command(target(extended), 'web', 'w1', 'shutdown-sessions');
  expect((await client.getServers(target(extended), 'web'))[0].current_sessions).toBe(0);
  expect(extended.requests.map((r) => `${r.method} ${r.rawPath}`)).toEqual([
    'GET /api/haproxy/main/backends/web/servers',
    'POST /api/haproxy/main/backends/web/servers/w1/shutdown-sessions',
    'GET /api/haproxy/main/backends/web/servers',
  ]);
  client.close();
});

test('forget drops an instance’s cache and breaker, not another’s', async () => {
  const client = testClient({ cacheTtlSec: 30, breakerThreshold: 1 });
  await client.getBackends(target(extended, 1));
  await client.getBackends(target(extended, 2));
  await expect(client.breakers.run(1, () => Promise.reject(new Error('down')))).rejects.toThrow();
  expect(client.breakers.state(1)).toBe('open');
  client.forget(1);
  expect(client.breakers.state(1)).toBe('closed');
  await client.getBackends(target(extended, 1));
  await client.getBackends(target(extended, 2));
  expect(extended.requests).toHaveLength(3);
  client.close();
});
