import type { PoolDb } from '../../src/db/db';
import { createTestDatabase, TestDatabase } from '../support/db';

/** Db.transaction's settings: sent with BEGIN, held for the transaction only, and never SQL of their own. */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const setting = async (q: { query: PoolDb['query'] }, name: string) =>
  (await q.query<{ v: string }>(`SELECT current_setting($1, true) AS v`, [name]))[0].v;

test('settings hold inside the transaction and end with it, committed or rolled back', async () => {
  await db.pool.connection(async (conn) => {
    const inside = await conn.transaction(
      async (tx) => [await setting(tx, 'statement_timeout'), await setting(tx, 'haproxy.sync_writer')],
      { statement_timeout: '1234', 'haproxy.sync_writer': 'on' }
    );
    expect(inside).toEqual(['1234ms', 'on']);
    expect(await setting(conn, 'statement_timeout')).toBe('0');
    expect(await setting(conn, 'haproxy.sync_writer')).toBe('');

    await expect(
      conn.transaction(
        async () => {
          throw new Error('work failed');
        },
        { statement_timeout: '99' }
      )
    ).rejects.toThrow('work failed');
    expect(await setting(conn, 'statement_timeout')).toBe('0');
  });
});

test("a statement past the transaction's statement_timeout is cancelled, and nothing of the transaction stays", async () => {
  await db.ds.query(`CREATE TABLE IF NOT EXISTS settings_probe (n int)`);
  await expect(
    db.pool.transaction(
      async (tx) => {
        await tx.execute(`INSERT INTO settings_probe VALUES (1)`);
        await tx.query(`SELECT pg_sleep(1)`);
      },
      { statement_timeout: '50' }
    )
  ).rejects.toThrow(/statement timeout/);
  expect(await db.ds.query(`SELECT count(*)::int AS n FROM settings_probe`)).toEqual([{ n: 0 }]);
});

test('inside a running transaction the settings still apply', async () => {
  const got = await db.pool.transaction((outer) =>
    outer.transaction((inner) => setting(inner, 'statement_timeout'), { statement_timeout: '4321' })
  );
  expect(got).toBe('4321ms');
});

test.each([
  ["statement_timeout'; DROP TABLE x; --", '1'],
  ['statement_timeout', "1'); DROP TABLE x; --"],
  ['Statement_Timeout', '1'],
  ['statement_timeout', '1 2'],
])('a setting that is not a plain word (%j = %j) is refused before anything is sent', async (name, value) => {
  await db.pool.connection(async (conn) => {
    await expect(conn.transaction(async () => 'ran', { [name]: value })).rejects.toThrow(/not a plain word/);
    // No transaction was left open on the connection.
    expect(await conn.query(`SELECT now() = statement_timestamp() AS outside`)).toEqual([{ outside: true }]);
  });
});

test("a transaction whose work fails tells the work's error, and a connection that cannot roll back is not reused", async () => {
  await db.pool.connection(async (conn) => {
    await expect(
      conn.transaction(async (tx) => {
        // The session ends under the transaction: ROLLBACK cannot reach it.
        await tx.query(`SELECT pg_terminate_backend(pg_backend_pid())`).catch(() => undefined);
        throw new Error('work failed');
      })
    ).rejects.toThrow('work failed');
    expect(conn.discarded).toBe(true);
  });
  // The pool goes on with other connections.
  expect(await db.pool.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
});
