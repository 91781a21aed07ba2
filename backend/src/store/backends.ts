import { nameFilter } from '../domain/glob';
import { countsByStatus, ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { matchSql } from './sql';

export interface BackendRow {
  id: number;
  instance_id: number;
  backend_name: string;
  created_at: Date;
  updated_at: Date;
  server_count: number;
  status_counts: Record<ServerStatus, number>;
}

export async function backendExists(db: Db, backendId: number): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM haproxy_backends WHERE id = $1`, [backendId])).length > 0;
}

/** An instance's current backends with their current servers counted per status. */
export async function listInstanceBackends(db: Db, instanceId: number): Promise<BackendRow[]> {
  const rows = await db.query<Omit<BackendRow, 'status_counts'> & { counts: Record<ServerStatus, number> | null }>(
    `SELECT b.id, b.instance_id, b.backend_name, b.created_at, b.updated_at,
            coalesce(c.server_count, 0)::int AS server_count, c.counts
       FROM haproxy_backends b
       LEFT JOIN LATERAL (
         SELECT sum(n)::int AS server_count, jsonb_object_agg(status, n) AS counts
           FROM (SELECT s.status, count(*)::int AS n FROM haproxy_servers s
                  WHERE s.backend_id = b.id AND s.removed_at IS NULL GROUP BY s.status) g
       ) c ON true
      WHERE b.instance_id = $1 AND b.removed_at IS NULL
      ORDER BY b.backend_name`,
    [instanceId]
  );
  return rows.map(({ counts, ...b }) => ({ ...b, status_counts: countsByStatus(counts) }));
}

/** Current backends, and current servers per status, across the fleet. */
export async function fleetCounts(db: Db): Promise<{ backends: number; servers: Record<ServerStatus, number> }> {
  const [[backends], byStatus] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM haproxy_backends WHERE removed_at IS NULL`),
    db.query<{ status: ServerStatus; n: number }>(
      `SELECT status, count(*)::int AS n FROM haproxy_servers WHERE removed_at IS NULL GROUP BY status`
    ),
  ]);
  return { backends: backends.n, servers: countsByStatus(Object.fromEntries(byStatus.map((s) => [s.status, s.n]))) };
}

/** The names of an instance's current backends. */
export async function currentBackendNames(db: Db, instanceId: number): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT backend_name AS name FROM haproxy_backends WHERE instance_id = $1 AND removed_at IS NULL`,
    [instanceId]
  );
  return rows.map((r) => r.name);
}

/** Which of these names a polling scope (names and globs, matched by PostgreSQL: domain/glob.ts) takes in. */
export async function namesInScope(db: Db, scope: readonly string[], names: readonly string[]): Promise<Set<string>> {
  const params: unknown[] = [names];
  const rows = await db.query<{ name: string }>(
    `SELECT name FROM unnest($1::text[]) AS name WHERE ${matchSql(nameFilter(scope), null, 'name', params)}`,
    params
  );
  return new Set(rows.map((r) => r.name));
}
