import { PoolDb, StatementNames } from '../../src/db/db';
import { createTestDatabase, TestDatabase } from '../support/db';

/** Statements with parameters run prepared (db/db.ts StatementNames): once per connection, bounded in number. */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

/** The connection's prepared statements whose text contains `like` (pooled connections keep earlier tests'). */
const prepared = (conn: { query: PoolDb['query'] }, like: string) =>
  conn.query<{ name: string; statement: string }>(
    `SELECT name, statement FROM pg_prepared_statements WHERE strpos(statement, '${like}') > 0 ORDER BY prepare_time`
  );

test('a statement with parameters is prepared once on its connection and answers as before', async () => {
  const names = new StatementNames();
  const pool = new PoolDb(db.ds, names);
  const sql = `SELECT $1::int + 1 AS n`;
  await pool.connection(async (conn) => {
    expect(await conn.query(sql, [1])).toEqual([{ n: 2 }]);
    expect(await conn.query(sql, [41])).toEqual([{ n: 42 }]);
    expect(await prepared(conn, '+ 1 AS n')).toEqual([{ name: names.nameOf(sql), statement: sql }]);
    // Without parameters a statement is never prepared (it may be several statements in one).
    await conn.query(`SELECT 1 AS unprepared; SELECT 2`);
    expect(await prepared(conn, 'unprepared')).toEqual([]);
  });
});

test('the same text has the same name on every connection; a different text has its own', () => {
  const names = new StatementNames();
  expect(names.nameOf('SELECT $1')).toBe(names.nameOf('SELECT $1'));
  expect(names.nameOf('SELECT $1 ')).not.toBe(names.nameOf('SELECT $1'));
});

test('past the limit, texts run unnamed: SQL built on the fly cannot fill the server', async () => {
  const names = new StatementNames(2);
  const pool = new PoolDb(db.ds, names);
  await pool.connection(async (conn) => {
    for (let i = 0; i < 5; i++) {
      expect(await conn.query(`SELECT $1::int * ${i} AS n`, [2])).toEqual([{ n: 2 * i }]);
    }
    expect((await prepared(conn, '::int * ')).map((p) => p.statement)).toEqual([
      `SELECT $1::int * 0 AS n`,
      `SELECT $1::int * 1 AS n`,
    ]);
  });
  expect(names.nameOf(`SELECT $1::int * 4 AS n`)).toBeUndefined();
});

test('turned off (DATABASE_PREPARED_STATEMENTS=false), nothing is prepared', async () => {
  const pool = new PoolDb(db.ds, null);
  await pool.connection(async (conn) => {
    expect(await conn.query(`SELECT $1::text AS t`, ['x'])).toEqual([{ t: 'x' }]);
    expect(await prepared(conn, '::text AS t')).toEqual([]);
  });
});

test("a table that changed its columns under a prepared `*` (a newer replica's migration) costs one failure at most", async () => {
  const names = new StatementNames();
  const pool = new PoolDb(db.ds, names);
  await db.ds.query(`CREATE TABLE reshaped (a int)`);
  await db.ds.query(`INSERT INTO reshaped VALUES (1)`);
  const sql = `SELECT * FROM reshaped WHERE a = $1`;
  await pool.connection(async (conn) => {
    expect(await conn.query(sql, [1])).toEqual([{ a: 1 }]);
    await db.ds.query(`ALTER TABLE reshaped ADD COLUMN b int DEFAULT 2`);
    // Outside a transaction the same call runs again, unnamed; the text stays unnamed.
    expect(await conn.query(sql, [1])).toEqual([{ a: 1, b: 2 }]);
    expect(names.nameOf(sql)).toBeUndefined();
  });

  const other = `SELECT * FROM reshaped WHERE b = $1`;
  await pool.connection(async (conn) => {
    expect(await conn.query(other, [2])).toEqual([{ a: 1, b: 2 }]);
    await db.ds.query(`ALTER TABLE reshaped ADD COLUMN c int DEFAULT 3`);
    // In a transaction the failure has aborted it: that call fails, the next runs.
    await expect(conn.transaction((tx) => tx.query(other, [2]))).rejects.toThrow(/cached plan/);
    expect(await conn.transaction((tx) => tx.query(other, [2]))).toEqual([{ a: 1, b: 2, c: 3 }]);
  });
});
