import { nameFilter } from '../domain/glob';
import type { Db } from '../db/db';
import { BACKEND_COUNTS_LATERAL, SERVER_COUNTS_JSON, ServerCounts } from './server-classes';
import { ServerFilter, serverFilterSql } from './servers';
import { buildWhere, Keyset, KeysetPage, keysetSql, likePattern, matchSql, natural, param } from './sql';

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
  /** It runs on its backup servers: it has active ones, none available, and a backup one available. */
  on_backup: boolean;
  /** How many of its current servers the search's server filter selects (all of them without one). */
  shown: number;
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
  /**
   * Only backends with at least one current server this selects (each counted in `shown`); a backend whose
   * name contains `servers.text` is listed with all its servers, and, when nothing else is asked of its servers,
   * even without any (a backend without servers must stay findable).
   */
  servers?: ServerFilter;
}

/** The order backends are listed in: by instance and backend name (natural order), then id. */
const BACKEND_ORDER = [natural('instance_name'), natural('backend_name'), 'id'];

/**
 * Current backends across the fleet (or of one instance), counted, a page at a time (keyset: `after` the key
 * `next` gave), with the total that matches. One statement: the backends that match are listed once, counted,
 * and only the page's are counted by server state.
 */
export async function searchBackends(
  db: Db,
  f: BackendSearch,
  page: KeysetPage
): Promise<{ backends: BackendRow[]; total: number; next: Keyset | null }> {
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
  const serverSql = serverFilterSql(f.servers ?? {});
  const asked = serverSql.filter(([, value]) => value !== undefined).length;
  let shown = '';
  let listed = sql;
  if (asked > 0) {
    const servers = buildWhere(
      [['b.instance_id = ?', f.instanceId], ...serverSql],
      ['s.removed_at IS NULL', 'b.removed_at IS NULL'],
      params
    );
    shown = `LEFT JOIN (
        SELECT s.backend_id, count(*)::int AS shown
          FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
          LEFT JOIN haproxy_server_desired d ON d.server_id = s.id
         WHERE ${servers.sql} GROUP BY s.backend_id
      ) sh ON sh.backend_id = b.id`;
    const text = f.servers?.text;
    const byNameAlone = text !== undefined && asked === 1;
    listed = `${sql} AND (sh.backend_id IS NOT NULL${
      byNameAlone ? ` OR b.backend_name ILIKE ${param(params, likePattern(text))}` : ''
    })`;
  }
  const after = keysetSql(BACKEND_ORDER, page.after, params);
  const rows = await db.query<Omit<BackendRow, 'shown'> & { total: number; shown?: number }>(
    `WITH listed AS MATERIALIZED (
       SELECT b.id, b.instance_id, i.name AS instance_name, h.name AS host_name, b.backend_name, b.created_at,
              b.updated_at${asked > 0 ? ', coalesce(sh.shown, 0) AS shown' : ''}
         FROM ${BACKENDS_FROM} ${shown}
        WHERE ${listed}
     )
     SELECT b.*, c.counts, c.on_backup, t.total
       FROM (SELECT count(*)::int AS total FROM listed) t
       LEFT JOIN LATERAL (
         SELECT * FROM listed WHERE ${after.where} ORDER BY ${after.orderBy}
          LIMIT ${param(params, page.limit + 1)} OFFSET ${param(params, page.offset)}
       ) b ON true
       ${BACKEND_COUNTS_LATERAL}
      ORDER BY ${after.orderBy}`,
    params
  );
  const total = rows[0]?.total ?? 0;
  const backends = rows
    .filter((r) => r.id !== null)
    .map(({ total: _t, ...b }) => ({ ...b, shown: b.shown ?? b.counts.servers_total }));
  const more = backends.length > page.limit;
  const last = backends[page.limit - 1];
  return {
    backends: backends.slice(0, page.limit),
    total,
    next: more ? [last.instance_name, last.backend_name, last.id] : null,
  };
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
