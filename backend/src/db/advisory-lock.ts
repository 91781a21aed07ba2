import type { ConnectionDb, Db } from './db';

/**
 * First key of all our advisory locks, so they never collide with another application's on the same database;
 * the second key is an instance id (one sync of an instance at a time) or a negative job number.
 */
export const ADVISORY_NAMESPACE = 0x4841_5058; // "HAPX"

/** The migrations' lock (history maintenance has -1): replicas starting together migrate one after the other. */
const MIGRATIONS_LOCK_KEY = -2;

/**
 * Runs `work` (the migrations) while this process holds the migrations' lock on `conn`, waiting for a replica
 * that holds it: replicas starting at once on an empty or older database would each create the same tables, and
 * all but the first fail to start.
 */
export async function whileMigrating<T>(conn: ConnectionDb, work: () => Promise<T>): Promise<T> {
  await conn.query('SELECT pg_advisory_lock($1, $2)', [ADVISORY_NAMESPACE, MIGRATIONS_LOCK_KEY]);
  try {
    return await work();
  } finally {
    await advisoryUnlock(conn, MIGRATIONS_LOCK_KEY);
  }
}

/**
 * A session-level lock: held until unlocked or until the connection closes (a crashed process frees it),
 * so `db` must be one connection (PoolDb.connection), not the pool.
 */
export async function tryAdvisoryLock(db: Db, key: number): Promise<boolean> {
  const [row] = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
    ADVISORY_NAMESPACE,
    key,
  ]);
  return row.locked;
}

/**
 * Releases a session-level lock. When the unlock fails (an aborted transaction, a cancelled statement) or finds
 * no lock to release, the connection is closed instead of going back to the pool: a lock left on a pooled
 * connection would block the instance until the pool happened to close it. False when it came to that.
 * `resetTimeout`: the session's statement_timeout, set with the lock, goes back to its default in the same
 * statement.
 */
export async function advisoryUnlock(
  conn: ConnectionDb,
  key: number,
  o: { resetTimeout?: boolean } = {}
): Promise<boolean> {
  try {
    const [row] = await conn.query<{ unlocked: boolean }>(
      `SELECT pg_advisory_unlock($1, $2) AS unlocked${o.resetTimeout ? `, ${RESET_STATEMENT_TIMEOUT}` : ''}`,
      [ADVISORY_NAMESPACE, key]
    );
    if (row.unlocked) {
      return true;
    }
  } catch {
    // The session's state is unknown: closing it below is the one sure way to release the lock.
  }
  conn.discard();
  return false;
}

/** The session's statement_timeout back to its default (set_config with NULL is a RESET), as a SQL expression. */
export const RESET_STATEMENT_TIMEOUT = `set_config('statement_timeout', NULL, false)`;

/**
 * The same lock as a sync's, held until the caller's transaction ends (`db` is that transaction): a change that
 * must not interleave with a sync of the instance waits for a running one, and a sync starting meanwhile skips.
 */
export async function advisoryXactLock(db: Db, key: number): Promise<void> {
  await advisoryXactLockIn(db, ADVISORY_NAMESPACE, key);
}

/** First keys of the disruption budgets' locks (the second: a backend id, an application id). */
export const BUDGET_BACKEND_LOCKS = 0x4841_5042; // "HAPB"
export const BUDGET_APPLICATION_LOCKS = 0x4841_5041; // "HAPA"

/** First key of the registry's lock (second key 0): one instance name per agent (store/hosts.ts refuseTwinInstances). */
export const REGISTRY_LOCKS = 0x4841_5052; // "HAPR"

/** A transaction lock on (`namespace`, `key`), held until the caller's transaction ends. */
export async function advisoryXactLockIn(db: Db, namespace: number, key: number): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, $2)', [namespace, key]);
}
