import type { Fault } from '../support/fake-fagent';
import { registerInstance } from '../support/service';
import { actions, command, createApplication, expectError, fleet, syncNow, useHarness } from './helpers';

const h = useHarness({ breakerThreshold: 2 });
const commandsTo = (instance: string) => (r: { method: string; segments: string[] }) =>
  r.method === 'POST' && r.segments[2] === instance;

describe('one server', () => {
  test('drain: 200 with the audited action and the updated server; the agent got exactly one POST', async () => {
    const f = await fleet(h, 'cmd-ok', { web: [{ name: 's1', status: 'UP' }] });
    const s1 = f.servers['web/s1'];
    const sent = h.agent.requests.length;
    const res = await command(h, s1.id, 'drain');
    expect(res.status).toBe(200);
    expect(res.body.server).toMatchObject({ id: s1.id, status: 'DRAIN', raw_status: 'DRAIN' });
    expect(res.body.action).toMatchObject({
      server_id: s1.id,
      instance_id: f.instanceId,
      instance_name: 'cmd-ok',
      backend_name: 'web',
      server_name: 's1',
      command: 'drain',
      actor: 'token:test-operator',
      source: 'api',
      operation_id: null,
      success: true,
      error: null,
      status_before: 'UP',
      status_after: 'DRAIN',
    });
    // One POST, then one read of the backend's servers: the stored status is what HAProxy reports after it.
    expect(h.agent.requests.slice(sent).map((r) => `${r.method} ${r.rawPath}`)).toEqual([
      'POST /api/haproxy/cmd-ok/backends/web/servers/s1/drain',
      'GET /api/haproxy/cmd-ok/backends/web/servers',
    ]);
    expect(h.agent.server('cmd-ok', 'web', 's1').status).toBe('DRAIN');
    expect((await h.t.call('GET', `/api/haproxy/servers/${s1.id}`)).body.status).toBe('DRAIN');
  });

  test("an orchestrator says so; a Grafana token's X-Grafana-User makes it grafana:<login> from the ui whatever the body says", async () => {
    const f = await fleet(h, 'cmd-src', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    expect((await command(h, id, 'maint', { source: 'orchestrator' })).body.action).toMatchObject({
      actor: 'token:test-operator',
      source: 'orchestrator',
    });
    const viaGrafana = await command(h, id, 'ready', {
      token: h.t.grafanaTokens.operator,
      source: 'orchestrator',
      headers: { 'X-Grafana-User': 'alice@example.com' },
    });
    expect(viaGrafana.body.action).toMatchObject({ actor: 'grafana:alice@example.com', source: 'ui', success: true });
    expect(
      (await actions(h, `actor=${encodeURIComponent('grafana:alice@example.com')}`)).actions.map((a) => a.id)
    ).toEqual([viaGrafana.body.action.id]);
  });

  test('FAgent answering 500: 502, stored status untouched, the attempt audited with success=false and what HAProxy shows', async () => {
    const f = await fleet(h, 'cmd-500', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    h.agent.inject(
      commandsTo('cmd-500'),
      { kind: 'status', status: 500, body: '{"success":false,"error":"socket gone"}' },
      1
    );
    const res = await command(h, id, 'drain');
    expectError(res, 502, 'fagent_error');
    expect(res.body.error.message).toContain('socket gone');
    expect((await h.t.call('GET', `/api/haproxy/servers/${id}`)).body.status).toBe('UP');
    const audit = await actions(h, `server_id=${id}`);
    expect(audit.actions).toEqual([
      expect.objectContaining({
        command: 'drain',
        success: false,
        error: expect.stringContaining('socket gone'),
        status_before: 'UP',
        // A 5xx may hide a success: HAProxy was asked, and shows the drain not applied.
        status_after: 'UP',
        note: 'HAProxy shows "UP": not applied',
      }),
    ]);
  });

  test('HAProxy refusing the command (the agent’s 409): 409 haproxy_refused with its reason, audited', async () => {
    const f = await fleet(h, 'cmd-409', { web: [{ name: 's1', status: 'UP' }] });
    const reason = "HAProxy: Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.";
    h.agent.inject(
      commandsTo('cmd-409'),
      { kind: 'status', status: 409, body: JSON.stringify({ success: false, error: reason }) },
      1
    );
    const res = await command(h, f.servers['web/s1'].id, 'drain');
    expectError(res, 409, 'haproxy_refused');
    expect(res.body.error.message).toContain(reason);
    expect((await actions(h, `instance_id=${f.instanceId}&success=false`)).actions).toEqual([
      expect.objectContaining({ command: 'drain', error: expect.stringContaining(reason) }),
    ]);
  });

  test.each<[string, Fault]>([
    ['success:false', { kind: 'body', body: { success: false, error: 'refused' } }],
    ['a wrong shape', { kind: 'body', body: { ok: 1 } }],
    ['invalid JSON', { kind: 'invalid-json' }],
    ['a reset connection', { kind: 'reset' }],
  ])('FAgent answering with %s is a 502 too', async (what, fault) => {
    const instance = `cmd-${what.replace(/\W+/g, '-')}`;
    const f = await fleet(h, instance, { web: [{ name: 's1', status: 'UP' }] });
    h.agent.inject(commandsTo(instance), fault, 1);
    expectError(await command(h, f.servers['web/s1'].id, 'drain'), 502, 'fagent_error');
    expect((await actions(h, `instance_id=${f.instanceId}&success=false`)).total).toBe(1);
  });

  test('an agent no connection reaches: a failure audited as such, not unknown (nothing was sent)', async () => {
    const f = await fleet(h, 'cmd-refused', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    const dead = 'http://127.0.0.1:9'; // discard port: nothing listens, the connection is refused
    await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { fagent_url: dead, fagent_token: null } });
    expectError(await command(h, id, 'drain'), 502, 'fagent_error');
    const [audit] = (await actions(h, `server_id=${id}`)).actions;
    expect(audit).toMatchObject({ command: 'drain', result: 'failure', success: false });
    expect(audit.error).toContain('ECONNREFUSED');
  });

  test('after the threshold the breaker is open: 503 without calling the agent, audited, visible on the instance', async () => {
    const f = await fleet(h, 'cmd-breaker', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    h.agent.inject(commandsTo('cmd-breaker'), { kind: 'status', status: 503 });
    expectError(await command(h, id, 'drain'), 502, 'fagent_error');
    expectError(await command(h, id, 'drain'), 502, 'fagent_error');
    const sent = h.agent.requests.length;
    const res = await command(h, id, 'drain');
    expectError(res, 503, 'breaker_open');
    expect(h.agent.requests.length).toBe(sent);
    h.agent.clearFaults();
    const audit = await actions(h, `server_id=${id}`);
    expect(audit.actions.map((a) => a.success)).toEqual([false, false, false]);
    expect(audit.actions[0].error).toBe(
      `circuit breaker open for HAProxy instance cmd-breaker (id ${f.instanceId}): FAgent calls are paused`
    );
    expect((await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body.breaker_state).toBe('open');
    expect((await h.t.call('GET', '/api/haproxy/summary')).body.instances.breaker_open).toBeGreaterThanOrEqual(1);
  });

  test('a server (or backend) gone from HAProxy: 409, audited, the agent not called', async () => {
    // Few enough removals at once not to be held (see the removal guard's tests).
    const f = await fleet(h, 'cmd-gone', {
      web: [
        { name: 's1', status: 'UP' },
        { name: 's2', status: 'UP' },
      ],
      api: [{ name: 'a1', status: 'UP' }],
      other: [
        { name: 'o1', status: 'UP' },
        { name: 'o2', status: 'UP' },
      ],
    });
    h.agent.setBackend('cmd-gone', 'web', [{ name: 's2', status: 'UP' }]).removeBackend('cmd-gone', 'api');
    await syncNow(h, f.instanceId);
    const sent = h.agent.requests.length;
    for (const key of ['web/s1', 'api/a1']) {
      const res = await command(h, f.servers[key].id, 'drain');
      expectError(res, 409, 'conflict');
      expect(res.body.error.message).toContain('no longer in HAProxy');
      expect((await actions(h, `server_id=${f.servers[key].id}`)).actions).toEqual([
        expect.objectContaining({ success: false, duration_ms: 0 }),
      ]);
    }
    expect(h.agent.requests.length).toBe(sent);
    expect((await command(h, f.servers['web/s2'].id, 'drain')).status).toBe(200);
  });
});

describe('bulk', () => {
  test('by server_ids: one operation id, a result per server, one failure does not stop the others', async () => {
    const f = await fleet(h, 'bulk-ids', {
      web: [
        { name: 's1', status: 'UP' },
        { name: 's2', status: 'UP' },
        { name: 's3', status: 'UP' },
      ],
    });
    const ids = ['web/s1', 'web/s2', 'web/s3'].map((k) => f.servers[k].id);
    h.agent.inject(
      (r) => commandsTo('bulk-ids')(r) && r.segments[6] === 's2',
      { kind: 'status', status: 404, body: '{"success":false,"error":"no s2"}' },
      1
    );
    const res = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'drain', server_ids: ids, concurrency: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ command: 'drain', total: 3, succeeded: 2, failed: 1 });
    expect(res.body.results).toEqual([
      { server_id: ids[0], ok: true, action_id: expect.any(Number) },
      { server_id: ids[1], ok: false, action_id: expect.any(Number), error: expect.stringContaining('no s2') },
      { server_id: ids[2], ok: true, action_id: expect.any(Number) },
    ]);
    const audit = await actions(h, `operation_id=${res.body.operation_id}`);
    expect(audit.total).toBe(3);
    expect(audit.actions.every((a) => a.source === 'bulk' && a.operation_id === res.body.operation_id)).toBe(true);
    expect(audit.actions.map((a) => a.id).sort()).toEqual(
      res.body.results.map((r: { action_id: number }) => r.action_id).sort()
    );
  });

  test('by backend and by application; removed servers are skipped; nothing current selected is a 400', async () => {
    const f = await fleet(h, 'bulk-sel', {
      web: [
        { name: 's1', status: 'UP' },
        { name: 's2', status: 'UP' },
      ],
      api: [{ name: 'a1', status: 'UP' }],
    });
    const byBackend = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'maint', backend_id: f.backendIds.web, source: 'orchestrator' },
    });
    expect(byBackend.body.results.map((r: { server_id: number }) => r.server_id)).toEqual([
      f.servers['web/s1'].id,
      f.servers['web/s2'].id,
    ]);
    expect((await actions(h, `operation_id=${byBackend.body.operation_id}&source=orchestrator`)).total).toBe(2);

    const appId = await createApplication(h, 'bulk-app');
    for (const key of ['web/s2', 'api/a1']) {
      await h.t.call('PUT', `/api/haproxy/servers/${f.servers[key].id}/mapping`, {
        token: h.t.tokens.operator,
        body: { application_id: appId },
      });
    }
    const byApp = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'drain', application_id: appId },
    });
    expect(byApp.body).toMatchObject({ total: 2, succeeded: 2 });
    expect(h.agent.server('bulk-sel', 'api', 'a1').status).toBe('DRAIN');

    h.agent.removeBackend('bulk-sel', 'api');
    await syncNow(h, f.instanceId);
    const after = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'ready', application_id: appId },
    });
    expect(after.body.results.map((r: { server_id: number }) => r.server_id)).toEqual([f.servers['web/s2'].id]);
    await h.t.call('PUT', `/api/haproxy/servers/${f.servers['web/s2'].id}/mapping`, {
      token: h.t.tokens.operator,
      body: { application_id: null },
    });
    const none = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'ready', application_id: appId },
    });
    expectError(none, 400, 'bad_request');
  });

  test('an id that names nothing is a 404 naming it, as for jobs, and nothing is done', async () => {
    const f = await fleet(h, 'bulk-missing', {
      web: [
        { name: 's1', status: 'UP' },
        { name: 's2', status: 'UP' },
      ],
      api: [{ name: 'a1', status: 'UP' }],
    });
    h.agent.removeBackend('bulk-missing', 'api');
    await syncNow(h, f.instanceId);
    const [s1, s2, removed] = ['web/s1', 'web/s2', 'api/a1'].map((k) => f.servers[k].id);
    const unknown = 2147483647;
    const sent = h.agent.requests.length;
    const bulk = (body: Record<string, unknown>) =>
      h.t.call('POST', '/api/haproxy/commands/bulk', {
        token: h.t.tokens.operator,
        body: { command: 'maint', ...body },
      });

    // An orchestrator that asks for servers gets each of them done or a refusal, never fewer results.
    for (const dryRun of [false, true]) {
      const res = await bulk({ server_ids: [s1, unknown, s2, removed], dry_run: dryRun });
      expectError(res, 404, 'not_found');
      expect(res.body.error.message).toBe(`servers ${unknown}, ${removed} (or no longer in HAProxy) not found`);
    }
    const outside = await bulk({ server_ids: [s1, removed], backend_id: f.backendIds.web });
    expectError(outside, 404, 'not_found');
    expect(outside.body.error.message).toMatch(new RegExp(`^server ${removed} \\(.*not in the backend`));
    expect((await bulk({ server_ids: [s1], backend_id: f.backendIds.api })).status).toBe(404);
    // An unknown backend or application is a 404 (a job's answer too), not "no current server".
    for (const scope of ['backend_id', 'application_id']) {
      const res = await bulk({ [scope]: unknown });
      expectError(res, 404, 'not_found');
      expect(res.body.error.message).toBe(`${scope.replace('_id', '')} ${unknown} not found`);
    }
    // An existing backend without current servers is a 400.
    expectError(await bulk({ backend_id: f.backendIds.api }), 400, 'bad_request');
    expect(h.agent.requests.slice(sent).filter(commandsTo('bulk-missing'))).toEqual([]);
    expect((await actions(h, `instance_id=${f.instanceId}`)).total).toBe(0);
  });

  test('the answer lists the servers in the order the caller gave them', async () => {
    const f = await fleet(h, 'bulk-listed', {
      web: ['s1', 's2', 's3', 's4'].map((name) => ({ name, status: 'UP' as const })),
    });
    const ids = ['web/s3', 'web/s1', 'web/s4', 'web/s2'].map((k) => f.servers[k].id);
    const res = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'drain', server_ids: [...ids, ids[0]], concurrency: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 4, succeeded: 4 });
    expect(res.body.results.map((r: { server_id: number }) => r.server_id)).toEqual(ids);
  });
});

describe('the audit log and history', () => {
  let ids: { s1: number; s2: number; instance: number };
  let t0: string;
  let t1: string;

  beforeAll(async () => {
    const f = await fleet(h, 'audit', {
      web: [
        { name: 's1', status: 'UP' },
        { name: 's2', status: 'UP' },
      ],
    });
    ids = { s1: f.servers['web/s1'].id, s2: f.servers['web/s2'].id, instance: f.instanceId };
    t0 = new Date().toISOString();
    await command(h, ids.s1, 'drain');
    await command(h, ids.s1, 'ready', { token: h.t.grafanaTokens.operator, headers: { 'X-Grafana-User': 'bob' } });
    await new Promise((r) => setTimeout(r, 20));
    t1 = new Date().toISOString();
    h.agent.inject((r) => commandsTo('audit')(r) && r.segments[6] === 's2', { kind: 'status', status: 500 }, 1);
    await command(h, ids.s2, 'maint');
    await command(h, ids.s2, 'maint', { token: h.t.tokens.admin });
  });

  test.each<[string, () => string, () => Array<[string, string]>]>([
    [
      'server',
      () => `server_id=${ids.s1}`,
      () => [
        ['ready', 's1'],
        ['drain', 's1'],
      ],
    ],
    [
      'instance',
      () => `instance_id=${ids.instance}`,
      () => [
        ['maint', 's2'],
        ['maint', 's2'],
        ['ready', 's1'],
        ['drain', 's1'],
      ],
    ],
    ['actor', () => `instance_id=${ids.instance}&actor=grafana:bob`, () => [['ready', 's1']]],
    ['source', () => `instance_id=${ids.instance}&source=ui`, () => [['ready', 's1']]],
    [
      'command',
      () => `instance_id=${ids.instance}&command=maint`,
      () => [
        ['maint', 's2'],
        ['maint', 's2'],
      ],
    ],
    ['success=false', () => `instance_id=${ids.instance}&success=false`, () => [['maint', 's2']]],
    [
      'success=true and actor',
      () => `instance_id=${ids.instance}&success=true&actor=token:bootstrap-admin`,
      () => [['maint', 's2']],
    ],
    [
      'since',
      () => `instance_id=${ids.instance}&since=${t1}`,
      () => [
        ['maint', 's2'],
        ['maint', 's2'],
      ],
    ],
    [
      'until',
      () => `instance_id=${ids.instance}&since=${t0}&until=${t1}`,
      () => [
        ['ready', 's1'],
        ['drain', 's1'],
      ],
    ],
  ])('filters by %s, newest first', async (_what, query, expected) => {
    const res = await actions(h, query());
    expect(res.actions.map((a) => [a.command, a.server_name])).toEqual(expected());
    expect(res.total).toBe(expected().length);
  });

  test('pages with limit and offset; total counts every match', async () => {
    const all = await actions(h, `instance_id=${ids.instance}`);
    const page1 = await actions(h, `instance_id=${ids.instance}&limit=3`);
    const page2 = await actions(h, `instance_id=${ids.instance}&limit=3&offset=3`);
    expect([page1.total, page2.total]).toEqual([4, 4]);
    expect([...page1.actions, ...page2.actions].map((a) => a.id)).toEqual(all.actions.map((a) => a.id));
    expect((await actions(h, `instance_id=${ids.instance}&offset=10`)).actions).toEqual([]);
  });

  test('server history: every status change with its cause, newest first, filtered by time', async () => {
    h.agent.server('audit', 'web', 's1').status = 'DOWN (agent)';
    await syncNow(h, ids.instance);
    const res = await h.t.call('GET', `/api/haproxy/servers/${ids.s1}/history`);
    expect(
      res.body.history.map((x: Record<string, unknown>) => [x.from_status, x.to_status, x.raw_status, x.cause])
    ).toEqual([
      ['UP', 'DOWN', 'DOWN (agent)', 'sync'],
      ['DRAIN', 'UP', 'UP', 'command'],
      ['UP', 'DRAIN', 'DRAIN', 'command'],
      [null, 'UP', 'UP', 'sync'],
    ]);
    const since = (await h.t.call('GET', `/api/haproxy/servers/${ids.s1}/history?since=${t1}`)).body.history;
    expect(since.map((x: { to_status: string }) => x.to_status)).toEqual(['DOWN']);
    const until = (await h.t.call('GET', `/api/haproxy/servers/${ids.s1}/history?until=${t0}`)).body.history;
    expect(until.map((x: { to_status: string }) => x.to_status)).toEqual(['UP']);
    expect((await h.t.call('GET', `/api/haproxy/servers/${ids.s1}/history?limit=1`)).body.history).toHaveLength(1);
    expectError(await h.t.call('GET', '/api/haproxy/servers/2147483647/history'), 404, 'not_found');
  });
});

describe('fixing a host', () => {
  test("a new FAgent URL applies at once: the old agent's open breaker is dropped", async () => {
    h.agent.setBackend('moved', 'web', [{ name: 's1', status: 'UP' }]);
    const dead = 'http://127.0.0.1:9'; // discard port: nothing listens
    const { hostId, instanceId } = await registerInstance(h.t, dead, 'moved');
    await syncNow(h, instanceId, 'failed');
    await syncNow(h, instanceId, 'failed');
    expect((await h.t.call('GET', `/api/haproxy/instances/${instanceId}`)).body.breaker_state).toBe('open');
    await h.t.call('PATCH', `/api/hosts/${hostId}`, { body: { fagent_url: h.agent.url, fagent_token: null } });
    expect((await h.t.call('GET', `/api/haproxy/instances/${instanceId}`)).body.breaker_state).toBe('closed');
    expect((await syncNow(h, instanceId)).servers).toBe(1);
  });
});
