import { PendingActionSweeper } from '../../src/commands/pending-sweeper';
import { extendedServer, on, Recorded } from '../support/fake-fagent';
import { silentLog, testSync } from '../support/fixtures';
import { actions, command, fleet, useHarness } from '../api/helpers';

/**
 * Replicas whose clocks disagree: what one replica writes (a window's end, a job's deadline, a pending audit
 * row, a sync's time) and another judges is judged by the database's clock, never by the judging replica's own. A replica's
 * wrong clock is this process's Date set an hour off (timers run as usual).
 */
const h = useHarness({ breakerThreshold: 100, windowCheckIntervalMs: 0 }, { protocol: 'extended' });

const HOUR = 3_600_000;
let seq = 0;

async function withClockOff<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({
    now: Date.now() + offsetMs,
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  try {
    return await work();
  } finally {
    jest.useRealTimers();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function oneServer(extra: Parameters<typeof extendedServer>[3] = {}) {
  const name = `clk${++seq}`;
  const f = await fleet(h, name, { web: [extendedServer('s1', 'ready', true, extra)] });
  return { ...f, name, id: f.servers['web/s1'].id, fake: () => h.agent.server(name, 'web', 's1') };
}

test("a window ends by the database's clock: not early on a replica an hour ahead, not late on one an hour behind", async () => {
  const s = await oneServer();
  const maint = await h.t.call('POST', `/api/haproxy/servers/${s.id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', duration_s: 600 },
  });
  expect(maint.status).toBe(200);

  const ahead = await withClockOff(HOUR, async () => ({
    tick: await h.t.service.windows.tick(),
    listed: (await h.t.service.windows.list()).map((w) => w.server_id),
  }));
  expect(ahead).toEqual({ tick: { ended: 0, failed: 0, closed: 0 }, listed: [s.id] });
  expect(s.fake().admin_state).toBe('maint');

  // Due by the database's clock now.
  await h.t.db.ds.query(
    `UPDATE haproxy_server_desired SET until = clock_timestamp() - interval '1 second' WHERE server_id = $1`,
    [s.id]
  );
  expect(await withClockOff(-HOUR, () => h.t.service.windows.tick())).toEqual({ ended: 1, failed: 0, closed: 0 });
  expect(s.fake().admin_state).toBe('ready');
});

test("a job's deadline written by one replica is not past on another whose clock is an hour ahead", async () => {
  const s = await oneServer({ current_sessions: 3 });
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: [s.id], deadline_s: 600, on_deadline: 'maint', reason: 'clocks' },
  });
  expect(res.status).toBe(202);
  const state = async () =>
    (await h.t.call('GET', `/api/haproxy/operations/${res.body.id}`, { token: h.t.tokens.viewer })).body.servers[0]
      .state;
  for (let i = 0; i < 100 && (await state()) !== 'draining'; i++) {
    await sleep(50);
  }
  expect(await state()).toBe('draining');
  // The worker polls every 100 ms: several looks at the job with a clock an hour ahead.
  await withClockOff(HOUR, () => sleep(600));
  expect(await state()).toBe('draining');
  expect(s.fake().admin_state).toBe('drain');
  await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, { token: h.t.tokens.operator });
});

test("a command still running is never swept, whatever the sweeping replica's deadline or clock", async () => {
  const s = await oneServer();
  const toS1 = (r: Recorded) => r.route === 'command' && r.segments[2] === s.name;
  let release!: () => void;
  h.agent.inject(toS1, { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const running = command(h, s.id, 'drain');
  await h.agent.arrived(toS1);
  // Another replica with a far shorter deadline, and one with a clock an hour ahead.
  const short = new PendingActionSweeper(h.t.service.db, silentLog, { staleAfterMs: 0, intervalMs: 60_000 });
  const usual = new PendingActionSweeper(h.t.service.db, silentLog, { staleAfterMs: 60_000, intervalMs: 60_000 });
  await sleep(50);
  expect(await short.sweep()).toBe(0);
  expect(await withClockOff(HOUR, () => usual.sweep())).toBe(0);
  release();
  expect((await running).status).toBe(200);
  expect((await actions(h, `server_id=${s.id}`)).actions[0]).toMatchObject({ command: 'drain', result: 'success' });
});

test("an audit row's start is the database's time: a pending row left by a replica an hour ahead is swept on time", async () => {
  const s = await oneServer();
  await h.t.db.ds.query(
    `CREATE FUNCTION hpx_no_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$`
  );
  await h.t.db.ds.query(
    `CREATE TRIGGER hpx_no_update BEFORE UPDATE ON haproxy_actions FOR EACH ROW EXECUTE FUNCTION hpx_no_update()`
  );
  try {
    expect((await withClockOff(HOUR, () => command(h, s.id, 'drain'))).status).toBe(500);
  } finally {
    await h.t.db.ds.query(`DROP TRIGGER hpx_no_update ON haproxy_actions; DROP FUNCTION hpx_no_update()`);
  }
  const [row] = await h.t.db.ds.query(
    `SELECT result, extract(epoch FROM clock_timestamp() - started_at) AS ago_s FROM haproxy_actions WHERE server_id = $1`,
    [s.id]
  );
  expect(row.result).toBe('pending');
  expect(Math.abs(Number(row.ago_s))).toBeLessThan(60);
  const sweeper = new PendingActionSweeper(h.t.service.db, silentLog, { staleAfterMs: 60_000, intervalMs: 60_000 });
  const [{ now }] = await h.t.db.ds.query(`SELECT clock_timestamp() AS now`);
  expect(await sweeper.sweep(new Date(now.getTime() + 61_000))).toBe(1);
});

test("a window's duration counts from the database's time, whatever the clock of the replica that took it", async () => {
  const s = await oneServer();
  const dbNow = async () =>
    (await h.t.service.ds.query(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`))[0].ms as number;
  const before = await dbNow();
  const res = await withClockOff(HOUR, () =>
    h.t.call('POST', `/api/haproxy/servers/${s.id}/command`, {
      token: h.t.tokens.operator,
      body: { command: 'drain', duration_s: 600 },
    })
  );
  expect(res.status).toBe(200);
  const [w] = (await h.t.service.windows.list()).filter((x) => x.server_id === s.id);
  const until = w.until.getTime();
  expect(until).toBeGreaterThanOrEqual(before + 600_000);
  expect(until).toBeLessThan((await dbNow()) + 600_000 + 1000);
});

test("a sync's time is the database's: a replica's clock an hour behind or ahead does not make others sync again, or skip", async () => {
  const s = await oneServer();
  const outcomeOf = async () =>
    (await h.t.service.scheduler.runCycle()).outcomes.find((o) => o.instanceId === s.instanceId);
  // Synced by a replica an hour behind: this cycle's work for the instance is done.
  expect(
    await withClockOff(-HOUR, () => h.t.service.scheduler.syncInstance(s.instanceId, { fresh: true }))
  ).toMatchObject({ status: 'ok' });
  expect(await outcomeOf()).toMatchObject({ status: 'skipped', error: 'synced recently by another process' });

  // Synced by a replica an hour ahead: past the skip's time, another replica syncs it.
  const sync = testSync(h.t.service.ds, h.t.service.client);
  expect(await withClockOff(HOUR, () => sync.sync(s.instanceId, { fresh: true }))).toMatchObject({ status: 'ok' });
  await sleep(600);
  expect(await sync.sync(s.instanceId, { skipIfSyncedWithinMs: 500 })).toMatchObject({ status: 'ok' });
});

test("a failed re-apply's time is the database's: a replica an hour ahead does not put the next try an hour off", async () => {
  const s = await oneServer();
  expect((await command(h, s.id, 'drain')).status).toBe(200);
  // HAProxy reloaded: the drain is lost, and the agent refuses the re-apply.
  h.agent.restart(s.name);
  Object.assign(s.fake(), extendedServer('s1'));
  h.agent.inject(on.command(), { kind: 'body', body: { success: false, error: 'Permission denied' } });
  try {
    await withClockOff(HOUR, () => h.t.service.scheduler.syncInstance(s.instanceId, { fresh: true }));
  } finally {
    h.agent.clearFaults();
  }
  const [row] = await h.t.db.ds.query(
    `SELECT drift_attempts AS attempts,
            extract(epoch FROM clock_timestamp() - drift_last_attempt_at) AS ago_s
       FROM haproxy_server_desired WHERE server_id = $1`,
    [s.id]
  );
  expect(row.attempts).toBe(1);
  expect(Math.abs(Number(row.ago_s))).toBeLessThan(60);
});

test("a desired state's time is the database's: a window set on a replica an hour ahead still backs off its failing end", async () => {
  const s = await oneServer();
  const res = await withClockOff(HOUR, () =>
    h.t.call('POST', `/api/haproxy/servers/${s.id}/command`, {
      token: h.t.tokens.operator,
      body: { command: 'drain', duration_s: 600 },
    })
  );
  expect(res.status).toBe(200);
  const [row] = await h.t.db.ds.query(
    `SELECT extract(epoch FROM clock_timestamp() - set_at) AS ago_s, until FROM haproxy_server_desired WHERE server_id = $1`,
    [s.id]
  );
  expect(Math.abs(Number(row.ago_s))).toBeLessThan(60);

  // Its end fails twice (the agent refuses): the second failure holds the window twice as long as the first.
  h.agent.inject(on.command(), { kind: 'status', status: 503 });
  const lease = h.t.service.windows.leaseMs;
  const at = row.until.getTime() + 1000;
  const ends = async () => (await actions(h, `server_id=${s.id}&source=schedule`)).total;
  try {
    await h.t.service.windows.tick(new Date(at));
    await h.t.service.windows.tick(new Date(at + lease + 1000));
    expect(await ends()).toBe(2);
    await h.t.service.windows.tick(new Date(at + 2 * lease + 2000));
    expect(await ends()).toBe(2);
  } finally {
    h.agent.clearFaults();
  }
});

test("a confirmed held removal is dated by the database's clock, not by the confirming replica's", async () => {
  const s = await oneServer();
  h.agent.removeBackend(s.name, 'web'); // an answer that would wipe the instance: held
  expect(await h.t.service.scheduler.syncInstance(s.instanceId, { fresh: true })).toMatchObject({ status: 'ok' });
  const confirm = await withClockOff(HOUR, () =>
    h.t.call('POST', `/api/haproxy/instances/${s.instanceId}/removals/confirm`, { token: h.t.tokens.admin })
  );
  expect(confirm.body).toMatchObject({ removed_backends: 1, removed_servers: 1 });
  const [row] = await h.t.db.ds.query(
    `SELECT extract(epoch FROM clock_timestamp() - s.removed_at) AS removed_ago_s,
            extract(epoch FROM clock_timestamp() - a.started_at) AS audited_ago_s
       FROM haproxy_servers s, haproxy_actions a WHERE s.id = $1 AND a.id = $2`,
    [s.id, confirm.body.action.id]
  );
  expect(Math.abs(Number(row.removed_ago_s))).toBeLessThan(60);
  expect(Math.abs(Number(row.audited_ago_s))).toBeLessThan(60);
});

test('"Recently removed" is judged by the database\'s clock: a forget on a replica an hour behind hides the row, a list a day ahead still shows it', async () => {
  const name = `clk${++seq}`;
  const f = await fleet(h, name, { web: ['s1', 's2', 's3'].map((n) => extendedServer(n)) });
  h.agent.setBackend(name, 'web', [extendedServer('s1'), extendedServer('s2')]);
  expect(await h.t.service.scheduler.syncInstance(f.instanceId, { fresh: true })).toMatchObject({ status: 'ok' });
  const gone = f.servers['web/s3'].id;
  const listed = async () =>
    (await h.t.call('GET', `/api/haproxy/removed?days=1&instance_id=${f.instanceId}`)).body.servers.map(
      (s: { id: number }) => s.id
    );
  expect(await withClockOff(24 * HOUR, listed)).toEqual([gone]);
  const forgot = await withClockOff(-HOUR, () => h.t.call('POST', `/api/haproxy/servers/${gone}/forget`));
  expect(forgot.status).toBe(204);
  expect(await listed()).toEqual([]);
});
