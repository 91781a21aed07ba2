import { Client } from 'pg';
import { ADVISORY_NAMESPACE } from '../../src/db/advisory-lock';
import { createDataSource } from '../../src/db/data-source';
import { FagentClient } from '../../src/fagent/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent, FakeServer, on, useFakeAgent } from '../support/fake-fagent';
import { backendStates, insertInstance, serverStates, snapshot, testClient, testSync } from '../support/fixtures';

/** The sync's guards: no wipe from one answer, and a deadline for the whole sync. */

let db: TestDatabase;
let client: FagentClient;
const agent: FakeFagent = useFakeAgent();

beforeAll(async () => {
  db = await createTestDatabase();
  client = testClient({ timeoutMs: 5000 });
});
afterAll(async () => {
  client?.close();
  await db?.drop();
});

let seq = 0;
async function freshInstance(backends: Record<string, FakeServer[]>) {
  const name = `guard${++seq}`;
  for (const [b, servers] of Object.entries(backends)) {
    agent.setBackend(name, b, servers);
  }
  const ids = await insertInstance(db.ds, agent.url, name);
  return { name, ...ids };
}

const up = (...names: string[]) => names.map((name) => ({ name, status: 'UP' }));
const held = async (instanceId: number) =>
  (await db.ds.query(`SELECT held_removal FROM haproxy_instances WHERE id = $1`, [instanceId]))[0].held_removal;
const audit = (instanceId: number) =>
  db.ds.query(
    `SELECT command, actor, source, result, success, note FROM haproxy_actions WHERE instance_id = $1 ORDER BY id`,
    [instanceId]
  );
const removedHistory = (instanceId: number) =>
  db.ds.query(
    `SELECT s.server_name AS server, h.from_status, h.to_status, h.note FROM haproxy_server_status_history h
       JOIN haproxy_servers s ON s.id = h.server_id JOIN haproxy_backends b ON b.id = s.backend_id
      WHERE b.instance_id = $1 AND h.cause = 'removed' ORDER BY s.server_name`,
    [instanceId]
  );

describe('no wipe from one answer', () => {
  const sync = () => testSync(db.ds, client);

  test('an empty backend list is held: nothing removed, the rest of the answer applies, the instance shows it', async () => {
    const i = await freshInstance({ web: up('w1', 'w2'), api: up('a1') });
    await sync().sync(i.instanceId);
    const before = await serverStates(db.ds, i.instanceId);
    agent.inject(on.backends(i.name), namedEmpty(), 1);
    const out = await sync().sync(i.instanceId);
    expect(out).toMatchObject({ status: 'ok', removalsHeld: true, removedBackends: 0, removedServers: 0 });
    expect(await serverStates(db.ds, i.instanceId)).toEqual(before);
    expect(await held(i.instanceId)).toMatchObject({
      consecutive: 1,
      required: 3,
      backendsRemoved: 2,
      backendsTotal: 2,
      serversRemoved: 3,
      serversTotal: 3,
      share: 1,
      message: expect.stringMatching(/^every backend \(2\) would be removed: nothing was removed/),
    });
    // The answer came back whole: the hold is dropped.
    expect(await sync().sync(i.instanceId)).toMatchObject({ status: 'ok', removalsHeld: false });
    expect(await held(i.instanceId)).toBeNull();
  });

  test('while a removal is held, statuses and additions still apply', async () => {
    const i = await freshInstance({ web: up('w1'), api: up('a1', 'a2') });
    await sync().sync(i.instanceId);
    agent.setBackend(i.name, 'web', []); // its only server gone: held
    agent.server(i.name, 'api', 'a1').status = 'DOWN';
    agent.setBackend(i.name, 'new', up('n1'));
    expect(await sync().sync(i.instanceId)).toMatchObject({ removalsHeld: true, removedServers: 0 });
    expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.backend, s.server, s.status, s.removed])).toEqual([
      ['api', 'a1', 'DOWN', false],
      ['api', 'a2', 'UP', false],
      ['new', 'n1', 'UP', false],
      ['web', 'w1', 'UP', false],
    ]);
    expect((await held(i.instanceId)).message).toMatch(/every server of backend "web" would be removed/);
  });

  test('the same answer on 3 syncs in a row is applied at the third, audited and noted in history', async () => {
    const i = await freshInstance({ web: up('w1', 'w2', 'w3'), api: up('a1') });
    await sync().sync(i.instanceId);
    agent.setBackend(i.name, 'web', up('w1')); // 2 of 3 of web's servers
    const first = await sync().sync(i.instanceId);
    const since = (await held(i.instanceId)).since;
    expect(first.removalsHeld).toBe(true);
    expect(await sync().sync(i.instanceId)).toMatchObject({ removalsHeld: true });
    expect(await held(i.instanceId)).toMatchObject({ consecutive: 2, since });
    expect(await sync().sync(i.instanceId)).toMatchObject({ removalsHeld: false, removedServers: 2 });
    expect(await held(i.instanceId)).toBeNull();
    expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.server, s.removed])).toEqual([
      ['a1', false],
      ['w1', false],
      ['w2', true],
      ['w3', true],
    ]);
    const note = `held removal of 0 backend(s) and 2 server(s), held since ${since}, confirmed by 3 identical answers in a row`;
    expect(await audit(i.instanceId)).toEqual([
      { command: 'confirm_removals', actor: 'system:sync', source: 'sync', result: 'success', success: true, note },
    ]);
    expect(await removedHistory(i.instanceId)).toEqual([
      { server: 'w2', from_status: 'UP', to_status: 'UP', note },
      { server: 'w3', from_status: 'UP', to_status: 'UP', note },
    ]);
  });

  test('a different removal in between starts the count again; a failed sync neither counts nor breaks it', async () => {
    const i = await freshInstance({ web: up('w1', 'w2'), api: up('a1', 'a2') });
    await sync().sync(i.instanceId);
    agent.setBackend(i.name, 'web', []);
    await sync().sync(i.instanceId);
    agent.inject(on.backends(i.name), { kind: 'status', status: 500 }, 1);
    expect((await sync().sync(i.instanceId)).status).toBe('failed');
    expect(await held(i.instanceId)).toMatchObject({ consecutive: 1 });
    await sync().sync(i.instanceId);
    expect(await held(i.instanceId)).toMatchObject({ consecutive: 2 });
    agent.setBackend(i.name, 'api', []);
    await sync().sync(i.instanceId); // now both backends' servers: another set
    expect(await held(i.instanceId)).toMatchObject({ consecutive: 1, serversRemoved: 4 });
    expect((await serverStates(db.ds, i.instanceId)).every((s) => !s.removed)).toBe(true);
  });

  test('ordinary removals are not held, and say nothing more than "removed" in history', async () => {
    const i = await freshInstance({ web: up('w1', 'w2', 'w3'), api: up('a1') });
    await sync().sync(i.instanceId);
    agent.setBackend(i.name, 'web', up('w1', 'w2'));
    expect(await sync().sync(i.instanceId)).toMatchObject({ removalsHeld: false, removedServers: 1 });
    expect(await removedHistory(i.instanceId)).toEqual([
      { server: 'w3', from_status: 'UP', to_status: 'UP', note: null },
    ]);
    expect(await audit(i.instanceId)).toEqual([]);
  });

  test('with HAPROXY_REMOVAL_CONFIRM_SYNCS 1 nothing is held', async () => {
    const i = await freshInstance({ web: up('w1') });
    await sync().sync(i.instanceId);
    agent.removeBackend(i.name, 'web');
    const out = await testSync(db.ds, client, undefined, { removals: { maxShare: 0.5, confirmSyncs: 1 } }).sync(
      i.instanceId
    );
    expect(out).toMatchObject({ removalsHeld: false, removedBackends: 1 });
    expect((await backendStates(db.ds, i.instanceId))[0].removed).toBe(true);
  });
});

/** The empty-lists fault of the fake agent (every list in the answer emptied). */
function namedEmpty() {
  return { kind: 'body' as const, body: { success: true, backends: [] } };
}

describe('the sync deadline', () => {
  const DEADLINE = 700;
  // Without the deadline these syncs would wait for ever; the slack only absorbs a loaded machine's scheduling.
  const SLACK = 4000;
  const sync = () => testSync(db.ds, client, undefined, { deadlineMs: DEADLINE });

  /** No session lock left on the instance, and every pooled connection back and idle. */
  async function released(instanceId: number) {
    const locks = await db.ds.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
      [instanceId]
    );
    const pool = (db.ds.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    return { locks: locks[0].n, busy: pool.totalCount - pool.idleCount };
  }

  test('an agent that answers a byte at a time: failed at the deadline, nothing written, lock and connection back', async () => {
    const i = await freshInstance({ web: up('w1', 'w2'), api: up('a1') });
    await sync().sync(i.instanceId);
    const before = await snapshot(db.ds, i.instanceId);
    agent.server(i.name, 'web', 'w1').status = 'DOWN';
    agent.inject(on.servers('api'), { kind: 'drip', bytes: 1, everyMs: 100 });
    const started = Date.now();
    const out = await sync().sync(i.instanceId);
    expect(Date.now() - started).toBeLessThan(DEADLINE + SLACK);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/^sync deadline \(700 ms\) reached while reading the agent: /);
    expect(await snapshot(db.ds, i.instanceId)).toEqual(before);
    const row = (await db.ds.query(`SELECT * FROM haproxy_instances WHERE id = $1`, [i.instanceId]))[0];
    expect(row).toMatchObject({ last_sync_success: false, last_sync_error: out.error });
    expect(await released(i.instanceId)).toEqual({ locks: 0, busy: 0 });
    agent.clearFaults();
    expect(await sync().sync(i.instanceId)).toMatchObject({ status: 'ok', changedServers: 1 });
  });

  /** While another session holds `lock` (in its transaction), a sync is cut at the deadline and rolled back. */
  async function cutWhileLocked(instanceId: number, lock: string, params: unknown[] = []) {
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(lock, params);
      const started = Date.now();
      const out = await sync().sync(instanceId);
      expect(Date.now() - started).toBeLessThan(DEADLINE + SLACK);
      expect(out).toMatchObject({
        status: 'failed',
        error: 'sync deadline (700 ms) reached while writing: rolled back, nothing written',
      });
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    expect(await released(instanceId)).toEqual({ locks: 0, busy: 0 });
  }

  test('a write that cannot finish in the time left is rolled back at the deadline', async () => {
    const i = await freshInstance({ web: up('w1') });
    await sync().sync(i.instanceId);
    const before = await snapshot(db.ds, i.instanceId);
    agent.server(i.name, 'web', 'w1').status = 'MAINT';
    // Another session holds the instance's row: the sync's write waits for it.
    await cutWhileLocked(i.instanceId, 'SELECT 1 FROM haproxy_instances WHERE id = $1 FOR UPDATE', [i.instanceId]);
    expect((await snapshot(db.ds, i.instanceId)).servers).toEqual(before.servers);
    expect(await sync().sync(i.instanceId)).toMatchObject({ status: 'ok', changedServers: 1 });
  });

  test("the sync's session timeout lasts as long as its lock: a pooled connection gets its default back", async () => {
    const i = await freshInstance({ web: up('w1') });
    // One connection: every sync below runs on it, and so does the check after each.
    const single = createDataSource({ url: db.url, poolSize: 1 });
    await single.initialize();
    const session = async () =>
      (
        await single.query(
          `SELECT current_setting('statement_timeout') AS timeout,
                  (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks`
        )
      )[0];
    try {
      const s = testSync(single, client, undefined, { deadlineMs: DEADLINE });
      expect(await s.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'whole' });
      expect(await session()).toEqual({ timeout: '0', locks: 0 });
      // The unchanged write releases the lock and the timeout in its own statement.
      expect(await s.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'unchanged' });
      expect(await session()).toEqual({ timeout: '0', locks: 0 });
      agent.inject(on.servers('web'), { kind: 'status', status: 500 }, 1);
      expect(await s.sync(i.instanceId)).toMatchObject({ status: 'failed' });
      expect(await session()).toEqual({ timeout: '0', locks: 0 });
      // A sync that finds the instance locked elsewhere leaves the session as it was.
      const other = new Client({ connectionString: db.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1, $2)', [ADVISORY_NAMESPACE, i.instanceId]);
        expect(await s.sync(i.instanceId)).toMatchObject({ status: 'skipped' });
        expect(await session()).toEqual({ timeout: '0', locks: 0 });
      } finally {
        await other.end();
      }
    } finally {
      await single.destroy();
    }
  });

  test("an unchanged answer's one statement is cut at the deadline too", async () => {
    const i = await freshInstance({ web: up('w1') });
    await sync().sync(i.instanceId);
    expect(await sync().sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'unchanged' });
    // Another session keeps the samples from being written (as a retention pass dropping a partition would).
    await cutWhileLocked(i.instanceId, 'LOCK TABLE haproxy_metric_samples IN EXCLUSIVE MODE');
    expect(await sync().sync(i.instanceId)).toMatchObject({ status: 'ok' });
  });

  test('a lock that cannot be released closes its connection instead of going back to the pool', async () => {
    const i = await freshInstance({ web: up('w1') });
    const dbName = new URL(db.url).pathname.slice(1);
    // pg_advisory_unlock fails (as on a broken connection) for connections opened from now on.
    await db.ds.query(`CREATE SCHEMA hpx_break`);
    await db.ds.query(
      `CREATE FUNCTION hpx_break.pg_advisory_unlock(int, int) RETURNS boolean LANGUAGE plpgsql
         AS $$ BEGIN RAISE EXCEPTION 'unlock failed (injected)'; END $$`
    );
    await db.ds.query(`ALTER DATABASE ${dbName} SET search_path = hpx_break, pg_catalog, public`);
    const broken = createDataSource({ url: db.url, poolSize: 2 });
    await broken.initialize();
    try {
      expect((await testSync(broken, client).sync(i.instanceId)).status).toBe('ok');
      const pool = (broken.driver as unknown as { master: { totalCount: number } }).master;
      expect(pool.totalCount).toBe(0);
    } finally {
      await broken.destroy();
      await db.ds.query(`ALTER DATABASE ${dbName} RESET search_path`);
      await db.ds.query(`DROP SCHEMA hpx_break CASCADE`);
    }
    // The session (and its lock) ended with the connection: PostgreSQL ends a closed session on its own time, so
    // the lock goes within moments (a connection back in a pool would keep it for good), and the next sync takes it.
    for (const until = Date.now() + 5000; (await released(i.instanceId)).locks > 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await sync().sync(i.instanceId)).status).toBe('ok');
  });
});
