import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';

/** Why a server's status history has a row (haproxy_server_status_history.cause). */
export type StatusCause = 'sync' | 'command' | 'restored' | 'removed';

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
}

/**
 * The one write of a status change, for the sync and the commands alike: the server's status, raw status
 * and since-when, and one history row per change, in one statement. A server whose row already holds the
 * new status (a sync's new server, inserted with it) only gets its history row.
 */
export async function recordStatusChanges(db: Db, changes: readonly StatusChange[], at: Date): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  await db.execute(
    `WITH c AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $7::text[])
                  AS c(id, from_status, to_status, raw_status, cause, note)
     ), moved AS (
       UPDATE haproxy_servers s SET status = c.to_status, raw_status = c.raw_status, status_changed_at = $6, updated_at = $6
         FROM c WHERE s.id = c.id AND s.status IS DISTINCT FROM c.to_status
     )
     INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at, note)
     SELECT id, from_status, to_status, raw_status, cause, $6, note FROM c`,
    [
      changes.map((c) => c.serverId),
      changes.map((c) => c.from),
      changes.map((c) => c.to),
      changes.map((c) => c.raw),
      changes.map((c) => c.cause),
      at,
      changes.map((c) => c.note ?? null),
    ]
  );
}

/** A server's stored status, its row locked until the transaction ends (a command writing its outcome). */
export async function lockServerStatus(db: Db, serverId: number): Promise<ServerStatus | undefined> {
  const [row] = await db.query<{ status: ServerStatus }>(
    `SELECT status FROM haproxy_servers WHERE id = $1 FOR UPDATE`,
    [serverId]
  );
  return row?.status;
}

export interface StatusHistoryRow {
  id: number;
  server_id: number;
  from_status: ServerStatus | null;
  to_status: ServerStatus;
  raw_status: string;
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
    `SELECT id, server_id, from_status, to_status, raw_status, cause, note, changed_at
       FROM haproxy_server_status_history
      WHERE server_id = $1 AND ($2::timestamptz IS NULL OR changed_at >= $2) AND ($3::timestamptz IS NULL OR changed_at < $3)
      ORDER BY changed_at DESC, id DESC LIMIT $4`,
    [serverId, o.since ?? null, o.until ?? null, o.limit]
  );
}

/** Per server: its status just before `at` (null if none yet) and when it left HAProxy (its own or its backend's). */
export function statusesBefore(
  db: Db,
  serverIds: readonly number[],
  at: Date
): Promise<Array<{ id: number; initial: ServerStatus | null; removed_at: Date | null }>> {
  return db.query(
    `SELECT s.id, least(s.removed_at, b.removed_at) AS removed_at,
            (SELECT h.to_status FROM haproxy_server_status_history h
              WHERE h.server_id = s.id AND h.changed_at < $2 ORDER BY h.changed_at DESC, h.id DESC LIMIT 1) AS initial
       FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
      WHERE s.id = ANY($1::int[])`,
    [serverIds, at]
  );
}

/** The servers' status changes in [from, to), per server in time order. */
export function statusChangesBetween(
  db: Db,
  serverIds: readonly number[],
  from: Date,
  to: Date
): Promise<Array<{ server_id: number; changed_at: Date; to_status: ServerStatus }>> {
  return db.query(
    `SELECT server_id, changed_at, to_status FROM haproxy_server_status_history
      WHERE server_id = ANY($1::int[]) AND changed_at >= $2 AND changed_at < $3
      ORDER BY server_id, changed_at, id`,
    [serverIds, from, to]
  );
}
