import type { QueryRunner } from 'typeorm';

/** First key of our advisory locks, so they never collide with another application's on the same database. */
const NAMESPACE = 0x4841_5058; // "HAPX"

/** Session-level lock held for the whole sync of one instance, fetch included; released on unlock or disconnect. */
export async function tryLockInstance(runner: QueryRunner, instanceId: number): Promise<boolean> {
  const rows: Array<{ locked: boolean }> = await runner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [NAMESPACE, instanceId]);
  return rows[0].locked;
}

export async function unlockInstance(runner: QueryRunner, instanceId: number): Promise<void> {
  await runner.query('SELECT pg_advisory_unlock($1, $2)', [NAMESPACE, instanceId]);
}
