import { extendedServer } from '../support/fake-fagent';
import { createApplication, fleet, useHarness } from '../api/helpers';

/**
 * Every way of taking servers out at once, on the same servers: single drains and maints, two bulk commands
 * and a drain job, against a backend budget and an application budget spanning two instances, with a server
 * whose checks fail (it counts as unavailable). Whatever order they land in, no budget is broken, every
 * attempt is audited, a refusal is a 409 budget_exceeded (or the claim's "still running"), and no mark is left.
 */
const h = useHarness({}, { protocol: 'extended' });

const post = (path: string, body: Record<string, unknown>) =>
  h.t.call('POST', path, { token: h.t.tokens.operator, body });

test('singles, bulks and a job at once: the backend and application budgets hold, every attempt audited', async () => {
  const x = await fleet(h, 'race-x', {
    web: [...['x1', 'x2', 'x3', 'x4', 'x5'].map((n) => extendedServer(n)), extendedServer('x6', 'ready', false)],
  });
  const y = await fleet(h, 'race-y', { api: ['y1', 'y2', 'y3'].map((n) => extendedServer(n)) });
  const app = await createApplication(h, 'race-app');
  const appIds = [
    ...['x1', 'x2', 'x3', 'x4'].map((n) => x.servers[`web/${n}`].id),
    ...Object.values(y.servers).map((s) => s.id),
  ];
  for (const id of appIds) {
    expect(
      (await h.t.call('PUT', `/api/haproxy/servers/${id}/mapping`, { body: { application_id: app } })).status
    ).toBe(200);
  }
  // web: 6 counted, 5 available (x6 is down), at least 3: 2 may go. The application: 7, at least 4: 3 may go.
  expect(
    (await h.t.call('PUT', `/api/haproxy/backends/${x.backendIds.web}/budget`, { body: { min_available: 3 } })).body
  ).toMatchObject({ available: 5, effective_min: 3 });
  expect(
    (await h.t.call('PUT', `/api/applications/${app}/budget`, { body: { min_available: '50%' } })).body
  ).toMatchObject({ available: 7, effective_min: 4 });

  const webIds = Object.values(x.servers).map((s) => s.id);
  const singles = [...webIds, ...appIds].map((id, i) => ({ id, command: i % 2 ? 'maint' : 'drain' }));
  const [singleAnswers, bulkWeb, bulkApp, job] = await Promise.all([
    Promise.all(singles.map((s) => post(`/api/haproxy/servers/${s.id}/command`, { command: s.command }))),
    post('/api/haproxy/commands/bulk', { command: 'maint', backend_id: x.backendIds.web, concurrency: 6 }),
    post('/api/haproxy/commands/bulk', { command: 'drain', application_id: app, concurrency: 7 }),
    post('/api/haproxy/operations', { action: 'drain', backend_id: y.backendIds.api, max_parallel: 3, then: null }),
  ]);
  expect([bulkWeb.status, bulkApp.status, job.status]).toEqual([200, 200, 202]);
  // The job has tried every server once it is out or held back.
  const end = Date.now() + 10_000;
  for (;;) {
    const op = (await h.t.call('GET', `/api/haproxy/operations/${job.body.id}`)).body;
    if (op.servers.every((s: { state: string }) => ['done', 'waiting', 'refused'].includes(s.state))) {
      break;
    }
    if (Date.now() > end) {
      throw new Error(`job still starting: ${JSON.stringify(op.servers)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await post(`/api/haproxy/operations/${job.body.id}/cancel`, {})).status).toBe(200);

  const out = (instance: string, backend: string, names: string[]) =>
    names.filter((n) => h.agent.server(instance, backend, n).admin_state !== 'ready');
  const webOut = out('race-x', 'web', ['x1', 'x2', 'x3', 'x4', 'x5']);
  const appOut = [...out('race-x', 'web', ['x1', 'x2', 'x3', 'x4']), ...out('race-y', 'api', ['y1', 'y2', 'y3'])];
  expect(webOut.length).toBeLessThanOrEqual(2);
  expect(appOut.length).toBeLessThanOrEqual(3);
  // Something went out: the budgets were not simply refusing everything.
  expect(webOut.length + appOut.length).toBeGreaterThan(0);
  // The budgets as the service counts them now agree.
  expect((await h.t.call('GET', `/api/haproxy/backends/${x.backendIds.web}/budget`)).body).toMatchObject({ ok: true });
  expect((await h.t.call('GET', `/api/applications/${app}/budget`)).body).toMatchObject({ ok: true });

  for (const a of singleAnswers.filter((r) => r.status !== 200)) {
    expect(a.status).toBe(409);
    expect(['budget_exceeded', 'conflict']).toContain(a.body.error.code);
  }
  for (const r of [...bulkWeb.body.results, ...bulkApp.body.results].filter((r: { ok: boolean }) => !r.ok)) {
    expect(r.action_id).toEqual(expect.any(Number));
    expect(r.error).toMatch(/minimum|still running/);
  }
  // One audit row per single request and per bulk server, each finished (none pending).
  const rows: Array<{ operation_id: string | null; n: number; pending: number }> = await h.t.db.ds.query(
    `SELECT operation_id, count(*)::int AS n, count(*) FILTER (WHERE result = 'pending')::int AS pending
       FROM haproxy_actions WHERE instance_id = ANY($1::int[]) GROUP BY operation_id`,
    [[x.instanceId, y.instanceId]]
  );
  const byOp = new Map(rows.map((r) => [r.operation_id, r]));
  expect(byOp.get(null)?.n).toBe(singles.length);
  expect(byOp.get(bulkWeb.body.operation_id)?.n).toBe(6);
  expect(byOp.get(bulkApp.body.operation_id)?.n).toBe(7);
  expect(rows.every((r) => r.pending === 0)).toBe(true);
  expect(await h.t.db.ds.query(`SELECT count(*)::int AS n FROM haproxy_taking_out`)).toEqual([{ n: 0 }]);
});
