import { ConnectionDb, PoolDb } from '../../src/db/db';
import { createDataSource } from '../../src/db/data-source';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * ConnectionDb on a pipelining pool (the default): statements issued without waiting for each other leave in one
 * write to the socket, a transaction's BEGIN goes with its first statement, every statement behind a failed one
 * tells that failure, and commit() lets a statement follow the COMMIT in the same write.
 */

let db: TestDatabase;
let pool: PoolDb;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = new PoolDb(db.ds);
  await db.ds.query(`CREATE TABLE pipeline_probe (n int PRIMARY KEY)`);
});
afterAll(() => db?.drop());
beforeEach(() => db.ds.query(`TRUNCATE pipeline_probe`));

type Socket = { _writev?: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };

/** Runs `work` on one connection and answers how many writes reached its socket meanwhile. */
async function writesOf<T>(work: (conn: ConnectionDb) => Promise<T>, on: PoolDb = pool): Promise<[T, number]> {
  return on.connection(async (conn) => {
    await conn.query('SELECT 1'); // connected: what follows is the work's alone
    const socket = (conn as unknown as { client: { connection: { stream: Socket } } }).client.connection.stream;
    let writes = 0;
    const [writev, write] = [socket._writev, socket._write];
    socket._writev = function (...a) {
      writes++;
      return writev!.apply(this, a);
    };
    socket._write = function (...a) {
      writes++;
      return write.apply(this, a);
    };
    try {
      return [await work(conn), writes];
    } finally {
      [socket._writev, socket._write] = [writev, write];
    }
  });
}

const row = (conn: ConnectionDb, n: number) => conn.query<{ n: number }>('SELECT $1::int AS n', [n]);

test('statements issued together leave in one write and are answered in order; awaited one by one, one write each', async () => {
  const [together, oneWrite] = await writesOf((conn) => Promise.all([row(conn, 1), row(conn, 2), row(conn, 3)]));
  expect(together).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
  expect(oneWrite).toBe(1);
  const [, three] = await writesOf(async (conn) => [await row(conn, 1), await row(conn, 2), await row(conn, 3)]);
  expect(three).toBe(3);
});

test("without pg's pipeline the same statements are right, one round trip each", async () => {
  const ds = createDataSource({ url: db.url, poolSize: 1, pipeline: false });
  await ds.initialize();
  try {
    const [rows, writes] = await writesOf(
      (conn) => Promise.all([row(conn, 1), row(conn, 2), row(conn, 3)]),
      new PoolDb(ds)
    );
    expect(rows).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
    expect(writes).toBe(3);
  } finally {
    await ds.destroy();
  }
});

test("a transaction's BEGIN goes with its first statement, and one that issues nothing sends nothing", async () => {
  const [, writes] = await writesOf((conn) =>
    conn.transaction((tx) => tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [1]), { statement_timeout: '5000' })
  );
  expect(writes).toBe(2); // BEGIN with the INSERT, then COMMIT
  expect(await db.ds.query(`SELECT n FROM pipeline_probe`)).toEqual([{ n: 1 }]);
  const [, none] = await writesOf((conn) => conn.transaction(async () => 'nothing'));
  expect(none).toBe(0);
});

test('every statement behind a failed one in a transaction tells that failure, and nothing of it stays', async () => {
  const failed = writesOf((conn) =>
    conn.transaction((tx) =>
      Promise.all([
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [1]),
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [1]),
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [2]),
        tx.query('SELECT 1'),
      ])
    )
  );
  await expect(failed).rejects.toMatchObject({ driverError: { code: '23505' } });
  expect(await db.ds.query(`SELECT n FROM pipeline_probe`)).toEqual([]);
  // Each rejection is that one, whichever settles first for the caller.
  let reasons: unknown[] = [];
  await pool.connection((conn) =>
    conn.transaction(async (tx) => {
      const settled = await Promise.allSettled([
        tx.query('SELECT 1/0'),
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [3]),
        tx.query('SELECT 2'),
      ]);
      reasons = settled.map((s) => s.status === 'rejected' && (s.reason as Error).message);
    })
  );
  expect(reasons).toEqual(['division by zero', 'division by zero', 'division by zero']);
  expect(await db.ds.query(`SELECT n FROM pipeline_probe`)).toEqual([]);
});

test('commit() issues COMMIT behind the statements so far; what follows runs outside, in the same write', async () => {
  const [[, , , level], writes] = await writesOf((conn) =>
    conn.transaction((tx) =>
      Promise.all([
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [1]),
        tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [2]),
        tx.commit(),
        tx.query<{ outside: boolean }>(`SELECT txid_current_if_assigned() IS NULL AS outside`),
      ])
    )
  );
  expect(writes).toBe(1);
  expect(level).toEqual([{ outside: true }]); // not in the transaction of the inserts
  expect(await db.ds.query(`SELECT n FROM pipeline_probe ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);

  // A failure before the COMMIT: PostgreSQL rolls back at it, and the transaction reports the failure.
  await expect(
    pool.connection((conn) =>
      conn.transaction((tx) =>
        Promise.all([
          tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [3]),
          tx.execute('INSERT INTO pipeline_probe VALUES ($1)', [1]),
          tx.commit(),
        ])
      )
    )
  ).rejects.toMatchObject({ driverError: { code: '23505' } });
  expect(await db.ds.query(`SELECT n FROM pipeline_probe ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);
  // The connection is usable after both.
  expect(await pool.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
});
