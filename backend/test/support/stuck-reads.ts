import type { PoolDb } from '../../src/db/db';

/**
 * Makes the API's reads wait for real: a session of the test's own holds ACCESS EXCLUSIVE locks on tables
 * until released, so any statement that touches them waits (and counts against its statement timeout).
 */
export async function lockTables(db: PoolDb, tables: readonly string[]): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: (err?: unknown) => void;
  const isLocked = new Promise<void>((resolve, reject) => (locked = (err) => (err ? reject(err) : resolve())));
  const done = db
    .connection(async (c) => {
      await c.execute('BEGIN');
      try {
        await c.execute(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
      } catch (err) {
        await c.execute('ROLLBACK'); // a deadlock must not leave the pooled connection in a failed transaction
        throw err;
      }
      locked();
      await released;
      await c.execute('ROLLBACK');
    })
    .catch((err: unknown) => locked(err));
  await isLocked;
  return async () => {
    release();
    await done;
  };
}

/** The tables of the schema an API read may touch (all but the tokens, which every request's auth reads). */
export async function dataTables(db: PoolDb): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname NOT IN ('api_tokens', 'migrations')`
  );
  return rows.map((r) => r.name);
}

/** Sessions of the API's read pool that wait for a lock. */
export async function readsWaiting(db: PoolDb): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'haproxy-control-api-read' AND wait_event_type = 'Lock'`
  );
  return rows.map((r) => r.pid);
}

export async function until<T>(check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
