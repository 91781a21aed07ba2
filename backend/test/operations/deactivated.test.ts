import { actions, fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * Bulks and jobs on servers of a deactivated instance or host: their dry runs say the refusal the real run
 * answers, a job reads no agent the admin switched off, and a bulk's summary matches its audit rows.
 */
const h = useHarness({}, { protocol: 'extended' });
const { create, until } = jobApi(h);
let seq = 0;

const newFleet = async (extra: Parameters<typeof jobServers>[1] = {}) => {
  const name = `off-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(2, extra) }, { hostName: `off-host-${seq}` });
  return { ...f, ids: Object.values(f.servers).map((s) => s.id), fake: (s: string) => h.agent.server(name, 'web', s) };
};
type OffFleet = Awaited<ReturnType<typeof newFleet>>;

const deactivate = async (f: OffFleet, kind: 'instance' | 'host') => {
  const path = kind === 'instance' ? `/api/haproxy/instances/${f.instanceId}` : `/api/hosts/${f.hostId}`;
  expect((await h.t.call('PATCH', path, { body: { is_active: false } })).status).toBe(200);
};
/** The agent's requests for this fleet's instance. */
const reached = (f: OffFleet) => h.agent.requests.filter((r) => r.segments[2] === f.instanceName);

test.each(['instance', 'host'] as const)(
  'its %s deactivated: the dry runs of a bulk and of a job say refuse, in the words of the real refusal',
  async (kind) => {
    const f = await newFleet();
    // One already drained: the dry run would say skip, the real run refuses it all the same.
    expect(
      (await h.t.call('POST', `/api/haproxy/servers/${f.ids[0]}/command`, { body: { command: 'drain' } })).status
    ).toBe(200);
    await deactivate(f, kind);
    const bulk = (body: Record<string, unknown>) => h.t.call('POST', '/api/haproxy/commands/bulk', { body });
    for (const command of ['drain', 'ready']) {
      const dry = await bulk({ command, backend_id: f.backendIds.web, dry_run: true });
      expect(dry.status).toBe(200);
      const real = await bulk({ command, backend_id: f.backendIds.web });
      expect(real.body).toMatchObject({ total: 2, failed: 2 });
      const refusals = real.body.results.map((r: { error: string }) => r.error);
      expect(refusals[0]).toMatch(/is deactivated: activate it to send it /);
      expect(dry.body.servers.map((s: { would: string; reason: string }) => [s.would, s.reason])).toEqual(
        refusals.map((e: string) => ['refuse', e])
      );
    }
    // A budget's refusal still says the job would wait for it; the deactivated instance's says nothing of it.
    const guarded = await newFleet();
    const budget = { token: h.t.tokens.admin, body: { min_available: 2 } };
    expect((await h.t.call('PUT', `/api/haproxy/backends/${guarded.backendIds.web}/budget`, budget)).status).toBe(200);
    const held = await create({ action: 'drain', server_ids: [guarded.ids[0]], dry_run: true, deadline_s: 60 });
    expect(held.body.servers[0]).toMatchObject({
      would: 'refuse',
      reason: expect.stringMatching(/\(the job would wait for the budget up to 60 s\)$/),
    });
    const job = await create({ action: 'drain', backend_id: f.backendIds.web, dry_run: true });
    expect(job.status).toBe(200);
    expect(job.body.servers).toEqual([
      expect.objectContaining({
        would: 'refuse',
        reason: expect.stringMatching(/is deactivated: activate it to send it drain$/),
      }),
      expect.objectContaining({
        would: 'refuse',
        reason: expect.stringMatching(/is deactivated: activate it to send it drain$/),
      }),
    ]);
  }
);

test('a drain job reads no agent of a deactivated instance: its servers end failed with the refusal at once', async () => {
  const f = await newFleet({ current_sessions: 3 });
  // j1 drained by hand: the job has nothing to send it, it only watches its sessions.
  expect(
    (await h.t.call('POST', `/api/haproxy/servers/${f.ids[0]}/command`, { body: { command: 'drain' } })).status
  ).toBe(200);
  // j2 drained by a job whose sessions it watches when the instance is switched off.
  const watched = await create({ action: 'drain', server_ids: [f.ids[1]] });
  await until(watched.body.id, (op) => op.servers[0].state === 'draining');
  await deactivate(f, 'instance');
  const pending = await create({ action: 'drain', server_ids: [f.ids[0]] });
  h.agent.requests.length = 0;
  for (const id of [watched.body.id, pending.body.id]) {
    const op = await until(id, final, 3000);
    expect(op).toMatchObject({ state: 'failed' });
    expect(op.servers[0]).toMatchObject({
      state: 'failed',
      error: `drain: instance ${f.instanceName} is deactivated: activate it to send it drain`,
    });
  }
  expect(reached(f)).toEqual([]);
});

test('a bulk on a deactivated host: each server answers the 409 reason, the summary counts them as the audit rows do', async () => {
  const f = await newFleet();
  const other = await newFleet();
  await deactivate(f, 'host');
  h.agent.requests.length = 0;
  const res = await h.t.call('POST', '/api/haproxy/commands/bulk', {
    body: { command: 'drain', server_ids: [...f.ids, other.ids[0]] },
  });
  expect(res.status).toBe(200);
  const reason = `host off-host-${seq - 1} of instance ${f.instanceName} is deactivated: activate it to send it drain`;
  expect(res.body).toMatchObject({ total: 3, succeeded: 1, failed: 2 });
  expect(res.body.results).toEqual([
    expect.objectContaining({ server_id: f.ids[0], ok: false, error: reason, error_code: 'conflict' }),
    expect.objectContaining({ server_id: f.ids[1], ok: false, error: reason, error_code: 'conflict' }),
    expect.objectContaining({ server_id: other.ids[0], ok: true }),
  ]);
  const audit = await actions(h, `operation_id=${res.body.operation_id}`);
  expect(audit.actions.filter((a) => a.result === 'failure').map((a) => a.error)).toEqual([reason, reason]);
  expect(audit.actions.filter((a) => a.result === 'success')).toHaveLength(res.body.succeeded);
  expect(reached(f)).toEqual([]);
});
