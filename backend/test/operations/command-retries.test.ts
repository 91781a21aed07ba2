import { loadConfig } from '../../src/config';
import type { Recorded } from '../support/fake-fagent';
import { actions, fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * A job's command that fails because its agent could not be reached or answered a transient error keeps the
 * server where it was and is tried again at the next look, up to HAPROXY_OPERATION_RETRY_S (3 s here; never past
 * deadline_s); HAProxy's refusal still ends the server at once. The breaker opens after 5 failures and half-opens
 * after 300 ms, so a blip that opens it is ridden out too.
 */
const RETRY_MS = 3000;
const h = useHarness({ operationRetryMs: RETRY_MS, breakerResetTimeoutMs: 300 }, { protocol: 'extended' });
const { create, until } = jobApi(h);
let seq = 0;

const commandsOf = (instance: string) => (r: Recorded) => r.route === 'command' && r.segments[2] === instance;
const sentTo = (instance: string, server: string, command: string) =>
  h.agent.requests.filter((r) => commandsOf(instance)(r) && r.segments[6] === server && r.segments[7] === command)
    .length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newFleet(n: number) {
  const name = `retries-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(n) });
  return { name, ids: Object.values(f.servers).map((s) => s.id) };
}

/** The job's audit rows, oldest first. */
async function audit(id: string) {
  const rows = (await actions(h, `operation_id=${id}&limit=500`)).actions;
  return rows.sort((a, b) => (a.id as number) - (b.id as number));
}

test.each([
  ['answers 500', (name: string) => h.agent.inject(commandsOf(name), { kind: 'status', status: 500 })],
  ['resets connections', (name: string) => h.agent.inject(commandsOf(name), { kind: 'reset' })],
])(
  'a rolling drain (max_parallel 1) whose agent %s for a moment: all 3 servers end done, in order',
  async (_, fault) => {
    const { name, ids } = await newFleet(3);
    fault(name);
    const res = await create({ action: 'drain', server_ids: ids, max_parallel: 1 });
    await until(res.body.id, (op) => /; tried again at the next look$/.test(op.servers[0].error ?? ''));
    expect((await until(res.body.id, () => true)).servers.map((s: any) => s.state)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    await sleep(600);
    h.agent.clearFaults();
    const op = await until(res.body.id, final);
    expect(op.state).toBe('succeeded');
    expect(op.servers.map((s: any) => [s.state, s.error])).toEqual([
      ['done', null],
      ['done', null],
      ['done', null],
    ]);
    const rows = await audit(res.body.id);
    const applied = rows.filter((a) => a.success);
    expect(applied.map((a) => `${a.command} ${a.server_name}`)).toEqual([
      'drain j1',
      'maint j1',
      'drain j2',
      'maint j2',
      'drain j3',
      'maint j3',
    ]);
    // One audit row per attempt: each drain of j1 the agent got (and each it never got, refused) is one row.
    const j1Drains = rows.filter((a) => a.server_name === 'j1' && a.command === 'drain');
    expect(j1Drains.length).toBeGreaterThan(1);
    expect(j1Drains.filter((a) => !a.success).every((a) => a.result === 'failure' || a.result === 'unknown')).toBe(
      true
    );
    // No server is left marked as going out (the budgets would count it out).
    const marks = await h.t.db.pool.query(`SELECT server_id FROM haproxy_taking_out WHERE server_id = ANY($1)`, [ids]);
    expect(marks).toEqual([]);
  }
);

test('the agent refusing connections for a moment (the breaker opening): the drain goes on', async () => {
  const { name, ids } = await newFleet(2);
  const port = h.agent.port;
  const res = await create({ action: 'drain', server_ids: ids, max_parallel: 1 });
  await h.agent.stop();
  try {
    await until(res.body.id, (op) => /; tried again at the next look$/.test(op.servers[0].error ?? ''));
    await sleep(800);
  } finally {
    await h.agent.start(port);
  }
  const op = await until(res.body.id, final);
  expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done' }, { state: 'done' }] });
  expect(h.agent.server(name, 'web', 'j2').admin_state).toBe('maint');
});

test('an unknown outcome (the answer and the read back failing) is tried again: the next one sees it', async () => {
  const { name, ids } = await newFleet(1);
  h.agent.inject((r) => (r.route === 'command' || r.route === 'servers') && r.segments[2] === name, {
    kind: 'status',
    status: 502,
  });
  const res = await create({ action: 'drain', server_ids: ids });
  await until(res.body.id, (op) => /unknown.*; tried again at the next look$/.test(op.servers[0].error ?? ''));
  h.agent.clearFaults();
  const op = await until(res.body.id, final);
  expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done', error: null }] });
  const rows = await audit(res.body.id);
  expect(rows.filter((a) => a.command === 'drain').map((a) => a.result)).toContain('unknown');
  expect(rows.filter((a) => a.command === 'drain').length).toBe(sentTo(name, 'j1', 'drain'));
});

test.each([
  ['without a deadline, after the retry window', {}, RETRY_MS, 10_000],
  ['with deadline_s 1, after the deadline', { deadline_s: 1 }, 1000, RETRY_MS],
])(
  'an agent that never answers again: the server ends failed %s, and the job ends',
  async (_, extra, atLeast, below) => {
    const { name, ids } = await newFleet(2);
    h.agent.inject(commandsOf(name), { kind: 'status', status: 503 });
    const t0 = Date.now();
    const res = await create({ action: 'drain', server_ids: ids, max_parallel: 2, ...extra });
    const op = await until(res.body.id, final, 15_000);
    const took = Date.now() - t0;
    expect(op.state).toBe('failed');
    for (const s of op.servers) {
      expect(s.state).toBe('failed');
      // The last error: the agent's 503, or the breaker those opened.
      expect(s.error).toMatch(/^drain: .*(503|circuit breaker open)/);
      expect(s.error).not.toMatch(/tried again/);
    }
    expect(took).toBeGreaterThanOrEqual(atLeast);
    expect(took).toBeLessThan(below);
    expect(sentTo(name, 'j1', 'drain')).toBeGreaterThan(1);
    // One audit row per attempt: those the agent answered, and those its open breaker kept from it.
    const j1 = (await audit(res.body.id)).filter((a) => a.server_name === 'j1');
    expect(j1.every((a) => a.command === 'drain' && a.result === 'failure')).toBe(true);
    expect(j1.filter((a) => !/circuit breaker open/.test(a.error as string))).toHaveLength(sentTo(name, 'j1', 'drain'));
  }
);

test("HAProxy's refusal (409) after a transient failure ends the server at once, with the refusal", async () => {
  const { name, ids } = await newFleet(2);
  h.agent.inject(commandsOf(name), { kind: 'status', status: 500 }, 1);
  h.agent.inject((r) => commandsOf(name)(r) && r.segments[6] === 'j1', {
    kind: 'status',
    status: 409,
    body: JSON.stringify({ success: false, error: 'server is not in a state to drain' }),
  });
  const t0 = Date.now();
  const res = await create({ action: 'drain', server_ids: ids, max_parallel: 1 });
  const op = await until(res.body.id, final);
  expect(Date.now() - t0).toBeLessThan(RETRY_MS);
  expect(op.state).toBe('failed');
  expect(op.servers[0].state).toBe('failed');
  expect(op.servers[0].error).toMatch(/^drain: .*server is not in a state to drain$/);
  expect(op.servers[1]).toMatchObject({ state: 'done', error: null });
  expect(sentTo(name, 'j1', 'drain')).toBe(2);
});

test('a ready with a ramp rides out blips before it starts and mid-ramp', async () => {
  const name = `retries-${++seq}`;
  const f = await fleet(h, name, {
    web: jobServers(1, { admin_state: 'maint', status: 'MAINT', initial_weight: 100 }),
  });
  h.agent.inject(commandsOf(name), { kind: 'status', status: 500 });
  const res = await create({
    action: 'ready',
    server_ids: [f.servers['web/j1'].id],
    ramp: { steps: [50, 100], interval_s: 1 },
  });
  await until(res.body.id, (op) => /tried again/.test(op.servers[0].error ?? ''));
  h.agent.clearFaults();
  await until(res.body.id, (op) => op.servers[0].state === 'ramping');
  h.agent.inject(commandsOf(name), { kind: 'status', status: 500 });
  const blip = await until(res.body.id, (op) => /^weight: .*tried again/.test(op.servers[0].error ?? ''));
  expect(blip.servers[0].state).toBe('ramping');
  h.agent.clearFaults();
  const op = await until(res.body.id, final);
  expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done', error: null }] });
  expect(h.agent.server(name, 'web', 'j1')).toMatchObject({ admin_state: 'ready', weight: 100 });
});

test('a job cancelled while a server is being tried again: cancelled, and nothing more is sent', async () => {
  const { name, ids } = await newFleet(2);
  h.agent.inject(commandsOf(name), { kind: 'status', status: 500 });
  const res = await create({ action: 'drain', server_ids: ids, max_parallel: 1 });
  await until(res.body.id, (op) => /tried again/.test(op.servers[0].error ?? ''));
  const cancelled = await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, {
    token: h.t.tokens.operator,
  });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({
    state: 'cancelled',
    servers: [{ state: 'cancelled' }, { state: 'cancelled', note: 'cancelled before it started' }],
  });
  expect(cancelled.body.servers[0].note).toMatch(/^cancelled while drain was being tried again: drain: .*500/);
  await sleep(300);
  const sent = h.agent.requests.filter(commandsOf(name)).length;
  await sleep(400);
  expect(h.agent.requests.filter(commandsOf(name)).length).toBe(sent);
  expect(sentTo(name, 'j2', 'drain')).toBe(0);
});

test('HAPROXY_OPERATION_RETRY_S: 300 s by default; 0 fails a server at its first failure; checked at start', () => {
  expect(loadConfig({}).operationRetryMs).toBe(300_000);
  expect(loadConfig({ HAPROXY_OPERATION_RETRY_S: '0' }).operationRetryMs).toBe(0);
  expect(loadConfig({ HAPROXY_OPERATION_RETRY_S: '' }).operationRetryMs).toBe(300_000);
  expect(() => loadConfig({ HAPROXY_OPERATION_RETRY_S: '-1' })).toThrow(/HAPROXY_OPERATION_RETRY_S/);
  expect(() => loadConfig({ HAPROXY_OPERATION_RETRY_S: 'soon' })).toThrow(/HAPROXY_OPERATION_RETRY_S/);
});
