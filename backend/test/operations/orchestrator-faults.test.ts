import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * An orchestrator's jobs against what goes wrong around them: what a job runs on deleted under it, the database
 * failing while a finished job's callback is recorded, two orchestrators at once, an operator overriding a ramp,
 * an agent hanging while a bulk drain waits. Every job ends, and the service stays up.
 */
const h = useHarness({}, { protocol: 'extended' });
let seq = 0;

const servers = jobServers;
const { create, until } = jobApi(h);

test.each([
  ['a drain job (no deadline) whose draining server', 'drain', 'draining', { current_sessions: 3 }, {}],
  [
    'a ready job whose ramping server',
    'ready',
    'ramping',
    { status: 'MAINT', admin_state: 'maint' },
    { ramp: { steps: [10, 100], interval_s: 3600 } },
  ],
])('%s is deleted with its instance: the job ends, the server failed', async (_what, action, state, extra, body) => {
  const f = await fleet(h, `deleted-${++seq}`, { web: servers(1, extra) });
  const res = await create({ action, server_ids: [f.servers['web/j1'].id], ...body });
  expect(res.status).toBe(202);
  await until(res.body.id, (op) => op.servers[0].state === state);
  const del = await h.t.call('DELETE', `/api/haproxy/instances/${f.instanceId}`);
  expect(del.status).toBeLessThan(300);
  const op = await until(res.body.id, final);
  expect(op).toMatchObject({ state: 'failed', servers: [{ state: 'failed', error: 'the server was deleted' }] });
});

test('the database failing while a callback is recorded: no unhandled rejection, the callback recorded at a later look', async () => {
  const got: string[] = [];
  const receiver = createServer((req, res) => {
    req.resume().on('end', () => {
      got.push(req.url ?? '');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/record-fails`;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);
  process.on('unhandledRejection', onRejection);
  // The callback's outcome cannot be written while the trigger is there (a lost connection, a failover).
  await h.t.db.ds.query(`
    CREATE FUNCTION refuse_callback_record() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.callback_state IN ('sent', 'failed') AND NEW.callback_url LIKE '%/record-fails' THEN
        RAISE EXCEPTION 'injected: the database is gone';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_callback_record BEFORE UPDATE ON haproxy_operations
      FOR EACH ROW EXECUTE FUNCTION refuse_callback_record();`);
  try {
    const f = await fleet(h, `callback-db-${++seq}`, { web: servers(1) });
    const res = await create({ action: 'drain', server_ids: [f.servers['web/j1'].id], callback_url: url });
    await until(res.body.id, () => got.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    await h.t.db.ds.query(`DROP TRIGGER refuse_callback_record ON haproxy_operations`);
    // Well within the job's 3 s lease: the replica that holds the job records it, not one taking it over later.
    const op = await until(res.body.id, (o) => o.callback?.state !== 'pending', 2000);
    expect(op).toMatchObject({ state: 'succeeded', callback: { state: 'sent', error: null } });
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
    await h.t.db.ds.query(`DROP TRIGGER IF EXISTS refuse_callback_record ON haproxy_operations`);
    await h.t.db.ds.query(`DROP FUNCTION IF EXISTS refuse_callback_record()`);
    await new Promise((r) => receiver.close(r));
  }
});

test('two orchestrators listing the same servers in opposite orders at once: one job, the other a 409 naming it', async () => {
  const name = `opposite-${++seq}`;
  const f = await fleet(h, name, { web: servers(2) });
  const ids = [f.servers['web/j1'].id, f.servers['web/j2'].id];
  // Each job's server rows are written slowly, so both requests are writing theirs at the same time.
  await h.t.db.ds.query(`
    CREATE FUNCTION slow_operation_server() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_sleep(0.3);
      RETURN NEW;
    END $$;
    CREATE TRIGGER slow_operation_server BEFORE INSERT ON haproxy_operation_servers
      FOR EACH ROW WHEN (NEW.instance_name = '${name}') EXECUTE FUNCTION slow_operation_server();`);
  try {
    const [a, b] = await Promise.all([
      create({ action: 'drain', server_ids: ids, then: null }),
      create({ action: 'drain', server_ids: [...ids].reverse(), then: null }),
    ]);
    const [made, refused] = a.status === 202 ? [a, b] : [b, a];
    expect([made.status, refused.status]).toEqual([202, 409]);
    expect(refused.body.error).toMatchObject({ code: 'operation_conflict', details: { operation_id: made.body.id } });
    // The job keeps the order its caller listed.
    expect(made.body.servers.map((s: any) => s.server_id)).toEqual(made.body.selection.server_ids);
    await h.t.call('POST', `/api/haproxy/operations/${made.body.id}/cancel`, { token: h.t.tokens.operator });
  } finally {
    await h.t.db.ds.query(`DROP TRIGGER IF EXISTS slow_operation_server ON haproxy_operation_servers`);
    await h.t.db.ds.query(`DROP FUNCTION IF EXISTS slow_operation_server()`);
  }
});

test.each([
  ['drain', 'drain', 'up'],
  // HAProxy stops a server's checks in maint: it reads down, and a ramp that waited for it to come up waited for ever.
  ['maint', 'maint', 'down'],
])(
  "an operator's %s while a ready job ramps the server is not fought: the server ends failed, left so",
  async (command, admin, operational) => {
    const name = `ramp-overridden-${++seq}`;
    const f = await fleet(h, name, {
      web: [extendedServer('j1', 'maint', true, { weight: 100, initial_weight: 100 })],
    });
    const id = f.servers['web/j1'].id;
    const res = await create({ action: 'ready', server_ids: [id], ramp: { steps: [10, 50, 100], interval_s: 1 } });
    await until(res.body.id, (op) => op.servers[0].state === 'ramping');
    const cmd = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
      token: h.t.tokens.operator,
      body: { command, reason: 'incident' },
    });
    expect(cmd.status).toBe(200);
    h.agent.server(name, 'web', 'j1').operational_state = operational;
    const op = await until(res.body.id, final, 5000);
    expect(op).toMatchObject({ state: 'failed', servers: [{ state: 'failed' }] });
    expect(op.servers[0].error).toMatch(
      new RegExp(`^set ${admin} by token:test-operator while the job returned it: left ${admin}$`)
    );
    expect(h.agent.server(name, 'web', 'j1').admin_state).toBe(admin);
  }
);

test('a bulk drain waiting for 0 sessions answers at its wait_drained_s, also while the agent hangs on the reads', async () => {
  const name = `wait-hang-${++seq}`;
  const f = await fleet(h, name, { web: servers(1, { current_sessions: 5 }) });
  // The drain's own read back answers; every read after it (the wait's looks) hangs.
  let reads = 0;
  h.agent.inject((r) => r.route === 'servers' && r.segments[2] === name && ++reads > 1, { kind: 'hang' });
  try {
    const started = Date.now();
    const res = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'drain', server_ids: [f.servers['web/j1'].id], wait_drained_s: 1 },
    });
    expect(res.body).toMatchObject({ succeeded: 1, drain_wait: { drained: false } });
    expect(res.body.drain_wait.remaining).toEqual([{ server_id: f.servers['web/j1'].id, sessions: null }]);
    // Without a bound, one look took the agent's timeout (2 s here) with its retry.
    expect(Date.now() - started).toBeLessThan(2000);
  } finally {
    h.agent.clearFaults();
  }
});
