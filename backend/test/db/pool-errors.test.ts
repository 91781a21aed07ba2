import type { EventEmitter } from 'node:events';
import { openPool } from '../../src/db/data-source';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * A dying server's error on a connection that nobody listens to at that moment must not end the process:
 * database-down.test.ts's service died of exactly that (an unhandled 'error' event on a live, checked-out
 * connection of the main pool, 57P01, when its PostgreSQL was killed).
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

type PoolClient = EventEmitter & { release(err?: Error): void };

test("every connection of a pool, the first and later ones, keeps an 'error' listener when checked out", async () => {
  const ds = await openPool({ url: db.url, poolSize: 2 });
  try {
    const pool = (ds.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;
    // Checked out straight from pg's pool: it takes its own listener off, and no query runner puts one on.
    const clients = [await pool.connect(), await pool.connect()];
    for (const client of clients) {
      expect(() => client.emit('error', new Error('terminating connection (57P01)'))).not.toThrow();
      client.release(new Error('closed by the test'));
    }
  } finally {
    await ds.destroy();
  }
});
