import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from './helpers';

/** Bulk commands as a caller sees them: the dry run and the real run deciding alike. */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;
const bulk = (body: Record<string, unknown>) =>
  h.t.call('POST', '/api/haproxy/commands/bulk', { token: h.t.tokens.operator, body });

test('a forced dry run takes out what the forced bulk does, saying which budget it goes past', async () => {
  const f = await fleet(h, `bulk-${++seq}`, { web: ['s1', 's2', 's3'].map((n) => extendedServer(n)) });
  const web = f.backendIds.web;
  const set = await h.t.call('PUT', `/api/haproxy/backends/${web}/budget`, { body: { min_available: 2 } });
  expect(set.status).toBe(200);
  const body = { command: 'drain', backend_id: web, force: true, reason: 'CHG-7 rack move' };
  const dry = await bulk({ ...body, dry_run: true });
  expect(dry.status).toBe(200);
  const real = await bulk(body);
  expect(real.status).toBe(200);
  const notes = real.body.results.map((r: { ok: boolean; note?: string }) => [r.ok, r.note ?? null]);
  expect(notes).toEqual([
    [true, null],
    [true, `forced past the budget: backend web of ${f.instanceName}: 2 available, minimum 2; refused s2`],
    [true, `forced past the budget: backend web of ${f.instanceName}: 1 available, minimum 2; refused s3`],
  ]);
  expect(
    dry.body.servers.map((s: { would: string; reason: string | null }) => [s.would === 'take_out', s.reason])
  ).toEqual(notes);
  expect(dry.body.budgets).toEqual([expect.objectContaining({ available: 0, effective_min: 2, ok: false })]);
});

test('a drain waiting a second sees sessions that end within that second', async () => {
  const name = `bulk-${++seq}`;
  const f = await fleet(h, name, { web: [extendedServer('s1', 'ready', true, { current_sessions: 3 })] });
  // The sessions end half a second after the drain reaches HAProxy: within the wait, before its end.
  void h.agent
    .arrived((r) => r.route === 'command' && r.segments[2] === name)
    .then(() => setTimeout(() => (h.agent.server(name, 'web', 's1').current_sessions = 0), 500));
  const res = await bulk({ command: 'drain', server_ids: [f.servers['web/s1'].id], wait_drained_s: 1 });
  expect(res.status).toBe(200);
  expect(res.body.drain_wait).toMatchObject({ drained: true, remaining: [], gone: [] });
  expect(res.body.drain_wait.waited_ms).toBeLessThanOrEqual(1500);
});
