import type { Db } from '../db/db';

/**
 * The database's clock: the one every replica shares. Replicas' own clocks may disagree by minutes, so a
 * decision another replica acts on too (a window's end, a job's deadline) is taken by this one.
 */
/**
 * SQL for a time a caller may give in parameter `param` (a test's clock), else the database's: what other
 * replicas judge by (a sweep's age, a backoff, a log's order) is written on the clock they share.
 */
export const givenOrDatabaseNow = (param: string) => `coalesce(${param}::timestamptz, clock_timestamp())`;

export async function databaseNow(db: Db): Promise<Date> {
  const [row] = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return row.now;
}
