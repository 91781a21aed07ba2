import { extendedServer, Recorded } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/**
 * A stop (SIGTERM) while the window worker or the job worker has many commands to send: the commands in flight
 * end, the rest are not sent, and what they held is handed back at once (a window's claim, a job's lease), so a
 * stop is bounded by one command's deadline and another replica carries on.
 */
const h = useHarness(
  { windowCheckIntervalMs: 100, operationPollMs: 100, fetchConcurrency: 4 },
  { protocol: 'extended' }
);

/** Holds the `command`s sent to `instance`'s servers until the returned release is called. */
function holdCommands(instance: string, command: string) {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  const match = (r: Recorded) => r.route === 'command' && r.segments[2] === instance && r.segments[7] === command;
  h.agent.inject(match, { kind: 'hold', until });
  const count = () => h.agent.requests.filter(match).length;
  return { release, count };
}

async function waitFor(what: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const servers = (n: number) => Array.from({ length: n }, (_, i) => extendedServer(`s${i + 1}`));

test('windows: a stop ends the ones being ended, sends no other ready and hands the rest back', async () => {
  const name = 'stop-windows';
  const f = await fleet(h, name, { web: servers(20) });
  const ids = Object.values(f.servers).map((s) => s.id);
  const readies = holdCommands(name, 'ready');
  const bulk = await h.t.call('POST', '/api/haproxy/commands/bulk', {
    token: h.t.tokens.operator,
    body: { command: 'maint', server_ids: ids, until: new Date(Date.now() + 1000).toISOString() },
  });
  expect(bulk.body).toMatchObject({ succeeded: 20 });
  await waitFor(() => readies.count() === 8); // the worker ends 8 at once
  const stopped = h.t.service.windows.stop();
  await new Promise((r) => setTimeout(r, 200));
  readies.release();
  await stopped;
  await new Promise((r) => setTimeout(r, 300));
  expect(readies.count()).toBe(8);
  const rows = await h.t.db.ds.query(
    `SELECT count(*) FILTER (WHERE until IS NOT NULL)::int AS open,
            count(*) FILTER (WHERE window_claimed_until IS NOT NULL)::int AS claimed
       FROM haproxy_server_desired WHERE server_id = ANY($1::int[])`,
    [ids]
  );
  expect(rows).toEqual([{ open: 12, claimed: 0 }]);
});

test('jobs: a stop ends the commands in flight, sends no other and releases the lease', async () => {
  const name = 'stop-job';
  const f = await fleet(h, name, { web: servers(12) });
  const drains = holdCommands(name, 'drain');
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', backend_id: f.backendIds.web, max_parallel: 12 },
  });
  expect(res.status).toBe(202);
  await waitFor(() => drains.count() === 4); // a job sends 4 at once here
  const stopped = h.t.service.operationWorker.stop();
  await new Promise((r) => setTimeout(r, 200));
  drains.release();
  await stopped;
  await new Promise((r) => setTimeout(r, 300));
  expect(drains.count()).toBe(4);
  const [op] = await h.t.db.ds.query(`SELECT state, lease_until FROM haproxy_operations WHERE id = $1`, [res.body.id]);
  expect(op).toEqual({ state: 'running', lease_until: null });
  const job = (await h.t.call('GET', `/api/haproxy/operations/${res.body.id}`)).body;
  expect(job.progress).toMatchObject({ total: 12, pending: 8, active: 4 });
});
