import { PendingActionSweeper, STALE_PENDING_NOTE } from '../../src/commands/pending-sweeper';
import type { Recorded } from '../support/fake-fagent';
import { silentLog } from '../support/fixtures';
import { actions, command, expectError, fleet, syncNow, useHarness } from '../api/helpers';

/** Commands you can trust: audited before the agent is called, HAProxy asked when its answer fails, no stale write-back. */

const h = useHarness({ requestTimeoutMs: 300, maxRetries: 0, syncDeadlineMs: 3000, breakerThreshold: 100 });
const commandTo = (instance: string, server?: string) => (r: Recorded) =>
  r.method === 'POST' && r.segments[2] === instance && (!server || r.segments[6] === server);
const readOf = (instance: string) => (r: Recorded) => r.route === 'servers' && r.segments[2] === instance;
const anyOf = (instance: string) => (r: Recorded) => r.segments[2] === instance;

const actionOf = async (serverId: number) => (await actions(h, `server_id=${serverId}`)).actions[0];
const stored = async (serverId: number) => (await h.t.call('GET', `/api/haproxy/servers/${serverId}`)).body;
const history = async (serverId: number) =>
  (await h.t.call('GET', `/api/haproxy/servers/${serverId}/history`)).body.history.map(
    (x: { from_status: string | null; to_status: string; cause: string }) => [x.from_status, x.to_status, x.cause]
  );

test('the audit row is pending before the agent is called, and completed after', async () => {
  const f = await fleet(h, 'pending', { web: [{ name: 's1', status: 'UP' }] });
  const id = f.servers['web/s1'].id;
  let release!: () => void;
  h.agent.inject(commandTo('pending'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const running = command(h, id, 'drain');
  await h.agent.arrived(commandTo('pending'));
  expect(await actionOf(id)).toMatchObject({
    command: 'drain',
    result: 'pending',
    success: false,
    completed_at: null,
    status_before: 'UP',
    status_after: null,
  });
  release();
  const res = await running;
  expect(res.status).toBe(200);
  expect(res.body.action).toMatchObject({ result: 'success', success: true, status_after: 'DRAIN', note: null });
  expect(await actionOf(id)).toMatchObject({ result: 'success', completed_at: expect.any(String) });
});

describe('when the agent does not answer in time, HAProxy is asked', () => {
  test('it shows the command applied: a success, with a note, and the status stored', async () => {
    const f = await fleet(h, 'late-applied', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    // The agent applies the drain at once but answers a byte every 100 ms: past the 300 ms timeout.
    h.agent.inject(commandTo('late-applied'), { kind: 'drip', bytes: 1, everyMs: 100 }, 1);
    const res = await command(h, id, 'drain');
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ result: 'success', success: true, status_after: 'DRAIN', error: null });
    expect(res.body.action.note).toMatch(
      /^the agent's answer failed \(FAgent did not answer .* within 300 ms\), but HAProxy shows "DRAIN": applied$/
    );
    expect((await stored(id)).status).toBe('DRAIN');
    expect(await history(id)).toEqual([
      ['UP', 'DRAIN', 'command'],
      [null, 'UP', 'sync'],
    ]);
  });

  test('it shows the command not applied: a failure (502) recording what HAProxy shows', async () => {
    const f = await fleet(h, 'late-lost', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    h.agent.inject(commandTo('late-lost'), { kind: 'hang' }, 1);
    const res = await command(h, id, 'maint');
    expectError(res, 502, 'fagent_error');
    expect(await actionOf(id)).toMatchObject({
      result: 'failure',
      success: false,
      status_after: 'UP',
      error: expect.stringMatching(/within 300 ms/),
      note: 'HAProxy shows "UP": not applied',
    });
    expect((await stored(id)).status).toBe('UP');
  });

  test('an agent that applied it but answered 5xx with success:false: HAProxy is asked too, a success', async () => {
    const f = await fleet(h, 'applied-5xx', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    // The reference agent's answer when HAProxy's socket timed out after the command was written.
    h.agent.inject(
      commandTo('applied-5xx'),
      { kind: 'rewrite', rewrite: () => ({ status: 504, body: { success: false, error: 'HAProxy timed out' } }) },
      1
    );
    const res = await command(h, id, 'drain');
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ result: 'success', success: true, status_after: 'DRAIN', error: null });
    expect(res.body.action.note).toMatch(/HAProxy timed out\), but HAProxy shows "DRAIN": applied$/);
    expect((await stored(id)).status).toBe('DRAIN');
  });

  test('it cannot be read either: unknown (502 saying so), the stored status untouched', async () => {
    const f = await fleet(h, 'late-unknown', { web: [{ name: 's1', status: 'UP' }] });
    const id = f.servers['web/s1'].id;
    h.agent.inject(anyOf('late-unknown'), { kind: 'hang' });
    const started = Date.now();
    const res = await command(h, id, 'drain');
    expect(Date.now() - started).toBeLessThan(3000);
    expectError(res, 502, 'fagent_error');
    expect(res.body.error.message).toMatch(/HAProxy's state afterwards is unknown/);
    expect(await actionOf(id)).toMatchObject({
      result: 'unknown',
      success: false,
      status_after: null,
      note: expect.stringMatching(/could not be read/),
    });
    expect((await stored(id)).status).toBe('UP');
    expect((await actions(h, `instance_id=${f.instanceId}&result=unknown`)).total).toBe(1);
    const metrics = (await h.t.call('GET', '/metrics', { token: h.t.tokens.viewer })).body as string;
    expect(metrics).toMatch(/^haproxy_control_commands_total\{command="drain",result="unknown"\} 1$/m);
  });
});

test('a database error after the agent applied the command leaves the audit row pending, then swept to unknown', async () => {
  const f = await fleet(h, 'db-after', { web: [{ name: 's1', status: 'UP' }] });
  const id = f.servers['web/s1'].id;
  const ds = h.t.db.ds;
  await ds.query(
    `CREATE FUNCTION hpx_no_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$`
  );
  await ds.query(
    `CREATE TRIGGER hpx_no_update BEFORE UPDATE ON haproxy_actions FOR EACH ROW EXECUTE FUNCTION hpx_no_update()`
  );
  let res;
  try {
    res = await command(h, id, 'drain');
  } finally {
    await ds.query(`DROP TRIGGER hpx_no_update ON haproxy_actions; DROP FUNCTION hpx_no_update()`);
  }
  expectError(res, 500, 'internal');
  expect(res.body.error.message).toMatch(
    /^drain was applied by HAProxy but its outcome could not be recorded \(database error\): audit row \d+ stays pending/
  );
  expect(h.agent.server('db-after', 'web', 's1').status).toBe('DRAIN');
  const row = await actionOf(id);
  expect(row).toMatchObject({ result: 'pending', completed_at: null });
  // Not yet stale: left alone; once older than any command can run: unknown, with why.
  const sweeper = new PendingActionSweeper(h.t.service.db, silentLog, { staleAfterMs: 60_000, intervalMs: 60_000 });
  expect(await sweeper.sweep()).toBe(0);
  expect(await sweeper.sweep(new Date(Date.now() + 61_000))).toBe(1);
  expect(await actionOf(id)).toMatchObject({ id: row.id, result: 'unknown', note: STALE_PENDING_NOTE });
  // The next sync shows the server as HAProxy has it.
  await syncNow(h, f.instanceId);
  expect((await stored(id)).status).toBe('DRAIN');
});

test('a sync that read the agent before a command does not write the old status back', async () => {
  const f = await fleet(h, 'race', {
    web: [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
    ],
  });
  const id = f.servers['web/s1'].id;
  // The sync's server list is read (s1 UP) and held while the drain runs and completes.
  let release!: () => void;
  h.agent.inject(readOf('race'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  h.agent.requests.length = 0;
  const sync = syncNow(h, f.instanceId);
  await h.agent.arrived(readOf('race'));
  h.agent.server('race', 'web', 's2').status = 'DOWN'; // after the held read: the sync does not see it
  const res = await command(h, id, 'drain');
  expect(res.status).toBe(200);
  expect((await stored(id)).status).toBe('DRAIN');
  release();
  await sync;
  expect((await stored(id)).status).toBe('DRAIN');
  expect(await history(id)).toEqual([
    ['UP', 'DRAIN', 'command'],
    [null, 'UP', 'sync'],
  ]);
  // The next sync reads s1 again: DRAIN, nothing to write.
  await syncNow(h, f.instanceId);
  expect(await history(id)).toHaveLength(2);
  expect((await stored(f.servers['web/s2'].id)).status).toBe('DOWN');
});

test('bulk: whatever one server throws is its own answer; the others go on', async () => {
  const f = await fleet(h, 'bulk-throws', {
    web: [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
      { name: 's3', status: 'UP' },
    ],
  });
  const ds = h.t.db.ds;
  // s2's audit row cannot be written: its command must not be sent.
  await ds.query(
    `CREATE FUNCTION hpx_no_s2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no audit for s2 (injected)'; END $$`
  );
  await ds.query(
    `CREATE TRIGGER hpx_no_s2 BEFORE INSERT ON haproxy_actions FOR EACH ROW WHEN (NEW.server_name = 's2') EXECUTE FUNCTION hpx_no_s2()`
  );
  let res;
  try {
    res = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      token: h.t.tokens.operator,
      body: { command: 'maint', backend_id: f.backendIds.web, concurrency: 3 },
    });
  } finally {
    await ds.query(`DROP TRIGGER hpx_no_s2 ON haproxy_actions; DROP FUNCTION hpx_no_s2()`);
  }
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
  expect(res.body.results[1]).toEqual({
    server_id: f.servers['web/s2'].id,
    ok: false,
    action_id: null,
    error: expect.stringMatching(/no audit for s2 \(injected\)/),
  });
  expect(['s1', 's2', 's3'].map((s) => h.agent.server('bulk-throws', 'web', s).status)).toEqual([
    'MAINT',
    'UP',
    'MAINT',
  ]);
  expect(h.agent.requests.filter(commandTo('bulk-throws', 's2'))).toEqual([]);
});

test('a server claimed by another process: a command waits up to the deadline, then 409, audited; a dead claim runs out', async () => {
  const f = await fleet(h, 'claimed', { web: [{ name: 's1', status: 'UP' }] });
  const id = f.servers['web/s1'].id;
  const claim = (interval: string) =>
    h.t.db.ds.query(
      `UPDATE haproxy_servers SET command_claim = gen_random_uuid(), command_claim_until = now() + $2::interval WHERE id = $1`,
      [id, interval]
    );
  await claim('1 minute');
  const started = Date.now();
  const res = await command(h, id, 'drain');
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000); // syncDeadlineMs
  expectError(res, 409, 'conflict');
  expect(res.body.error.message).toMatch(/another command on server s1 of backend web is still running/);
  expect(await actionOf(id)).toMatchObject({ command: 'drain', result: 'failure', error: res.body.error.message });
  expect(h.agent.requests.filter(commandTo('claimed'))).toEqual([]);

  // Its holder died a while ago: the lease has run out, the server is free.
  await claim('-1 second');
  expect((await command(h, id, 'drain')).status).toBe(200);
  expect((await stored(id)).status).toBe('DRAIN');
  const [row] = await h.t.db.ds.query(`SELECT command_claim FROM haproxy_servers WHERE id = $1`, [id]);
  expect(row.command_claim).toBeNull(); // released after the command
});

test('a command waiting for a server whose instance is deleted meanwhile: 404 at once, nothing sent', async () => {
  const f = await fleet(h, 'deleted-waiting', { web: [{ name: 's1', status: 'UP' }] });
  const id = f.servers['web/s1'].id;
  let release!: () => void;
  h.agent.inject(commandTo('deleted-waiting'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const first = command(h, id, 'drain');
  await h.agent.arrived(commandTo('deleted-waiting'));
  const waiting = command(h, id, 'maint');
  await new Promise((r) => setTimeout(r, 200));
  expect((await h.t.call('DELETE', `/api/haproxy/instances/${f.instanceId}`)).status).toBe(204);
  // Before, it waited out the whole deadline, then wrote an audit row against the deleted row: a 400.
  expectError(await waiting, 404, 'not_found');
  release();
  await first;
  expect(h.agent.requests.filter(commandTo('deleted-waiting')).map((r) => r.segments[7])).toEqual(['drain']);
});
