import type { AdminState, MaintSource, OperationalState } from '../domain/server-state';
import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';

/**
 * Why a server's history has a row (haproxy_server_status_history.cause): `reload` a change seen in the first
 * answer of a new HAProxy process, `reconcile` a desired state re-applied, `schedule` a window's end,
 * `external` a change made outside and adopted.
 */
export const STATUS_CAUSES = [
  'sync',
  'command',
  'restored',
  'removed',
  'reload',
  'reconcile',
  'schedule',
  'external',
] as const;
export type StatusCause = (typeof STATUS_CAUSES)[number];

/** The admin and operational states a command leaves on the server's row (a sync's upsert writes its own). */
export interface StateColumns {
  adminState: AdminState | null;
  maintSource: MaintSource | null;
  operationalState: OperationalState | null;
}

export interface StatusChange {
  serverId: number;
  /** null for a server's first status. */
  from: ServerStatus | null;
  to: ServerStatus;
  /** HAProxy's own words for it. */
  raw: string;
  cause: StatusCause;
  /** Why, when the cause alone does not say (e.g. which path confirmed a removal). */
  note?: string | null;
  /** Each side null when it did not change. */
  adminFrom?: AdminState | null;
  adminTo?: AdminState | null;
  operationalFrom?: OperationalState | null;
  operationalTo?: OperationalState | null;
  /** Written on the row with the status (a command's outcome). */
  state?: StateColumns;
}

/**
 * The one write of a state change, for the sync and the commands alike: the server's status, raw status
 * and since-when (and, for a command, its admin and operational state), and one history row per change, in
 * one statement. With `onRows` the rows hold their new state already (a sync's upsert wrote it): only the
 * history rows are written.
 */
export async function recordStatusChanges(
  db: Db,
  changes: readonly StatusChange[],
  at: Date,
  o: { onRows?: boolean } = {}
): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  const col = <T>(f: (c: StatusChange) => T) => changes.map(f);
  await db.execute(
    `WITH c AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $7::text[], $8::text[],
                            $9::text[], $10::text[], $11::text[], $12::boolean[], $13::text[], $14::text[], $15::text[])
                  AS c(id, from_status, to_status, raw_status, cause, note, admin_from, admin_to, operational_from,
                       operational_to, set_state, admin_state, maint_source, operational_state)
     ), moved AS (
       UPDATE haproxy_servers s SET status = c.to_status, raw_status = c.raw_status,
              status_changed_at = CASE WHEN s.status IS DISTINCT FROM c.to_status THEN $6 ELSE s.status_changed_at END,
              admin_state = CASE WHEN c.set_state THEN c.admin_state ELSE s.admin_state END,
              maint_source = CASE WHEN c.set_state THEN c.maint_source ELSE s.maint_source END,
              operational_state = CASE WHEN c.set_state THEN c.operational_state ELSE s.operational_state END,
              updated_at = $6
         -- s.id = ANY: the rows by primary key; joined to the unnest alone, the planner scanned every server.
         FROM c WHERE s.id = ANY($16::int[]) AND s.id = c.id AND (s.status IS DISTINCT FROM c.to_status OR c.set_state)
     )
     INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at, note,
                                                admin_from, admin_to, operational_from, operational_to)
     SELECT id, from_status, to_status, raw_status, cause, $6, note, admin_from, admin_to, operational_from, operational_to
       FROM c`,
    [
      col((c) => c.serverId),
      col((c) => c.from),
      col((c) => c.to),
      col((c) => c.raw),
      col((c) => c.cause),
      at,
      col((c) => c.note ?? null),
      col((c) => c.adminFrom ?? null),
      col((c) => c.adminTo ?? null),
      col((c) => c.operationalFrom ?? null),
      col((c) => c.operationalTo ?? null),
      col((c) => c.state !== undefined),
      col((c) => c.state?.adminState ?? null),
      col((c) => c.state?.maintSource ?? null),
      col((c) => c.state?.operationalState ?? null),
      // The rows to move: none when the caller wrote them (`onRows`, a sync's upsert), nor a first status.
      o.onRows ? [] : changes.filter((c) => c.from !== null || c.state !== undefined).map((c) => c.serverId),
    ]
  );
}

/** A server's stored state, its row locked until the transaction ends (a command writing its outcome). */
export interface LockedServerState {
  status: ServerStatus;
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  operational_state: OperationalState | null;
  weight: number;
  current_sessions: number;
}

export async function lockServerState(db: Db, serverId: number): Promise<LockedServerState | undefined> {
  const [row] = await db.query<LockedServerState>(
    `SELECT status, admin_state, maint_source, operational_state, weight, current_sessions
       FROM haproxy_servers WHERE id = $1 FOR UPDATE`,
    [serverId]
  );
  return row;
}

/**
 * The weight and sessions a command left, as HAProxy reported them after it; undefined keeps what is stored
 * (not history: the next sync reads them anyway).
 */
export async function recordLoad(db: Db, serverId: number, o: { weight?: number; sessions?: number }): Promise<void> {
  await db.execute(
    `UPDATE haproxy_servers SET weight = coalesce($2, weight), current_sessions = coalesce($3, current_sessions)
      WHERE id = $1`,
    [serverId, o.weight ?? null, o.sessions ?? null]
  );
}

export interface StatusHistoryRow {
  id: number;
  server_id: number;
  from_status: ServerStatus | null;
  to_status: ServerStatus;
  raw_status: string;
  admin_from: AdminState | null;
  admin_to: AdminState | null;
  operational_from: OperationalState | null;
  operational_to: OperationalState | null;
  cause: StatusCause;
  note: string | null;
  changed_at: Date;
}

/** A server's status changes, newest first. */
export function statusHistory(
  db: Db,
  serverId: number,
  o: { since?: Date; until?: Date; limit: number }
): Promise<StatusHistoryRow[]> {
  return db.query<StatusHistoryRow>(
    `SELECT id, server_id, from_status, to_status, raw_status, admin_from, admin_to, operational_from, operational_to,
            cause, note, changed_at
       FROM haproxy_server_status_history
      WHERE server_id = $1 AND ($2::timestamptz IS NULL OR changed_at >= $2) AND ($3::timestamptz IS NULL OR changed_at < $3)
      ORDER BY changed_at DESC, id DESC LIMIT $4`,
    [serverId, o.since ?? null, o.until ?? null, o.limit]
  );
}

/**
 * A history row's status as the timeline shows it: a `removed` row keeps the last status in `to_status` (for
 * the removed lists), but from then on the server is gone (null) until a `restored` row brings it back.
 */
const SHOWN_STATUS = `CASE WHEN h.cause = 'removed' THEN NULL ELSE h.to_status END`;

/**
 * Per server: its status just before `at` (null if none yet, or removed then) and when it left HAProxy (its own
 * or its backend's).
 */
export function statusesBefore(
  db: Db,
  serverIds: readonly number[],
  at: Date
): Promise<Array<{ id: number; initial: ServerStatus | null; removed_at: Date | null }>> {
  return db.query(
    `SELECT s.id, least(s.removed_at, b.removed_at) AS removed_at,
            (SELECT ${SHOWN_STATUS} FROM haproxy_server_status_history h
              WHERE h.server_id = s.id AND h.changed_at < $2 ORDER BY h.changed_at DESC, h.id DESC LIMIT 1) AS initial
       FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
      WHERE s.id = ANY($1::int[])`,
    [serverIds, at]
  );
}

/** The servers' status changes in [from, to), per server in time order; null where a server was removed. */
export function statusChangesBetween(
  db: Db,
  serverIds: readonly number[],
  from: Date,
  to: Date
): Promise<Array<{ server_id: number; changed_at: Date; to_status: ServerStatus | null }>> {
  return db.query(
    `SELECT h.server_id, h.changed_at, ${SHOWN_STATUS} AS to_status FROM haproxy_server_status_history h
      WHERE h.server_id = ANY($1::int[]) AND h.changed_at >= $2 AND h.changed_at < $3
      ORDER BY h.server_id, h.changed_at, h.id`,
    [serverIds, from, to]
  );
}

/** A change of a server's admin or operational state, with who made it when a command did (for its timeline). */
export interface StateChangeRow {
  changed_at: Date;
  cause: StatusCause;
  admin_to: AdminState | null;
  operational_to: OperationalState | null;
  actor: string | null;
}

/**
 * A server's admin and operational changes in [since, until) in time order (at most `limit`), after the last of
 * each kind before `since` (the states it was in then). A command's change is the successful audit row of
 * that command on the server that started last before it (one command per server runs at a time).
 */
export function stateChanges(
  db: Db,
  serverId: number,
  since: Date,
  until: Date,
  limit: number
): Promise<StateChangeRow[]> {
  const select = `SELECT h.id, h.changed_at, h.cause, h.admin_to, h.operational_to,
      CASE WHEN h.cause = 'external' THEN 'external' ELSE (
        SELECT a.actor FROM haproxy_actions a
         WHERE h.cause IN ('command','reconcile','schedule') AND a.server_id = h.server_id AND a.success
           AND a.command = h.admin_to AND a.started_at <= h.changed_at
         ORDER BY a.started_at DESC LIMIT 1) END AS actor
    FROM haproxy_server_status_history h WHERE h.server_id = $1`;
  return db.query<StateChangeRow>(
    `SELECT changed_at, cause, admin_to, operational_to, actor FROM (
       (${select} AND h.admin_to IS NOT NULL AND h.changed_at < $2 ORDER BY h.changed_at DESC, h.id DESC LIMIT 1)
       UNION ALL
       (${select} AND h.operational_to IS NOT NULL AND h.changed_at < $2 ORDER BY h.changed_at DESC, h.id DESC LIMIT 1)
       UNION ALL
       (${select} AND (h.admin_to IS NOT NULL OR h.operational_to IS NOT NULL) AND h.changed_at >= $2
          AND h.changed_at < $3 ORDER BY h.changed_at, h.id LIMIT $4)
     ) x ORDER BY changed_at, id`,
    [serverId, since, until, limit]
  );
}
