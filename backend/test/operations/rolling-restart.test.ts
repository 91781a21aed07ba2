import { extendedServer, Recorded } from '../support/fake-fagent';
import { startReplica } from '../support/replica';
import { startTestService } from '../support/service';
import { actions, fleet, useHarness } from '../api/helpers';

/**
 * A rolling restart: the replica running a job gets SIGTERM while its command is at the agent. It ends that
 * command, records it and hands the job back, so the replica that carries on takes the job at once (not after
 * the lease) and sends no command twice.
 */
const h = useHarness({ operationPollMs: 0 }, { protocol: 'extended' });
// A lease far longer than the test waits: only a job handed back is taken in time.
const SLOW_LEASE = { operationPollMs: 100, operationLeaseMs: 30_000 };

test('SIGTERM to the replica running a drain job: the command in flight is recorded, the job goes on elsewhere, nothing sent twice', async () => {
  const name = 'rolling';
  const f = await fleet(h, name, { web: [extendedServer('r1'), extendedServer('r2')] });
  const ids = [f.servers['web/r1'].id, f.servers['web/r2'].id];
  const first = await startReplica(h.t.db.url, SLOW_LEASE);
  const drainOf = (server: string) => (r: Recorded) =>
    r.route === 'command' && r.segments[2] === name && r.segments[6] === server && r.segments[7] === 'drain';
  let release!: () => void;
  h.agent.inject(drainOf('r1'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: ids, max_parallel: 1 },
  });
  expect(res.status).toBe(202);
  await h.agent.arrived(drainOf('r1'));
  const exited = new Promise<number | null>((r) => first.process.once('exit', r));
  first.process.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  release();
  expect(await exited).toBe(0);

  const second = await startTestService(SLOW_LEASE, h.t.db);
  try {
    const end = Date.now() + 10_000;
    let op = (await h.t.call('GET', `/api/haproxy/operations/${res.body.id}`)).body;
    while (op.state !== 'succeeded' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      op = (await h.t.call('GET', `/api/haproxy/operations/${res.body.id}`)).body;
    }
    expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done' }, { state: 'done' }] });
    expect(h.agent.requests.filter(drainOf('r1'))).toHaveLength(1);
    expect(h.agent.requests.filter(drainOf('r2'))).toHaveLength(1);
    const audit = await actions(h, `operation_id=${res.body.id}`);
    expect(audit.actions.filter((a) => a.result !== 'success')).toEqual([]);
  } finally {
    await second.stop();
  }
}, 60_000);

test('a stop while a job step runs does not wait out the poll interval before it hands the job back', async () => {
  const name = 'rolling-slow-poll';
  const f = await fleet(h, name, { web: [extendedServer('p1'), extendedServer('p2')] });
  const drainOf = (r: Recorded) => r.route === 'command' && r.segments[2] === name && r.segments[7] === 'drain';
  let release!: () => void;
  h.agent.inject(drainOf, { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: Object.values(f.servers).map((s) => s.id), max_parallel: 1 },
  });
  // It claims the job when it starts, then looks every 5 s.
  const replica = await startTestService({ operationPollMs: 5000, operationLeaseMs: 30_000 }, h.t.db);
  await h.agent.arrived(drainOf);
  const t0 = Date.now();
  const stopped = replica.stop();
  await new Promise((r) => setTimeout(r, 100));
  release();
  await stopped;
  expect(Date.now() - t0).toBeLessThan(2500);
  const [op] = await h.t.db.ds.query(`SELECT lease_until FROM haproxy_operations WHERE id = $1`, [res.body.id]);
  expect(op.lease_until).toBeNull();
}, 30_000);
