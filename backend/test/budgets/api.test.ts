import { randomBytes } from 'node:crypto';
import { extendedServer } from '../support/fake-fagent';
import { actions, createApplication, expectError, fleet, Fleet, readFleet, syncNow, useHarness } from '../api/helpers';

/**
 * The disruption budget through the API: set and read, and every path that takes servers out refusing what
 * would leave fewer than the minimum (single, bulk, weight 0), force with a reason, and a dry run doing nothing.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;

const up = (n: number, prefix = 's') =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}`, status: 'UP' }));
const newFleet = (servers = 4) => fleet(h, `budget-${++seq}`, { web: up(servers) });
const setBudget = (path: string, min: unknown, token = h.t.tokens.admin) =>
  h.t.call('PUT', `${path}/budget`, { token, body: { min_available: min } });
const cmd = (serverId: number, body: Record<string, unknown>) =>
  h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, { token: h.t.tokens.operator, body });
const bulk = (body: Record<string, unknown>) =>
  h.t.call('POST', '/api/haproxy/commands/bulk', { token: h.t.tokens.operator, body });
const statusOf = async (f: Fleet, name: string) => (await readFleet(h, f.instanceId)).servers[`web/${name}`].status;

describe('budgets as the API sets and reads them', () => {
  test('a backend has the default until an admin sets its own; DELETE goes back to the default', async () => {
    const f = await newFleet(4);
    const path = `/api/haproxy/backends/${f.backendIds.web}`;
    expect((await h.t.call('GET', `${path}/budget`, { token: h.t.tokens.viewer })).body).toEqual({
      scope: 'backend',
      id: f.backendIds.web,
      min_available: 0, // the test service's HAPROXY_MIN_AVAILABLE
      source: 'default',
      effective_min: 0,
      servers_counted: 4,
      available: 4,
      ok: true,
    });
    expect((await setBudget(path, '50%')).body).toMatchObject({
      min_available: '50%',
      source: 'backend',
      effective_min: 2,
    });
    const listed = await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}/backends`);
    expect(listed.body.backends.find((b: { id: number }) => b.id === f.backendIds.web).budget).toMatchObject({
      min_available: '50%',
      available: 4,
    });
    expect((await h.t.call('DELETE', `${path}/budget`)).body).toMatchObject({ min_available: 0, source: 'default' });
  });

  test('a minimum larger than the servers, a percentage past 100 or a word: 400, nothing stored; viewers and operators: 403', async () => {
    const f = await newFleet(3);
    const path = `/api/haproxy/backends/${f.backendIds.web}`;
    const tooMany = await setBudget(path, 12);
    expectError(tooMany, 400, 'bad_request');
    expect(tooMany.body.error.message).toBe(
      `min_available 12 is more than the 3 servers of backend web that can serve at once`
    );
    expectError(await setBudget(path, '150%'), 400);
    expectError(await setBudget(path, 'half'), 400);
    expectError(await setBudget(path, 1, h.t.tokens.operator), 403);
    expect((await h.t.call('GET', `${path}/budget`)).body.source).toBe('default');
    expectError(await setBudget('/api/haproxy/backends/2147483647', 1), 404);
  });
});

describe('the guard', () => {
  test('a single drain that would leave fewer than the minimum: 409 budget_exceeded with the numbers, audited, nothing sent', async () => {
    const f = await newFleet(3);
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    expect((await cmd(f.servers['web/s1'].id, { command: 'drain' })).status).toBe(200);
    h.agent.requests.length = 0;
    const s2 = f.servers['web/s2'];
    const refused = await cmd(s2.id, { command: 'maint' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'budget_exceeded',
      message: `backend web of ${f.instanceName}: 2 available, minimum 2; refused s2`,
      details: {
        scope: 'backend',
        backend_id: f.backendIds.web,
        backend: 'web',
        instance: f.instanceName,
        application_id: null,
        available: 2,
        min_available: 2,
        stale: 0,
        refused_server_ids: [s2.id],
      },
    });
    expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
    expect(await statusOf(f, 's2')).toBe('UP');
    const audit = await actions(h, `server_id=${s2.id}`);
    expect(audit.actions[0]).toMatchObject({ command: 'maint', success: false, forced: false });
    // A weight of 0 takes it out as well; a ready or a weight above 0 is never refused.
    expect((await cmd(s2.id, { command: 'weight', weight: 0 })).body.error.code).toBe('budget_exceeded');
    // However a zero is spelled.
    expect((await cmd(s2.id, { command: 'weight', weight: '000%' })).body.error.code).toBe('budget_exceeded');
    expect((await cmd(s2.id, { command: 'weight', weight: '150%' })).status).toBe(400);
    // This agent does not say the configured weight: a percentage below 100 may come to 0 (of a weight of 1).
    expect((await cmd(s2.id, { command: 'weight', weight: '50%' })).body.error.code).toBe('budget_exceeded');
    expect((await cmd(s2.id, { command: 'weight', weight: '100%' })).status).toBe(200);
    expect((await cmd(f.servers['web/s1'].id, { command: 'ready' })).status).toBe(200);
  });

  test('a percentage weight takes a server out when it comes to 0 of the configured weight, as HAProxy rounds it', async () => {
    const f = await fleet(h, `budget-${++seq}`, {
      web: [
        extendedServer('w1', 'ready', true, { initial_weight: 1 }),
        extendedServer('w4', 'ready', true, { initial_weight: 4 }),
      ],
    });
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    const [w1, w4] = [f.servers['web/w1'].id, f.servers['web/w4'].id];
    h.agent.requests.length = 0;
    // 50% of 1 is 0 in HAProxy (floor): out, refused; 24% of 4 is 0 too; 25% of 4 is 1, still in.
    expect((await cmd(w1, { command: 'weight', weight: '50%' })).body.error.code).toBe('budget_exceeded');
    expect((await cmd(w4, { command: 'weight', weight: '24%' })).body.error.code).toBe('budget_exceeded');
    const dry = await bulk({ command: 'weight', weight: '50%', server_ids: [w1, w4], dry_run: true });
    expect(dry.body.servers.map((s: { would: string }) => s.would)).toEqual(['refuse', 'apply']);
    expect((await cmd(w4, { command: 'weight', weight: '25%' })).status).toBe(200);
    expect(h.agent.requests.filter((r) => r.route === 'command').map((r) => r.rawPath)).toEqual([
      expect.stringMatching(/\/w4\/weight/),
    ]);
  });

  test('force needs a reason (400); with one it goes past the budget and the audit row says forced', async () => {
    const f = await newFleet(2);
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    const s1 = f.servers['web/s1'].id;
    const noReason = await cmd(s1, { command: 'drain', force: true });
    expectError(noReason, 400, 'bad_request');
    expect(noReason.body.error.message).toMatch(/force needs a reason/);
    expectError(await cmd(s1, { command: 'drain', force: true, reason: '   ' }), 400);
    expect(await statusOf(f, 's1')).toBe('UP');
    const forced = await cmd(s1, { command: 'drain', force: true, reason: 'kernel patch, approved' });
    expect(forced.status).toBe(200);
    expect(forced.body.action).toMatchObject({ forced: true, success: true, reason: 'kernel patch, approved' });
    expect(forced.body.action.note).toMatch(/^forced past the budget: backend web/);
    expect(await statusOf(f, 's1')).toBe('DRAIN');
  });

  test('the budget of an application counts its servers across backends and instances', async () => {
    const app = await createApplication(h, `budget-app-${++seq}`);
    const a = await fleet(h, `budget-a-${seq}`, { web: up(2, 'a') });
    const b = await fleet(h, `budget-b-${seq}`, { api: up(1, 'b') });
    const ids = [a.servers['web/a1'].id, a.servers['web/a2'].id, b.servers['api/b1'].id];
    for (const id of ids) {
      await h.t.call('PUT', `/api/haproxy/servers/${id}/mapping`, { body: { application_id: app } });
    }
    expect((await setBudget(`/api/applications/${app}`, 2)).body).toMatchObject({
      scope: 'application',
      source: 'application',
      servers_counted: 3,
      available: 3,
    });
    expect((await cmd(ids[2], { command: 'drain' })).status).toBe(200);
    const refused = await cmd(ids[0], { command: 'drain' });
    expect(refused.body.error).toMatchObject({
      code: 'budget_exceeded',
      message: `application budget-app-${seq}: 2 available, minimum 2; refused a1`,
      details: { scope: 'application', application_id: app, available: 2, min_available: 2 },
    });
    const page = await h.t.call('GET', `/api/applications/${app}`, { token: h.t.tokens.viewer });
    expect(page.body.budget).toMatchObject({ scope: 'application', min_available: 2, available: 2, ok: true });
    expect(page.body.backends.map((b: { budget: { scope: string } }) => b.budget.scope)).toEqual([
      'backend',
      'backend',
    ]);
    const servers = await h.t.call('GET', `/api/applications/${app}/servers`, { token: h.t.tokens.viewer });
    expect(servers.body.servers.map((s: { id: number }) => s.id).sort()).toEqual([...ids].sort());
    expect((await h.t.call('DELETE', `/api/applications/${app}/budget`)).body).toMatchObject({
      min_available: null,
      source: 'default',
    });
    expect((await cmd(ids[0], { command: 'drain' })).status).toBe(200);
  });

  test("the guard does not count servers whose statuses are stale (agent not answering, instance inactive); budgets' views count their last state", async () => {
    const app = await createApplication(h, `budget-app-${++seq}`);
    const a = await fleet(h, `budget-a-${seq}`, { web: up(2, 'a') });
    const b = await fleet(h, `budget-b-${seq}`, { api: up(2, 'b') });
    for (const s of [...Object.values(a.servers), ...Object.values(b.servers)]) {
      await h.t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: app } });
    }
    await setBudget(`/api/applications/${app}`, 2);
    await setBudget(`/api/haproxy/backends/${b.backendIds.api}`, 1);
    const drainA1 = () => cmd(a.servers['web/a1'].id, { command: 'drain' });
    // b's HAProxy stops answering: its servers said UP when last read, which is no longer worth anything.
    h.agent.inject((r) => r.segments[2] === b.instanceName, { kind: 'status', status: 503 });
    await syncNow(h, b.instanceId, 'failed');
    await syncNow(h, b.instanceId, 'failed');
    const dry = async () =>
      (await bulk({ server_ids: [a.servers['web/a1'].id], command: 'drain', dry_run: true })).body;
    expect((await dry()).servers[0].would).toBe('take_out'); // two failures: not yet stale (the alert's line is 3)
    await syncNow(h, b.instanceId, 'failed');
    expect((await dry()).servers[0].would).toBe('refuse');
    const refused = await drainA1();
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toMatchObject({ scope: 'application', available: 2, stale: 2 });
    expect(refused.body.error.message).toBe(
      `application budget-app-${seq}: 2 available (2 more not counted: their HAProxy instance is inactive or its sync is failing, so their last statuses are stale), minimum 2; refused a1`
    );
    // The views (the API, /metrics) count what was last said: b's backend is not reported below its budget,
    // which would be one alert per backend of an instance the sync-failing alert already speaks for.
    const views = async () => [
      (await h.t.call('GET', `/api/applications/${app}`)).body.budget,
      (await h.t.call('GET', `/api/haproxy/backends/${b.backendIds.api}/budget`)).body,
    ];
    expect(await views()).toMatchObject([
      { available: 4, ok: true },
      { available: 2, ok: true },
    ]);
    // b answers again: counted again after its next sync.
    h.agent.clearFaults();
    await syncNow(h, b.instanceId);
    expect((await dry()).servers[0].would).toBe('take_out');
    // An instance taken out of syncing (inactive) is stale the same way, at once.
    const off = await h.t.call('PATCH', `/api/haproxy/instances/${b.instanceId}`, { body: { is_active: false } });
    expect(off.status).toBe(200);
    expect((await drainA1()).body.error.code).toBe('budget_exceeded');
    await h.t.call('PATCH', `/api/haproxy/instances/${b.instanceId}`, { body: { is_active: true } });
    expect((await drainA1()).status).toBe(200);
  });

  test('bulk: a dry run answers server by server and does nothing; the real one takes out what the budget allows', async () => {
    const f = await newFleet(4);
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    h.agent.requests.length = 0;
    const dry = await bulk({ command: 'drain', backend_id: f.backendIds.web, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dry_run).toBe(true);
    expect(dry.body.servers.map((s: { server_name: string; would: string }) => [s.server_name, s.would])).toEqual([
      ['s1', 'take_out'],
      ['s2', 'take_out'],
      ['s3', 'refuse'],
      ['s4', 'refuse'],
    ]);
    expect(dry.body.budgets).toEqual([expect.objectContaining({ scope: 'backend', available: 2, ok: true })]);
    expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
    expect((await actions(h, `instance_id=${f.instanceId}`)).total).toBe(0);

    const real = await bulk({ command: 'drain', backend_id: f.backendIds.web, concurrency: 4 });
    expect(real.status).toBe(200);
    expect(real.body).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
    const refused = real.body.results.filter((r: { ok: boolean }) => !r.ok);
    for (const r of refused) {
      expect(r).toMatchObject({ error_code: 'budget_exceeded', details: { available: 2, min_available: 2 } });
    }
    const after = await readFleet(h, f.instanceId);
    expect(Object.values(after.servers).filter((s) => s.status === 'UP')).toHaveLength(2);
  });
});

test('a re-apply after a reload restores the earlier intent: counted, not refused, audited as forced past the budget', async () => {
  const name = `budget-reload-${++seq}`;
  const f = await fleet(h, name, { web: [extendedServer('r1'), extendedServer('r2')] });
  const r1 = f.servers['web/r1'].id;
  expect((await cmd(r1, { command: 'drain', reason: 'CHG-9' })).status).toBe(200);
  await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 1);
  // HAProxy restarts: the drain is lost, and r2's checks now fail. Re-applying r1's drain leaves 0 of 1.
  h.agent.restart(name);
  Object.assign(h.agent.server(name, 'web', 'r1'), extendedServer('r1'));
  Object.assign(h.agent.server(name, 'web', 'r2'), extendedServer('r2', 'ready', false));
  expect(await syncNow(h, f.instanceId)).toMatchObject({ restarted: true, reapplied: 1 });
  expect(h.agent.server(name, 'web', 'r1').admin_state).toBe('drain');
  const [reapply] = (await actions(h, `server_id=${r1}`)).actions;
  expect(reapply).toMatchObject({ source: 'reconcile', success: true, forced: true });
  expect(reapply.note).toMatch(/^re-applied \(an earlier intent\) past the budget: backend web of/);
  // An operator's take-out there is refused as ever (r2 is down: r1 is the last available).
  expect((await cmd(r1, { command: 'ready' })).status).toBe(200);
  expect((await cmd(r1, { command: 'drain' })).body.error.code).toBe('budget_exceeded');
});

describe('servers that follow another through `track` go out with it', () => {
  // web/s3 and api/a1 track web/s1: HAProxy takes them out (maint, drain, down) whenever s1 goes out.
  const trackingFleet = () =>
    fleet(h, `budget-track-${++seq}`, {
      web: [extendedServer('s1'), extendedServer('s2'), extendedServer('s3', 'ready', true, { tracks: 'web/s1' })],
      api: [extendedServer('a1', 'ready', true, { tracks: 'web/s1' }), extendedServer('a2')],
    });

  test('the budget counts them: refused when they would break it, naming them; allowed, they count as out', async () => {
    const f = await trackingFleet();
    const s1 = f.servers['web/s1'].id;
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    await setBudget(`/api/haproxy/backends/${f.backendIds.api}`, 1);
    h.agent.requests.length = 0;

    // s1 alone would leave web 2 of 3; s3 going with it leaves 1.
    const refused = await cmd(s1, { command: 'maint' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `backend web of ${f.instanceName}: 3 available, minimum 2; refused s1 (with web/s3, api/a1, which track it)`
    );
    expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);

    // A tracker in another backend: that backend's budget is the one named, with its numbers.
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 1);
    await setBudget(`/api/haproxy/backends/${f.backendIds.api}`, 2);
    const otherBackend = await cmd(s1, { command: 'drain' });
    expect(otherBackend.status).toBe(409);
    expect(otherBackend.body.error.details).toMatchObject({
      scope: 'backend',
      backend_id: f.backendIds.api,
      backend: 'api',
      available: 2,
      min_available: 2,
      refused_server_ids: [s1],
    });

    // Allowed: its trackers count as out at once, before any sync shows them out.
    await setBudget(`/api/haproxy/backends/${f.backendIds.api}`, 1);
    expect((await cmd(s1, { command: 'drain' })).status).toBe(200);
    const a2 = await cmd(f.servers['api/a2'].id, { command: 'drain' });
    expect(a2.status).toBe(409);
    expect(a2.body.error.message).toBe(`backend api of ${f.instanceName}: 1 available, minimum 1; refused a2`);
  });

  test('a dry run does not skip a server whose drain is passed down a track: the real command sets its own', async () => {
    const f = await fleet(h, `budget-track-${++seq}`, {
      web: [
        extendedServer('s1', 'drain'),
        extendedServer('s2'),
        extendedServer('s3', 'drain', true, { tracks: 'web/s1', maint_source: 'inherited' }),
      ],
    });
    const dry = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'drain', server_ids: [f.servers['web/s1'].id, f.servers['web/s3'].id], dry_run: true },
    });
    expect(dry.status).toBe(200);
    expect(dry.body.servers.map((s: { would: string }) => s.would)).toEqual(['skip', 'apply']);
  });

  test('down a chain (c tracks b tracks a), and only within its own HAProxy instance', async () => {
    const f = await fleet(h, `budget-chain-${++seq}`, {
      web: [
        extendedServer('a'),
        extendedServer('b', 'ready', true, { tracks: 'web/a' }),
        extendedServer('c', 'ready', true, { tracks: 'web/b' }),
        extendedServer('d'),
      ],
    });
    // Another instance with the same names: its web/b tracks its own web/a, not this one.
    await fleet(h, `budget-chain-${++seq}`, {
      web: [extendedServer('a'), extendedServer('b', 'ready', true, { tracks: 'web/a' })],
    });
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    const refused = await cmd(f.servers['web/a'].id, { command: 'drain' });
    expect(refused.body.error?.message).toBe(
      `backend web of ${f.instanceName}: 4 available, minimum 2; refused a (with web/b, web/c, which track it)`
    );
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 1);
    expect((await cmd(f.servers['web/a'].id, { command: 'drain' })).status).toBe(200);
  });

  test('names as long as HAProxy takes them: a tracks of two 2000-byte names is stored and followed', async () => {
    // Random, so PostgreSQL cannot compress the pair below its index entries' limit (2704 bytes).
    const [backend, tracked] = [randomBytes(1000).toString('hex'), randomBytes(1000).toString('hex')];
    const f = await fleet(h, `budget-long-${++seq}`, {
      [backend]: [
        extendedServer(tracked),
        extendedServer('tracker', 'ready', true, { tracks: `${backend}/${tracked}` }),
      ],
    });
    await setBudget(`/api/haproxy/backends/${f.backendIds[backend]}`, 1);
    const refused = await cmd(f.servers[`${backend}/${tracked}`].id, { command: 'drain' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`(with ${backend}/tracker, which track it)`);
  });

  test('a weight of 0 or a shutdown of sessions takes the server out alone: HAProxy does not pass those on', async () => {
    const f = await trackingFleet();
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    const s1 = f.servers['web/s1'].id;
    expect((await cmd(s1, { command: 'maint' })).status).toBe(409); // s3 would go with it
    expect((await cmd(s1, { command: 'weight', weight: 0 })).status).toBe(200);
  });

  test('a maint of a server at weight 0 still takes its trackers out: counted, refused when they would break it', async () => {
    const f = await trackingFleet();
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
    const s1 = f.servers['web/s1'].id;
    expect((await cmd(s1, { command: 'weight', weight: 0 })).status).toBe(200);
    h.agent.requests.length = 0;
    const message = `backend web of ${f.instanceName}: 2 available, minimum 2; refused s1 (with web/s3, api/a1, which track it)`;
    const dry = await bulk({ command: 'maint', server_ids: [s1], dry_run: true });
    expect(dry.body.servers).toEqual([expect.objectContaining({ would: 'refuse', reason: message })]);
    const refused = await cmd(s1, { command: 'maint' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'budget_exceeded', message });
    expect(h.agent.requests.filter((r) => r.route === 'command')).toEqual([]);
  });

  test('a take-out the agent fails took nothing out: its trackers count as available again at once', async () => {
    const f = await trackingFleet();
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 1);
    await setBudget(`/api/haproxy/backends/${f.backendIds.api}`, 1);
    h.agent.inject((r) => r.route === 'command', { kind: 'status', status: 500 }, 1);
    expect((await cmd(f.servers['web/s1'].id, { command: 'drain' })).status).toBe(502);
    expect((await h.t.call('GET', `/api/haproxy/backends/${f.backendIds.api}/budget`)).body).toMatchObject({
      available: 2,
    });
    // a1 did not go out with s1: a2 may go, leaving a1.
    expect((await cmd(f.servers['api/a2'].id, { command: 'drain' })).status).toBe(200);
  });

  test('a dry run says what goes out with a server, and a tracker it took out already is not counted twice', async () => {
    const f = await trackingFleet();
    await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 1);
    const dry = await bulk({
      command: 'maint',
      server_ids: [f.servers['web/s1'].id, f.servers['web/s2'].id, f.servers['web/s3'].id],
      dry_run: true,
    });
    expect(dry.status).toBe(200);
    expect(
      dry.body.servers.map((s: { server_name: string; would: string; reason: string | null }) => [
        s.server_name,
        s.would,
        s.reason,
      ])
    ).toEqual([
      ['s1', 'take_out', 'takes out s1 (with web/s3, api/a1, which track it)'],
      ['s2', 'refuse', `backend web of ${f.instanceName}: 1 available, minimum 1; refused s2`],
      ['s3', 'apply', null],
    ]);
  });
});
