import { nameFilter } from '../domain/glob';
import type { Db } from '../db/db';
import { BACKEND_COUNTS_LATERAL, SERVER_COUNTS_JSON, ServerCounts } from './server-classes';
import { buildWhere, likePattern, matchSql, Page } from './sql';

/** A current backend with its current servers counted (zero-server backends included). */
export interface BackendRow {
  id: number;
  instance_id: number;
  instance_name: string;
  host_name: string;
  backend_name: string;
  created_at: Date;
  updated_at: Date;
  counts: ServerCounts;
}

export async function backendExists(db: Db, backendId: number): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM haproxy_backends WHERE id = $1`, [backendId])).length > 0;
}

const BACKENDS_FROM = `haproxy_backends b
  JOIN haproxy_instances i ON i.id = b.instance_id
  JOIN hosts h ON h.id = i.host_id`;

export interface BackendSearch {
  instanceId?: number;
  /** Part of the backend's or its instance's name. */
  text?: string;
  /** Only backends with a current server of this application. */
  applicationId?: number;
}

/** Current backends across the fleet (or of one instance), counted, a page at a time, with the total that matches. */
export async function searchBackends(
  db: Db,
  f: BackendSearch,
  page: Page
): Promise<{ backends: BackendRow[]; total: number }> {
  const { sql, params } = buildWhere(
    [
      ['b.instance_id = ?', f.instanceId],
      ['(b.backend_name ILIKE ? OR i.name ILIKE ?)', f.text === undefined ? undefined : likePattern(f.text)],
      [
        'EXISTS (SELECT 1 FROM haproxy_servers m WHERE m.backend_id = b.id AND m.application_id = ? AND m.removed_at IS NULL)',
        f.applicationId,
      ],
    ],
    ['b.removed_at IS NULL']
  );
  const n = params.length;
  const [[{ total }], backends] = await Promise.all([
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${BACKENDS_FROM} WHERE ${sql}`, params),
    db.query<BackendRow>(
      `SELECT b.id, b.instance_id, i.name AS instance_name, h.name AS host_name, b.backend_name, b.created_at,
              b.updated_at, c.counts
         FROM ${BACKENDS_FROM} ${BACKEND_COUNTS_LATERAL}
        WHERE ${sql} ORDER BY i.name, b.backend_name, b.id LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, page.limit, page.offset]
    ),
  ]);
  return { backends, total };
}

/** Current backends, and current servers counted, across the fleet. */
export async function fleetCounts(db: Db): Promise<{ backends: number; servers: ServerCounts }> {
  const [[backends], [servers]] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM haproxy_backends WHERE removed_at IS NULL`),
    db.query<{ counts: ServerCounts }>(
      `SELECT ${SERVER_COUNTS_JSON} AS counts
         FROM haproxy_servers s LEFT JOIN haproxy_server_desired d ON d.server_id = s.id
        WHERE s.removed_at IS NULL`
    ),
  ]);
  return { backends: backends.n, servers: servers.counts };
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
