import { conflict } from '../domain/errors';
import { nameFilter } from '../domain/glob';
import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { buildWhere, matchSql, param } from './sql';

/**
 * Soft-deleted backends and servers: what the "Recently removed" list reads, and an admin's restore and forget.
 * A row is listed while its removal is recent and not forgotten (forgotten_at before removed_at belongs to an
 * earlier removal of the same row).
 */

const LISTED = (alias: string) =>
  `${alias}.removed_at IS NOT NULL AND ${alias}.removed_at >= ? AND (${alias}.forgotten_at IS NULL OR ${alias}.forgotten_at < ${alias}.removed_at)`;

export interface RemovedFilter {
  since: Date;
  instanceId?: number;
  limit: number;
}

export interface RemovedBackendRow {
  id: number;
  instance_id: number;
  instance_name: string;
  host_name: string;
  backend_name: string;
  removed_at: Date;
  /** Its servers that went with it (removed at the same moment). */
  servers_removed: number;
  /** Its instance's polling scope now (a backend it leaves out is not polled, so not restorable). */
  backend_scope: string[] | null;
}

/** Recently removed backends, newest first, at most `limit`, with how many match in all. */
export async function listRemovedBackends(
  db: Db,
  f: RemovedFilter
): Promise<{ rows: RemovedBackendRow[]; total: number }> {
  const { sql, params } = buildWhere([
    [LISTED('b'), f.since],
    ['b.instance_id = ?', f.instanceId],
  ]);
  const rows = await db.query<RemovedBackendRow & { total: number }>(
    `SELECT b.id, b.instance_id, i.name AS instance_name, h.name AS host_name, b.backend_name, b.removed_at,
            i.backend_scope, (SELECT count(*)::int FROM haproxy_servers s WHERE s.backend_id = b.id AND s.removed_at = b.removed_at)
              AS servers_removed,
            count(*) OVER ()::int AS total
       FROM haproxy_backends b JOIN haproxy_instances i ON i.id = b.instance_id JOIN hosts h ON h.id = i.host_id
      WHERE ${sql}
      ORDER BY b.removed_at DESC, i.name, b.backend_name LIMIT ${param(params, f.limit)}`,
    params
  );
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]?.total ?? 0 };
}

export interface RemovedServerRow {
  id: number;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  host_name: string;
  server_name: string;
  address: string;
  /** The last status it had (the row keeps it) and HAProxy's words for it. */
  status: ServerStatus;
  raw_status: string;
  application_name: string | null;
  removed_at: Date;
  /** It went because its backend went (same moment), not on its own. */
  with_backend: boolean;
  /** Its backend is removed now (with it or later): restoring the backend comes first. */
  backend_removed: boolean;
  /** The last command on it before it went, from the audit log. */
  last_command: string | null;
  last_command_actor: string | null;
  last_command_at: Date | null;
}

/**
 * Recently removed servers, newest first, at most `limit`, with how many match in all. A server whose backend
 * was forgotten is forgotten with it.
 */
export async function listRemovedServers(
  db: Db,
  f: RemovedFilter
): Promise<{ rows: RemovedServerRow[]; total: number }> {
  const { sql, params } = buildWhere(
    [
      [LISTED('s'), f.since],
      ['b.instance_id = ?', f.instanceId],
    ],
    ['(b.forgotten_at IS NULL OR b.forgotten_at < s.removed_at)']
  );
  const rows = await db.query<RemovedServerRow & { total: number }>(
    `SELECT s.id, s.backend_id, b.backend_name, b.instance_id, i.name AS instance_name, h.name AS host_name,
            s.server_name, s.address, s.status, s.raw_status, a.name AS application_name, s.removed_at,
            (b.removed_at IS NOT NULL AND b.removed_at = s.removed_at) AS with_backend,
            b.removed_at IS NOT NULL AS backend_removed,
            c.command AS last_command, c.actor AS last_command_actor, c.started_at AS last_command_at,
            count(*) OVER ()::int AS total
       FROM haproxy_servers s
       JOIN haproxy_backends b ON b.id = s.backend_id
       JOIN haproxy_instances i ON i.id = b.instance_id
       JOIN hosts h ON h.id = i.host_id
       LEFT JOIN applications a ON a.id = s.application_id
       LEFT JOIN LATERAL (
         SELECT x.command, x.actor, x.started_at FROM haproxy_actions x
          WHERE x.server_id = s.id AND x.started_at <= s.removed_at ORDER BY x.started_at DESC LIMIT 1
       ) c ON true
      WHERE ${sql}
      ORDER BY s.removed_at DESC, i.name, b.backend_name, s.server_name LIMIT ${param(params, f.limit)}`,
    params
  );
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]?.total ?? 0 };
}

/** A backend's removal state, and its instance's polling scope (a restore must not contradict it). */
export interface BackendRemoval {
  id: number;
  instance_id: number;
  backend_name: string;
  removed_at: Date | null;
  forgotten_at: Date | null;
  backend_scope: string[] | null;
}

export async function getBackendRemoval(db: Db, backendId: number): Promise<BackendRemoval | undefined> {
  const [row] = await db.query<BackendRemoval>(
    `SELECT b.id, b.instance_id, b.backend_name, b.removed_at, b.forgotten_at, i.backend_scope
       FROM haproxy_backends b JOIN haproxy_instances i ON i.id = b.instance_id WHERE b.id = $1`,
    [backendId]
  );
  return row;
}

/** A server's removal state and its backend's. */
export interface ServerRemoval {
  id: number;
  server_name: string;
  status: ServerStatus;
  raw_status: string;
  removed_at: Date | null;
  forgotten_at: Date | null;
  backend_id: number;
  backend_name: string;
  backend_removed_at: Date | null;
}

export async function getServerRemoval(db: Db, serverId: number): Promise<ServerRemoval | undefined> {
  const [row] = await db.query<ServerRemoval>(
    `SELECT s.id, s.server_name, s.status, s.raw_status, s.removed_at, s.forgotten_at, s.backend_id, b.backend_name,
            b.removed_at AS backend_removed_at
       FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id WHERE s.id = $1`,
    [serverId]
  );
  return row;
}

/** What a restore brought back: the servers, with the status they keep (for their history rows). */
export type RestoredServer = { id: number; status: ServerStatus; raw_status: string };

/** The servers that went with a backend: removed at the very moment it was (compared in SQL, to the microsecond). */
const WENT_WITH_BACKEND = `backend_id = $1 AND removed_at = (SELECT removed_at FROM haproxy_backends WHERE id = $1)`;

/**
 * A removed backend back among the current ones, with the servers that went with it; `at` becomes their
 * updated_at. The caller checks that it may (registry/removed.ts).
 */
export function restoreBackend(db: Db, backendId: number, at: Date): Promise<RestoredServer[]> {
  return db.transaction(async (tx) => {
    // Locked first: a concurrent restore waits here, then finds the backend current.
    const [backend] = await tx.query<{ removed: boolean }>(
      `SELECT removed_at IS NOT NULL AS removed FROM haproxy_backends WHERE id = $1 FOR UPDATE`,
      [backendId]
    );
    if (!backend?.removed) {
      throw notRemovedNow(`backend ${backendId}`);
    }
    const servers = await tx.query<RestoredServer>(
      `UPDATE haproxy_servers SET removed_at = NULL, forgotten_at = NULL, updated_at = $2
        WHERE ${WENT_WITH_BACKEND} RETURNING id, status, raw_status`,
      [backendId, at]
    );
    await tx.execute(
      `UPDATE haproxy_backends SET removed_at = NULL, forgotten_at = NULL, updated_at = $2 WHERE id = $1`,
      [backendId, at]
    );
    return servers;
  });
}

/**
 * The caller checked that the row is removed, but another request (a second restore, a sync) may have brought it
 * back since: each write below applies only to a removed row and is a 409 otherwise, as a later request's
 * check would be, rather than a second success (a restore that reported servers it did not restore).
 */
const notRemovedNow = (what: string) => conflict(`${what} is not removed (any more: restored meanwhile)`);

export async function restoreServer(db: Db, serverId: number, at: Date): Promise<void> {
  const restored = await db.execute(
    `UPDATE haproxy_servers SET removed_at = NULL, forgotten_at = NULL, updated_at = $2
      WHERE id = $1 AND removed_at IS NOT NULL`,
    [serverId, at]
  );
  if (restored === 0) {
    throw notRemovedNow(`server ${serverId}`);
  }
}

/** Hides a removed backend from the list for good, with the servers that went with it. */
export async function forgetBackend(db: Db, backendId: number, at: Date): Promise<void> {
  const forgotten = await db.execute(
    `WITH backend AS (SELECT id FROM haproxy_backends WHERE id = $1 AND removed_at IS NOT NULL FOR UPDATE),
          servers AS (UPDATE haproxy_servers SET forgotten_at = $2 WHERE ${WENT_WITH_BACKEND} AND EXISTS (SELECT 1 FROM backend))
     UPDATE haproxy_backends SET forgotten_at = $2 WHERE id = (SELECT id FROM backend)`,
    [backendId, at]
  );
  if (forgotten === 0) {
    throw notRemovedNow(`backend ${backendId}`);
  }
}

export async function forgetServer(db: Db, serverId: number, at: Date): Promise<void> {
  // A current server marked forgotten would be missing from the list the moment it is next removed.
  const forgotten = await db.execute(
    `UPDATE haproxy_servers SET forgotten_at = $2 WHERE id = $1 AND removed_at IS NOT NULL`,
    [serverId, at]
  );
  if (forgotten === 0) {
    throw notRemovedNow(`server ${serverId}`);
  }
}

/**
 * Soft-deletes the instance's current backends that a polling scope leaves out, with their servers, at `at`:
 * nothing refreshes them any more, so they leave the current view (and come back, same rows, when a wider
 * scope lets the sync read them again). Returns their names.
 */
export async function retireBackendsOutOfScope(
  db: Db,
  instanceId: number,
  scope: readonly string[],
  at: Date
): Promise<string[]> {
  const params: unknown[] = [instanceId, at];
  const retired = await db.query<{ id: number; backend_name: string }>(
    `UPDATE haproxy_backends b SET removed_at = $2, updated_at = $2
      WHERE b.instance_id = $1 AND b.removed_at IS NULL AND NOT ${matchSql(nameFilter(scope), null, 'b.backend_name', params)}
      RETURNING b.id, b.backend_name`,
    params
  );
  if (retired.length > 0) {
    // Each with its `removed` history row, as a sync's removal: the timeline shows it gone until it comes back.
    await db.execute(
      `WITH s AS (
         UPDATE haproxy_servers SET removed_at = $2, updated_at = $2 WHERE backend_id = ANY($1::int[]) AND removed_at IS NULL
         RETURNING id, status, raw_status
       )
       INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at, note)
       SELECT id, status, status, raw_status, 'removed', $2, 'outside the polling scope' FROM s`,
      [retired.map((b) => b.id), at]
    );
  }
  return retired.map((b) => b.backend_name);
}
