import type { QueryRunner } from 'typeorm';

/**
 * First key of all our advisory locks, so they never collide with another application's on the same database;
 * the second key is an instance id (one sync of an instance at a time) or a negative job number.
 */
export const ADVISORY_NAMESPACE = 0x4841_5058; // "HAPX"

/** A session-level lock: held until unlocked or until the connection closes (a crashed process frees it). */
export async function tryAdvisoryLock(runner: QueryRunner, key: number): Promise<boolean> {
  const rows: Array<{ locked: boolean }> = await runner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [
    ADVISORY_NAMESPACE,
    key,
  ]);
  return rows[0].locked;
}

export async function advisoryUnlock(runner: QueryRunner, key: number): Promise<void> {
  await runner.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_NAMESPACE, key]);
}
