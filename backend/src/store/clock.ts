import type { Db } from '../db/db';

/**
 * The database's clock: the one every replica shares. Replicas' own clocks may disagree by minutes, so a
 * decision another replica acts on too (a window's end, a job's deadline) is taken by this one.
 */
export async function databaseNow(db: Db): Promise<Date> {
  const [row] = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return row.now;
}
