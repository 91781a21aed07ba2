import { ADVISORY_NAMESPACE, advisoryUnlock, tryAdvisoryLock } from '../../src/db/advisory-lock';
import { createDataSource } from '../../src/db/data-source';
import { PoolDb } from '../../src/db/db';
import { createTestDatabase, TestDatabase } from '../support/db';

/** A session-level lock must never stay behind on a pooled connection, even when its unlock fails. */
let db: TestDatabase;
let single: PoolDb;
let destroy: () => Promise<void>;

beforeAll(async () => {
  db = await createTestDatabase();
  // One connection in the pool: a connection handed back with the lock held would be the next one used.
  const ds = createDataSource({ url: db.url, poolSize: 1, applicationName: 'advisory-lock-test' });
  await ds.initialize();
  single = new PoolDb(ds);
  destroy = () => ds.destroy();
});
afterAll(async () => {
  await destroy?.();
  await db?.drop();
});

const KEY = 424242;

/** Who holds our lock, seen from another session (the test database's own pool). */
const holders = async () =>
  (
    await db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted`,
      [ADVISORY_NAMESPACE, KEY]
    )
  ).map((r) => r.pid);

async function until(check: () => Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a clean unlock keeps the connection in the pool', async () => {
  const pids: number[] = [];
  await single.connection(async (conn) => {
    pids.push((await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid);
    expect(await tryAdvisoryLock(conn, KEY)).toBe(true);
    expect(await holders()).toEqual(pids);
    expect(await advisoryUnlock(conn, KEY)).toBe(true);
  });
  expect(await holders()).toEqual([]);
  const [{ pid }] = await single.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  expect(pid).toBe(pids[0]);
});

test('when the unlock fails, the connection is closed instead of returned with the lock held', async () => {
  let lockedBy = 0;
  await single.connection(async (conn) => {
    lockedBy = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid;
    expect(await tryAdvisoryLock(conn, KEY)).toBe(true);
    // An aborted transaction left open: every statement on the session fails, the unlock too.
    await conn.execute('BEGIN');
    await expect(conn.query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
    expect(await advisoryUnlock(conn, KEY)).toBe(false);
  });
  await until(async () => (await holders()).length === 0);
  // The pool goes on with a new connection, without the lock and outside any transaction.
  const [next] = await single.query<{ pid: number; locked: boolean }>(
    'SELECT pg_backend_pid() AS pid, pg_try_advisory_lock($1, $2) AS locked',
    [ADVISORY_NAMESPACE, KEY]
  );
  expect(next.pid).not.toBe(lockedBy);
  expect(next.locked).toBe(true);
  await single.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_NAMESPACE, KEY]);
});
