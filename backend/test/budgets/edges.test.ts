import { extendedServer } from '../support/fake-fagent';
import { createApplication, fleet, syncNow, useHarness } from '../api/helpers';

/**
 * The guard at its edges: weight 0 and back, a server at weight 0 in HAProxy's configuration, minimums of 100%,
 * 0 and 0%, a backend's and an application's budgets on one server, and a weight whose outcome did not say the
 * weight.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;

const servers = (...names: string[]) => names.map((n) => extendedServer(n));
const setBudget = (path: string, min: unknown) =>
  h.t.call('PUT', `${path}/budget`, { token: h.t.tokens.admin, body: { min_available: min } });
const cmd = (serverId: number, body: Record<string, unknown>) =>
  h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, { token: h.t.tokens.operator, body });
const refusal = async (serverId: number, body: Record<string, unknown>) => {
  const res = await cmd(serverId, body);
  return res.status === 200 ? 'sent' : `${res.status} ${res.body.error.code}: ${res.body.error.message}`;
};

test('weight 0 is guarded on the way down and never refused on the way up, at the edge of the budget', async () => {
  const f = await fleet(h, `edge-w-${++seq}`, { web: servers('a', 'b', 'c') });
  const path = `/api/haproxy/backends/${f.backendIds.web}`;
  await setBudget(path, 2);
  const [a, b] = [f.servers['web/a'].id, f.servers['web/b'].id];
  expect(await refusal(a, { command: 'weight', weight: 0 })).toBe('sent');
  expect((await h.t.call('GET', `${path}/budget`)).body).toMatchObject({ available: 2, ok: true });
  expect(await refusal(b, { command: 'weight', weight: 0 })).toBe(
    `409 budget_exceeded: backend web of ${f.instanceName}: 2 available, minimum 2; refused b`
  );
  // Out on purpose already: its drain or maint takes nothing out.
  expect(await refusal(a, { command: 'drain' })).toBe('sent');
  expect(await refusal(a, { command: 'ready' })).toBe('sent');
  // Back up, whatever the spelling: never refused.
  expect(await refusal(a, { command: 'weight', weight: '100%' })).toBe('sent');
  expect(await refusal(a, { command: 'weight', weight: 1 })).toBe('sent');
  await syncNow(h, f.instanceId);
  expect((await h.t.call('GET', `${path}/budget`)).body).toMatchObject({ available: 3, ok: true });
});

test("a server at weight 0 in HAProxy's configuration is out on purpose: counted, never available, its commands never refused", async () => {
  const f = await fleet(h, `edge-cw-${++seq}`, {
    web: [extendedServer('zero', 'ready', true, { weight: 0, initial_weight: 0 }), ...servers('a', 'b')],
  });
  const path = `/api/haproxy/backends/${f.backendIds.web}`;
  expect((await setBudget(path, 2)).body).toMatchObject({ servers_counted: 3, available: 2, ok: true });
  const zero = f.servers['web/zero'].id;
  for (const body of [
    { command: 'drain' },
    { command: 'maint' },
    { command: 'ready' },
    { command: 'shutdown-sessions' },
    { command: 'weight', weight: '50%' },
    { command: 'weight', weight: 0 },
  ]) {
    expect([body, await refusal(zero, body)]).toEqual([body, 'sent']);
  }
  expect(await refusal(f.servers['web/a'].id, { command: 'drain' })).toMatch(/^409 budget_exceeded: .* refused a$/);
});

test('min_available "100%" refuses every take-out of an available server and allows ready; 0 and "0%" allow the last', async () => {
  const f = await fleet(h, `edge-p-${++seq}`, { web: servers('a', 'b') });
  const path = `/api/haproxy/backends/${f.backendIds.web}`;
  expect((await setBudget(path, '100%')).body).toMatchObject({ effective_min: 2, ok: true });
  const [a, b] = [f.servers['web/a'].id, f.servers['web/b'].id];
  for (const body of [
    { command: 'drain' },
    { command: 'maint' },
    { command: 'shutdown-sessions' },
    { command: 'weight', weight: 0 },
    { command: 'weight', weight: '99%' },
  ]) {
    expect([body, await refusal(a, body)]).toEqual([
      body,
      `409 budget_exceeded: backend web of ${f.instanceName}: 2 available, minimum 2; refused a`,
    ]);
  }
  expect(await refusal(a, { command: 'ready' })).toBe('sent');
  expect(await refusal(a, { command: 'weight', weight: 1 })).toBe('sent');
  expect((await setBudget(path, 3)).status).toBe(400);
  for (const min of [0, '0', '0%']) {
    expect((await setBudget(path, min)).body).toMatchObject({ effective_min: 0 });
  }
  expect(await refusal(a, { command: 'drain' })).toBe('sent');
  expect(await refusal(b, { command: 'drain' })).toBe('sent');
  expect((await h.t.call('GET', `${path}/budget`)).body).toMatchObject({ available: 0, ok: true });
});

test("a backend's and an application's budgets on one server: either refuses, and the refusal names the one", async () => {
  const app = await createApplication(h, `edge-app-${++seq}`);
  const a = await fleet(h, `edge-a-${seq}`, { web: servers('a1', 'a2', 'a3') });
  const b = await fleet(h, `edge-b-${seq}`, { api: servers('b1', 'b2') });
  for (const s of [...Object.values(a.servers), ...Object.values(b.servers)]) {
    await h.t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: app } });
  }
  await setBudget(`/api/applications/${app}`, 3);
  await setBudget(`/api/haproxy/backends/${a.backendIds.web}`, 2);
  expect(await refusal(a.servers['web/a1'].id, { command: 'drain' })).toBe('sent');
  // The backend's is the stricter for a2 (2 of web's 3 must stay), the application's for b1 (3 of 5).
  expect(await refusal(a.servers['web/a2'].id, { command: 'drain' })).toBe(
    `409 budget_exceeded: backend web of ${a.instanceName}: 2 available, minimum 2; refused a2`
  );
  expect(await refusal(b.servers['api/b1'].id, { command: 'drain' })).toBe('sent');
  expect(await refusal(b.servers['api/b2'].id, { command: 'drain' })).toBe(
    `409 budget_exceeded: application edge-app-${seq}: 3 available, minimum 3; refused b2`
  );
});

test('a weight 0 that succeeded without saying the weight (no weight in the answer, no read back) still counts the server out', async () => {
  const name = `edge-wk-${++seq}`;
  const f = await fleet(h, name, { web: servers('a', 'b', 'c') });
  await setBudget(`/api/haproxy/backends/${f.backendIds.web}`, 2);
  h.agent.inject((r) => r.route === 'command', {
    kind: 'rewrite',
    rewrite: (answer) => ({ ...(answer as object), weight: undefined }),
  });
  h.agent.inject((r) => r.route === 'servers' && r.segments[2] === name, { kind: 'status', status: 503 });
  try {
    expect(await refusal(f.servers['web/a'].id, { command: 'weight', weight: 0 })).toBe('sent');
    expect(await refusal(f.servers['web/b'].id, { command: 'weight', weight: 0 })).toBe(
      `409 budget_exceeded: backend web of ${name}: 2 available, minimum 2; refused b`
    );
  } finally {
    h.agent.clearFaults();
  }
  expect(h.agent.server(name, 'web', 'b').weight).not.toBe(0);
});

test("a removed backend's budget is not read as below its minimum: 409, it is no longer in HAProxy; clearing it stays open", async () => {
  // A third of the instance goes: removed at once, not held.
  const f = await fleet(h, `edge-gone-${++seq}`, {
    web: servers('a', 'b'),
    api: servers('x', 'y'),
    db: servers('p', 'q'),
  });
  const path = `/api/haproxy/backends/${f.backendIds.web}`;
  expect((await setBudget(path, 2)).status).toBe(200);
  h.agent.removeBackend(f.instanceName, 'web');
  await syncNow(h, f.instanceId);

  for (const res of [
    await h.t.call('GET', `${path}/budget`, { token: h.t.tokens.viewer }),
    await setBudget(path, '50%'),
  ]) {
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(
      `backend ${f.instanceName}/web is no longer in HAProxy's configuration: it has no servers to count (restore it to use its budget)`
    );
  }
  expect((await h.t.call('DELETE', `${path}/budget`)).body).toMatchObject({ source: 'default', ok: true });
  // Restored, it is read again.
  expect((await h.t.call('POST', `${path}/restore`)).status).toBe(200);
  expect((await h.t.call('GET', `${path}/budget`)).body).toMatchObject({ servers_counted: 2, ok: true });
});
