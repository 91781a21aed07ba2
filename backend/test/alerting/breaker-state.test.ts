import { BreakerStateRecorder } from '../../src/alerting/breaker-state';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent, on } from '../support/fake-fagent';
import { silentLog } from '../support/fixtures';
import { registerInstance, startTestService, TestService } from '../support/service';
import { parseExposition, value } from '../metrics/exposition';
import { seedFleet } from './fleet-fixture';
import { evaluate, rule, ruleSql } from './grafana-rules';

/** The breaker lives in the backend's memory; the "breaker open" rule sees it only through what is persisted. */
const breakerRule = rule('haproxy-instance-breaker-open');

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) {
      return v;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('through the running service', () => {
  let agent: FakeFagent;
  let t: TestService;
  let instanceId: number;
  const state = async () =>
    (await t.service.ds.query(`SELECT breaker_state FROM haproxy_instances WHERE id = $1`, [instanceId]))[0]
      .breaker_state;
  const firing = async () =>
    evaluate(breakerRule, await t.service.ds.query(ruleSql(breakerRule)))
      .filter((i) => i.firing)
      .map((i) => i.labels);
  const sync = async () => (await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).body.status;
  const metricsBreaker = async () => {
    const s = parseExposition((await t.call('GET', '/metrics')).body);
    return ['closed', 'open', 'half_open'].find(
      (st) => value(s, 'haproxy_control_instance_breaker_state', { haproxy_instance: 'edge-1', state: st }) === 1
    );
  };

  beforeAll(async () => {
    agent = await new FakeFagent().start();
    agent.setBackend('edge-1', 'web', [{ name: 'w1', status: 'UP' }]);
    // Long enough that the open-breaker checks finish before the half-open trial on a loaded machine.
    t = await startTestService({ breakerThreshold: 2, breakerResetTimeoutMs: 3000, maxRetries: 0 });
    instanceId = (await registerInstance(t, agent.url, 'edge-1', { hostName: 'lb-edge' })).instanceId;
    expect(await sync()).toBe('ok');
  });
  afterAll(async () => {
    await t?.stop();
    await agent?.stop();
  });

  test('closed: nothing fires', async () => {
    expect(await state()).toBe('closed');
    expect(await firing()).toEqual([]);
    expect(await metricsBreaker()).toBe('closed');
  });

  test('opened by failing syncs: persisted, the rule fires, /metrics shows it, commands count as breaker_open', async () => {
    agent.inject(on.backends(), { kind: 'status', status: 503 });
    expect(await sync()).toBe('failed');
    expect(await sync()).toBe('failed');
    await waitFor('breaker_state open', state, (s) => s === 'open');
    expect(await firing()).toEqual([{ instance: 'edge-1', host: 'lb-edge' }]);
    expect(await metricsBreaker()).toBe('open');

    const [server] = await t.service.ds.query(`SELECT id FROM haproxy_servers WHERE server_name = 'w1'`);
    expect(
      (await t.call('POST', `/api/haproxy/servers/${server.id}/command`, { body: { command: 'drain' } })).status
    ).toBe(503);
    const s = parseExposition((await t.call('GET', '/metrics')).body);
    expect(value(s, 'haproxy_control_commands_total', { command: 'drain', result: 'breaker_open' })).toBe(1);
  });

  test('half-open after the timeout still fires; a successful trial closes it and the rule stops', async () => {
    await waitFor('breaker_state half_open', state, (s) => s === 'half_open', 10_000);
    expect(await firing()).toEqual([{ instance: 'edge-1', host: 'lb-edge' }]);
    agent.clearFaults();
    expect(await sync()).toBe('ok');
    await waitFor('breaker_state closed', state, (s) => s === 'closed');
    expect(await firing()).toEqual([]);
    expect(await metricsBreaker()).toBe('closed');
  });
});

describe('a breaker forgotten while open (another agent, a renamed instance)', () => {
  let broken: FakeFagent;
  let working: FakeFagent;
  let t: TestService;
  let ids: { hostId: number; instanceId: number };
  const state = async () =>
    (await t.service.ds.query(`SELECT breaker_state FROM haproxy_instances WHERE id = $1`, [ids.instanceId]))[0]
      .breaker_state;
  const firing = async () =>
    evaluate(breakerRule, await t.service.ds.query(ruleSql(breakerRule))).filter((i) => i.firing);
  const openIt = async () => {
    for (let k = 0; k < 2; k++) {
      await t.call('POST', `/api/haproxy/instances/${ids.instanceId}/sync?wait=true`);
    }
    await waitFor('breaker_state open', state, (s) => s === 'open');
  };

  beforeAll(async () => {
    broken = await new FakeFagent().start();
    broken.setBackend('edge-1', 'web', [{ name: 'w1', status: 'UP' }]);
    broken.setBackend('edge-2', 'web', [{ name: 'w1', status: 'UP' }]);
    broken.inject(on.backends(), { kind: 'status', status: 503 });
    working = await new FakeFagent().start();
    working.setBackend('edge-1', 'web', [{ name: 'w1', status: 'UP' }]);
    // No half-open trial within the test: only the forgetting may close it.
    t = await startTestService({ breakerThreshold: 2, breakerResetTimeoutMs: 600_000, maxRetries: 0 });
    ids = await registerInstance(t, broken.url, 'edge-1', { hostName: 'lb-edge' });
  });
  afterAll(async () => {
    await t?.stop();
    await broken?.stop();
    await working?.stop();
  });

  test("the host's agent replaced: the persisted state is closed and the rule stops", async () => {
    await openIt();
    expect(await firing()).toHaveLength(1);
    expect(
      (await t.call('PATCH', `/api/hosts/${ids.hostId}`, { body: { fagent_url: working.url, fagent_token: null } }))
        .status
    ).toBe(200);
    await waitFor('breaker_state closed', state, (s) => s === 'closed');
    expect(await firing()).toEqual([]);
  });

  test('the instance renamed: the persisted state is closed and the rule stops', async () => {
    expect(
      (await t.call('PATCH', `/api/hosts/${ids.hostId}`, { body: { fagent_url: broken.url, fagent_token: null } }))
        .status
    ).toBe(200);
    await openIt();
    expect(
      (await t.call('PATCH', `/api/haproxy/instances/${ids.instanceId}`, { body: { name: 'edge-2' } })).status
    ).toBe(200);
    await waitFor('breaker_state closed', state, (s) => s === 'closed');
    expect(await firing()).toEqual([]);
  });
});

describe('BreakerStateRecorder', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedFleet(db.ds, [
      { name: 'lb1', instances: [{ name: 'a', breaker: 'open' }, { name: 'b', breaker: 'half_open' }, { name: 'c' }] },
    ]);
  });
  afterAll(() => db?.drop());
  const states = async () =>
    Object.fromEntries(
      (await db.ds.query(`SELECT name, breaker_state FROM haproxy_instances ORDER BY name`)).map(
        (r: { name: string; breaker_state: string }) => [r.name, r.breaker_state]
      )
    );

  test('writes of one instance land in the order the breaker changed', async () => {
    const recorder = new BreakerStateRecorder(db.pool, silentLog);
    const [a] = await db.ds.query(`SELECT id FROM haproxy_instances WHERE name = 'c'`);
    for (const s of ['open', 'half_open', 'open', 'half_open', 'closed', 'open'] as const) {
      recorder.record(a.id, s);
    }
    await recorder.flush();
    expect((await states()).c).toBe('open');
  });

  test('at start every state left by a previous process is reset to closed (a new process has closed breakers)', async () => {
    await new BreakerStateRecorder(db.pool, silentLog).resetAll();
    expect(await states()).toEqual({ a: 'closed', b: 'closed', c: 'closed' });
  });

  test('a failed write is logged, not thrown', async () => {
    const recorder = new BreakerStateRecorder(db.pool, silentLog);
    const [a] = await db.ds.query(`SELECT id FROM haproxy_instances WHERE name = 'a'`);
    recorder.record(a.id, 'bogus' as 'open'); // violates the CHECK constraint
    recorder.record(999_999, 'open'); // no such row: a no-op
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect((await states()).a).toBe('closed');
  });
});
