import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase } from '../support/db';
import { FakeServer, on } from '../support/fake-fagent';
import { startTestService } from '../support/service';
import { actions, expectError, fleet, Fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * Drain and ready jobs through the API, run by the service's worker against a fake agent whose sessions the
 * test sets: drain -> wait -> maint, deadlines, the budget at every step, cancel, idempotency, conflicts,
 * ramps, and a restart resuming a job.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;

const servers = jobServers;
const { create, until } = jobApi(h);
const newFleet = async (n: number, extra: Partial<FakeServer> = {}) => {
  const name = `jobs-${++seq}`;
  const f = await fleet(h, name, { web: servers(n, extra) });
  return { ...f, fake: (s: string) => h.agent.server(name, 'web', s) };
};
const ids = (f: Fleet) => Object.values(f.servers).map((s) => s.id);

test('a drain job drains, waits while sessions remain, sets maint once they end; max_parallel at a time', async () => {
  const f = await newFleet(3, { current_sessions: 4 });
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 2, reason: 'deploy 7' });
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ action: 'drain', then: 'maint', on_deadline: 'fail', reason: 'deploy 7' });
  const id = res.body.id;
  const waiting = await until(id, (op) => op.servers.filter((s: any) => s.sessions === 4).length === 2);
  expect(waiting.servers.map((s: any) => [s.server_name, s.state, s.sessions])).toEqual([
    ['j1', 'draining', 4],
    ['j2', 'draining', 4],
    ['j3', 'pending', null],
  ]);
  expect(f.fake('j1').admin_state).toBe('drain');
  await new Promise((r) => setTimeout(r, 400)); // polls go by: still waiting, nothing more sent
  expect(f.fake('j1').admin_state).toBe('drain');
  for (const s of ['j1', 'j2', 'j3']) {
    f.fake(s).current_sessions = 0;
  }
  const done = await until(id, final);
  expect(done).toMatchObject({ state: 'succeeded', error: null, progress: { total: 3, done: 3 } });
  expect(['j1', 'j2', 'j3'].map((s) => f.fake(s).admin_state)).toEqual(['maint', 'maint', 'maint']);
  const audit = await actions(h, `operation_id=${id}`);
  expect(audit.actions.map((a) => a.command).sort()).toEqual(['drain', 'drain', 'drain', 'maint', 'maint', 'maint']);
});

test.each([
  ['fail', 'failed', 'drain'],
  ['maint', 'succeeded', 'maint'],
  ['shutdown_sessions', 'succeeded', 'maint'],
])(
  'past its deadline with sessions left, on_deadline %s: the job %s, the server left in %s',
  async (policy, state, admin) => {
    const f = await newFleet(1, { current_sessions: 2 });
    const res = await create({ action: 'drain', server_ids: ids(f), deadline_s: 1, on_deadline: policy });
    const op = await until(res.body.id, final);
    expect(op.state).toBe(state);
    expect(f.fake('j1').admin_state).toBe(admin);
    if (policy === 'fail') {
      expect(op.servers[0]).toMatchObject({ state: 'failed', error: '2 sessions left after 1 s: left drained' });
    }
    if (policy === 'shutdown_sessions') {
      expect(f.fake('j1').current_sessions).toBe(0);
    }
  }
);

test('the budget at every step: a server it holds back waits, then goes once another comes back; past the deadline, refused', async () => {
  const f = await newFleet(3);
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 2 } });
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 3, then: null });
  const id = res.body.id;
  const held = await until(
    id,
    (op) => op.servers.filter((s: any) => ['done', 'waiting'].includes(s.state)).length === 3
  );
  expect(held.servers.map((s: any) => s.state).sort()).toEqual(['done', 'waiting', 'waiting']);
  expect(held.servers.find((s: any) => s.state === 'waiting').error).toMatch(/budget|minimum 2/);
  expect(['j1', 'j2', 'j3'].filter((s) => f.fake(s).admin_state === 'drain')).toHaveLength(1);

  // Another job may not take the held servers; a ready of the drained one lets the next go.
  const second = await create({ action: 'drain', server_ids: ids(f) });
  expect(second.status).toBe(409);
  expect(second.body.error).toMatchObject({ code: 'operation_conflict', details: { operation_id: id } });
  expect(second.body.error.message).toMatch(new RegExp(`is in operation ${id} \\(running\\)`));
  const drained = held.servers.find((s: any) => s.state === 'done');
  await h.t.call('POST', `/api/haproxy/servers/${drained.server_id}/command`, { body: { command: 'ready' } });
  await until(id, (op) => op.servers.filter((s: any) => s.state === 'done').length === 2);
  const cancelled = await h.t.call('POST', `/api/haproxy/operations/${id}/cancel`, { token: h.t.tokens.operator });
  expect(cancelled.body.state).toBe('cancelled');

  // With a deadline, a server still held back when it passes is refused for good.
  const f2 = await newFleet(2);
  await h.t.call('PUT', `/api/haproxy/backends/${f2.backendIds.web}/budget`, { body: { min_available: 1 } });
  const timed = await create({ action: 'drain', backend_id: f2.backendIds.web, max_parallel: 2, deadline_s: 1 });
  const op = await until(timed.body.id, final);
  expect(op.state).toBe('failed');
  expect(op.progress).toMatchObject({ done: 1, refused: 1 });
  expect(op.error).toMatch(/1 refused by the disruption budget/);
});

test('cancel: servers not started stay as they were, what is out stays out and the job says so; a finished job: 409', async () => {
  const f = await newFleet(2, { current_sessions: 3 });
  const res = await create({ action: 'drain', server_ids: ids(f), max_parallel: 1 });
  await until(res.body.id, (op) => op.servers[0].sessions === 3);
  expectError(
    await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, { token: h.t.tokens.viewer }),
    403
  );
  const cancelled = await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, {
    token: h.t.tokens.operator,
  });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({ state: 'cancelled', progress: { cancelled: 2 } });
  expect(cancelled.body.servers.map((s: any) => s.note)).toEqual([
    'cancelled while draining: left drained with 3 sessions',
    'cancelled before it started',
  ]);
  f.fake('j1').current_sessions = 0;
  await new Promise((r) => setTimeout(r, 400));
  expect([f.fake('j1').admin_state, f.fake('j2').admin_state]).toEqual(['drain', 'ready']);

  const quick = await newFleet(1);
  const done = await create({ action: 'drain', server_ids: ids(quick) });
  await until(done.body.id, final);
  const late = await h.t.call('POST', `/api/haproxy/operations/${done.body.id}/cancel`);
  expectError(late, 409, 'conflict');
});

test('the same idempotency_key answers the same job (200); with another request: 409; a dry run creates nothing', async () => {
  const f = await newFleet(2, { current_sessions: 1 });
  const body = { action: 'drain', backend_id: f.backendIds.web, idempotency_key: `deploy-${seq}` };
  const first = await create(body);
  const again = await create(body);
  expect([first.status, again.status]).toEqual([202, 200]);
  expect(again.body.id).toBe(first.body.id);
  expectError(await create({ ...body, max_parallel: 2 }), 409, 'conflict');
  await h.t.call('POST', `/api/haproxy/operations/${first.body.id}/cancel`);

  const before = (await h.t.call('GET', '/api/haproxy/operations')).body.total;
  const g = await newFleet(2);
  const dry = await create({ action: 'drain', backend_id: g.backendIds.web, dry_run: true });
  expect(dry.status).toBe(200);
  expect(dry.body).toMatchObject({ dry_run: true, servers: [{ would: 'take_out' }, { would: 'take_out' }] });
  // With a budget that holds both: refused, unless the job is forced, as the real one would go.
  const budget = { token: h.t.tokens.admin, body: { min_available: 2 } };
  expect((await h.t.call('PUT', `/api/haproxy/backends/${g.backendIds.web}/budget`, budget)).status).toBe(200);
  const guarded = { action: 'drain', backend_id: g.backendIds.web, dry_run: true };
  expect((await create(guarded)).body.servers.map((s: { would: string }) => s.would)).toEqual(['refuse', 'refuse']);
  const forced = await create({ ...guarded, force: true, reason: 'datacenter move' });
  expect(forced.body.servers).toMatchObject([
    { would: 'take_out', reason: expect.stringMatching(/^forced past the budget: /) },
    { would: 'take_out' },
  ]);
  expect((await h.t.call('GET', '/api/haproxy/operations')).body.total).toBe(before);
  expect(g.fake('j1').admin_state).toBe('ready');
});

test('bad input: 400 with the reason, unknown selection 404, nothing created', async () => {
  const f = await newFleet(1);
  const s = ids(f);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ action: 'drain' }, /exactly one of server_ids, backend_id, application_id/],
    [{ action: 'drain', server_ids: s, backend_id: f.backendIds.web }, /exactly one/],
    [{ action: 'drain', server_ids: s, deadline_s: 86_401 }, /at most 24 h/],
    [{ action: 'ready', server_ids: s, ramp: { steps: [10, 50], interval_s: 5 } }, /must end at 100/],
    [{ action: 'ready', server_ids: s, ramp: { steps: [50, 25, 100], interval_s: 5 } }, /must rise/],
    [{ action: 'drain', server_ids: s, force: true }, /force needs a reason/],
    [{ action: 'drain', server_ids: s, callback_url: 'ftp://example.com/x' }, /./],
    [{ action: 'ready', server_ids: s, deadline_s: 10 }, /go with drain/],
  ];
  for (const [body, message] of cases) {
    const res = await create(body);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toMatch(message);
  }
  expectError(await create({ action: 'drain', backend_id: 2_147_483_647 }), 404);
  expectError(await create({ action: 'drain', server_ids: [2_147_483_647] }), 404);
  const empty = await fleet(h, `jobs-empty-${++seq}`, { web: servers(1), none: [] });
  const noServer = await create({
    action: 'drain',
    backend_id: empty.backendIds.none ?? (await emptyBackendId(empty)),
  });
  expectError(noServer, 400);
  expect(noServer.body.error.message).toMatch(/no current server/);
  expect((await h.t.call('GET', `/api/haproxy/operations?state=bogus`)).status).toBe(400);
});

/** The id of the server-less backend `none` (absent from server lists). */
async function emptyBackendId(f: Fleet): Promise<number> {
  const res = await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}/backends`);
  const none = res.body.backends.find((b: { backend_name: string }) => b.backend_name === 'none');
  if (!none) {
    throw new Error(`no backend "none": ${JSON.stringify(res.body)}`);
  }
  return none.id;
}

/**
 * A server of weight 80 in maint (`agentSays`: what else its agent tells of it) returned by a one-server ready
 * command with a ramp of 25, 50, 100%: the job it made, and the commands its agent was sent.
 */
async function rampedFromMaint(agentSays: Partial<FakeServer>) {
  const f = await newFleet(1);
  await h.t.call('POST', `/api/haproxy/servers/${ids(f)[0]}/command`, { body: { command: 'maint' } });
  Object.assign(f.fake('j1'), { weight: 80, ...agentSays });
  h.agent.requests.length = 0;
  const res = await h.t.call('POST', `/api/haproxy/servers/${ids(f)[0]}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'ready', ramp: { steps: [25, 50, 100], interval_s: 1 }, reason: 'back after patch' },
  });
  expect(res.status).toBe(202);
  expect(res.body.operation).toMatchObject({ action: 'ready', ramp: { steps: [25, 50, 100], interval_s: 1 } });
  const op = await until(res.body.operation.id, final);
  expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done', step: 2, weight: 80 }] });
  expect(f.fake('j1')).toMatchObject({ admin_state: 'ready', weight: 80 });
  return h.agent.requests
    .filter((r) => r.route === 'command')
    .map((r) => [r.segments[7], (r.body as { weight?: unknown } | undefined)?.weight ?? null]);
}

test('ready with a ramp: the weight steps through the agent, ending at the configured weight; a single command is a one-server job', async () => {
  // Absolute weights from the configured 80 the agent tells: HAProxy would round a percentage down.
  expect(await rampedFromMaint({ initial_weight: 80 })).toEqual([
    ['weight', 20],
    ['ready', null],
    ['weight', 40],
    ['weight', 80],
  ]);
});

test('a ramp on an agent that does not tell the configured weight steps from the weight read first, then 100%', async () => {
  // Steps of the 80 read in maint (the later reads say 20, then 40), and HAProxy's own 100% last.
  expect(await rampedFromMaint({ configured_weight: 80 })).toEqual([
    ['weight', 20],
    ['ready', null],
    ['weight', 40],
    ['weight', '100%'],
  ]);
});

test('a job resumes after its backend stops mid-way: another one on the same database finishes it', async () => {
  const db = await createTestDatabase();
  const first = await startTestService({}, db);
  const name = `jobs-restart-${++seq}`;
  h.agent.setBackend(name, 'web', servers(2, { current_sessions: 5 }));
  try {
    const reg = await first.call('POST', '/api/hosts', {
      body: { name, address: '127.0.0.1', fagent_url: h.agent.url },
    });
    const inst = await first.call('POST', '/api/haproxy/instances', { body: { host_id: reg.body.id, name } });
    await first.call('POST', `/api/haproxy/instances/${inst.body.id}/sync?wait=true`);
    const list = await first.call('GET', `/api/haproxy/servers?instance_id=${inst.body.id}`);
    const res = await first.call('POST', '/api/haproxy/operations', {
      body: { action: 'drain', server_ids: list.body.servers.map((s: { id: number }) => s.id), max_parallel: 2 },
    });
    const end = Date.now() + 10_000;
    while (h.agent.server(name, 'web', 'j2').admin_state !== 'drain' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.stop();
    for (const s of ['j1', 'j2']) {
      h.agent.server(name, 'web', s).current_sessions = 0;
    }
    const second = await startTestService({}, db);
    try {
      let op: any;
      while (Date.now() < end + 10_000) {
        op = (await second.call('GET', `/api/haproxy/operations/${res.body.id}`)).body;
        if (final(op)) {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(op).toMatchObject({ state: 'succeeded', progress: { done: 2 } });
      expect(h.agent.server(name, 'web', 'j1').admin_state).toBe('maint');
    } finally {
      await second.stop();
    }
  } finally {
    await db.drop();
  }
});

test('a callback gets the finished job; one that fails is recorded on the job, which still succeeds', async () => {
  const got: Array<{ path: string; body: any }> = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: JSON.parse(text) });
      if (req.url === '/chatty') {
        // A 200 with a large page, and its end never sent: accepted all the same.
        res.writeHead(200, { 'content-type': 'text/html' }).write('x'.repeat(1_000_000));
        return;
      }
      res.writeHead(req.url === '/broken' ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    const f = await newFleet(3);
    const [a, b, c] = ids(f);
    const ok = await create({ action: 'drain', server_ids: [a], callback_url: `${base}/deploy/7` });
    const broken = await create({ action: 'drain', server_ids: [b], callback_url: `${base}/broken` });
    const chatty = await create({ action: 'drain', server_ids: [c], callback_url: `${base}/chatty` });
    const okDone = await until(ok.body.id, (op) => op.callback?.state === 'sent');
    const brokenDone = await until(broken.body.id, (op) => op.callback?.state === 'failed');
    expect(okDone).toMatchObject({ state: 'succeeded', callback: { state: 'sent', error: null } });
    expect(brokenDone).toMatchObject({
      state: 'succeeded',
      callback: { state: 'failed', error: 'the callback answered HTTP 500' },
    });
    const sent = got.find((g) => g.path === '/deploy/7')!;
    expect(sent.body).toMatchObject({ id: ok.body.id, state: 'succeeded', progress: { done: 1 } });
    expect(got.filter((g) => g.path === '/deploy/7')).toHaveLength(1);
    // Its callback state is null until the job ends, then pending until it is sent.
    const chattyDone = await until(chatty.body.id, (op) => ['sent', 'failed'].includes(op.callback?.state));
    expect(chattyDone).toMatchObject({ state: 'succeeded', callback: { state: 'sent', error: null } });
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
});

test("an operator's ready while the job drains the server is not fought: the server ends failed, left ready", async () => {
  const f = await newFleet(1, { current_sessions: 3 });
  const res = await create({ action: 'drain', server_ids: ids(f), reason: 'deploy 9' });
  await until(res.body.id, (op) => op.servers[0].state === 'draining' && op.servers[0].sessions === 3);
  const ready = await h.t.call('POST', `/api/haproxy/servers/${ids(f)[0]}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'ready', reason: 'keep it in' },
  });
  expect(ready.status).toBe(200);
  const op = await until(res.body.id, final);
  expect(op.state).toBe('failed');
  expect(op.servers[0]).toMatchObject({ state: 'failed' });
  expect(op.servers[0].error).toMatch(/^set ready by .+ while the job drained it: left ready$/);
  expect(f.fake('j1').admin_state).toBe('ready');
  const audit = await actions(h, `operation_id=${res.body.id}`);
  expect(audit.actions.map((a) => a.command)).toEqual(['drain']);
});

test('an agent that stops answering does not keep a draining server, or its job, past the deadline', async () => {
  const f = await newFleet(1, { current_sessions: 2 });
  const res = await create({ action: 'drain', server_ids: ids(f), deadline_s: 1 });
  await until(res.body.id, (op) => op.servers[0].state === 'draining');
  h.agent.inject(on.any(), { kind: 'status', status: 503 });
  try {
    const op = await until(res.body.id, final);
    expect(op).toMatchObject({ state: 'failed', servers: [{ state: 'failed' }] });
    expect(op.servers[0].error).toMatch(
      /^sessions unknown \(the agent did not answer: .+\) left after 1 s: left drained$/
    );
  } finally {
    h.agent.clearFaults();
  }
});
