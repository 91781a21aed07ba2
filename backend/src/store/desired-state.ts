import { DesiredSource, EXTERNAL_ACTOR } from '../domain/actions';
import type { AdminState, DriftCause } from '../domain/server-state';
import type { Db } from '../db/db';
import { givenOrDatabaseNow } from './clock';

/**
 * haproxy_server_desired: what we were asked to keep per server (a command's state, who, why, until when),
 * the drift while HAProxy disagrees, and the claim of whoever is ending a maintenance window.
 */

/** A desired state as a command sets it. */
export interface DesiredInput {
  adminState: AdminState;
  actor: string;
  reason: string | null;
  source: DesiredSource;
  /** The end of a maintenance window (drain or maint only). */
  until: Date | null;
}

const NO_DRIFT = `drift_since = NULL, drift_cause = NULL, drift_attempts = 0, drift_last_error = NULL,
  drift_last_attempt_at = NULL`;

/** A new desired state replaces the previous one whole (reason and window included), ends any drift and window claim. */
const REPLACE_DESIRED = `ON CONFLICT (server_id) DO UPDATE SET
  admin_state = EXCLUDED.admin_state, actor = EXCLUDED.actor, reason = EXCLUDED.reason, source = EXCLUDED.source,
  set_at = EXCLUDED.set_at, until = EXCLUDED.until, window_claimed_until = NULL, ${NO_DRIFT}`;

/** A command's new desired state. */
export async function setDesired(db: Db, serverId: number, d: DesiredInput, at: Date): Promise<void> {
  await db.execute(
    `INSERT INTO haproxy_server_desired (server_id, admin_state, actor, reason, source, set_at, until)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ${REPLACE_DESIRED}`,
    [serverId, d.adminState, d.actor, d.reason, d.source, at, d.until]
  );
}

/**
 * Changes made outside (the stats page, the runtime socket, HAProxy's agent-check) adopted as the desired state,
 * actor `external`, with why when HAProxy said.
 */
export async function adoptExternal(
  db: Db,
  adopted: ReadonlyArray<{ serverId: number; adminState: AdminState; reason: string | null }>,
  at: Date
): Promise<void> {
  if (adopted.length === 0) {
    return;
  }
  await db.execute(
    `INSERT INTO haproxy_server_desired (server_id, admin_state, actor, reason, source, set_at, until)
     SELECT id, state, $3, reason, 'external', $4, NULL
       FROM unnest($1::int[], $2::text[], $5::text[]) AS t(id, state, reason)
     ${REPLACE_DESIRED}`,
    [adopted.map((a) => a.serverId), adopted.map((a) => a.adminState), EXTERNAL_ACTOR, at, adopted.map((a) => a.reason)]
  );
}

/** Drifts found (since `at`) or still there (their start and attempts kept, the cause updated). */
export async function recordDrifts(
  db: Db,
  drifts: ReadonlyArray<{ serverId: number; cause: DriftCause }>,
  at: Date
): Promise<void> {
  if (drifts.length === 0) {
    return;
  }
  await db.execute(
    `UPDATE haproxy_server_desired d SET drift_since = coalesce(d.drift_since, $3), drift_cause = t.cause
       FROM unnest($1::int[], $2::text[]) AS t(id, cause) WHERE d.server_id = t.id`,
    [drifts.map((d) => d.serverId), drifts.map((d) => d.cause), at]
  );
}

export async function clearDrifts(db: Db, serverIds: readonly number[]): Promise<void> {
  if (serverIds.length === 0) {
    return;
  }
  await db.execute(
    `UPDATE haproxy_server_desired SET ${NO_DRIFT} WHERE server_id = ANY($1::int[]) AND drift_since IS NOT NULL`,
    [serverIds]
  );
}

/**
 * A re-apply that did not repair the drift: counted, with why, for the backoff and for operators. Its time is
 * the caller's (a test's clock), else the database's, which the sync judges the backoff by.
 */
export async function recordReapplyFailure(db: Db, serverId: number, error: string, at?: Date): Promise<void> {
  await db.execute(
    `UPDATE haproxy_server_desired SET drift_attempts = drift_attempts + 1, drift_last_error = $2,
            drift_last_attempt_at = ${givenOrDatabaseNow('$3')}
      WHERE server_id = $1 AND drift_since IS NOT NULL`,
    [serverId, error.slice(0, 1000), at ?? null]
  );
}

/**
 * A re-apply HAProxy took but does not show (a maint of its configuration outranks it): the drift its success
 * ended is back as it was, the attempt counted with why, so the backoff grows and the intent is not later
 * mistaken for one changed outside. Only while the desired state is the one re-applied (`setAt`).
 */
export async function restoreDrift(
  db: Db,
  d: Pick<DesiredRow, 'server_id' | 'set_at' | 'drift_since' | 'drift_cause' | 'drift_attempts'>,
  error: string,
  at?: Date
): Promise<void> {
  await db.execute(
    `UPDATE haproxy_server_desired SET drift_since = $3, drift_cause = $4, drift_attempts = $5 + 1,
            drift_last_error = $6, drift_last_attempt_at = ${givenOrDatabaseNow('$7')}
      WHERE server_id = $1 AND set_at = $2 AND drift_since IS NULL`,
    [d.server_id, d.set_at, d.drift_since, d.drift_cause, d.drift_attempts, error.slice(0, 1000), at ?? null]
  );
}

/** A server's desired state as a check before an automatic command reads it. */
export interface DesiredRow {
  server_id: number;
  admin_state: AdminState;
  actor: string;
  set_at: Date;
  until: Date | null;
  drift_since: Date | null;
  drift_cause: DriftCause | null;
  drift_attempts: number;
}

export async function desiredOf(db: Db, serverId: number): Promise<DesiredRow | undefined> {
  const [row] = await db.query<DesiredRow>(
    `SELECT server_id, admin_state, actor, set_at, until, drift_since, drift_cause, drift_attempts
       FROM haproxy_server_desired WHERE server_id = $1`,
    [serverId]
  );
  return row;
}

/** A maintenance window not ended yet, as GET /api/haproxy/windows lists it. */
export interface WindowRow {
  server_id: number;
  server_name: string;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  admin_state: AdminState;
  actor: string;
  reason: string | null;
  set_at: Date;
  until: Date;
  /** Its end has come but could not be made (its agent unreachable, say): it is tried again at `retry_at`. */
  overdue: boolean;
  retry_at: Date | null;
}

/** `$1`: the database's time now. */
const WINDOW_SELECT = `SELECT d.server_id, s.server_name, b.backend_name, b.instance_id, i.name AS instance_name,
         d.admin_state, d.actor, d.reason, d.set_at, d.until, d.until <= $1 AS overdue,
         CASE WHEN d.until <= $1 THEN greatest(d.window_claimed_until, $1) END AS retry_at
    FROM haproxy_server_desired d
    JOIN haproxy_servers s ON s.id = d.server_id
    JOIN haproxy_backends b ON b.id = s.backend_id
    JOIN haproxy_instances i ON i.id = b.instance_id`;

/**
 * Windows not ended yet, soonest end first: those whose end is to come, and those whose end has come and failed
 * (an operator must see a server still out past its window). Not those of servers gone from HAProxy (they are in
 * "Recently removed"; their end closes the window without a command).
 */
export function activeWindows(db: Db, now: Date): Promise<WindowRow[]> {
  return db.query<WindowRow>(
    `${WINDOW_SELECT} WHERE d.until IS NOT NULL AND s.removed_at IS NULL AND b.removed_at IS NULL
      ORDER BY d.until, d.server_id`,
    [now]
  );
}

/** A server's window not ended yet (overdue ones too). */
export async function windowOf(db: Db, serverId: number, now: Date): Promise<WindowRow | undefined> {
  const [row] = await db.query<WindowRow>(`${WINDOW_SELECT} WHERE d.server_id = $2 AND d.until IS NOT NULL`, [
    now,
    serverId,
  ]);
  return row;
}

/**
 * Moves an active window's end, unless someone is ending it right now (its claim is held); false when there
 * is no such window or it is being ended.
 */
export async function moveWindow(db: Db, serverId: number, until: Date, now: Date): Promise<boolean> {
  const n = await db.execute(
    `UPDATE haproxy_server_desired SET until = $2
      WHERE server_id = $1 AND until > $3 AND (window_claimed_until IS NULL OR window_claimed_until <= $3)`,
    [serverId, until, now]
  );
  return n > 0;
}

/** A window whose end has come, as the worker claims it: what its end's audit row says of it. */
export type DueWindow = Pick<WindowRow, 'server_id' | 'admin_state' | 'actor' | 'reason' | 'until'>;

/**
 * Claims windows whose end has come, for `leaseMs`, skipping those another replica holds and those of `except`
 * (looked at already): each is ended by one process only; a claim whose process died runs out and the window is
 * taken again.
 */
export function claimDueWindows(
  db: Db,
  now: Date,
  leaseMs: number,
  limit: number,
  except: readonly number[] = []
): Promise<DueWindow[]> {
  return db.query(
    `UPDATE haproxy_server_desired d SET window_claimed_until = $1::timestamptz + $2 * interval '1 millisecond'
      WHERE d.server_id IN (
        SELECT server_id FROM haproxy_server_desired
         WHERE until <= $1 AND (window_claimed_until IS NULL OR window_claimed_until <= $1)
           AND server_id <> ALL($4::int[])
         ORDER BY until LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING d.server_id, d.admin_state, d.actor, d.reason, d.until`,
    [now, leaseMs, limit, except]
  );
}

/** Claims one active window to end it early (DELETE /windows/{id}); false when there is none or it is held. */
export async function claimWindow(db: Db, serverId: number, now: Date, leaseMs: number): Promise<boolean> {
  const n = await db.execute(
    `UPDATE haproxy_server_desired SET window_claimed_until = $2::timestamptz + $3 * interval '1 millisecond'
      WHERE server_id = $1 AND until IS NOT NULL AND (window_claimed_until IS NULL OR window_claimed_until <= $2)`,
    [serverId, now, leaseMs]
  );
  return n > 0;
}

/**
 * A window whose end failed (its agent unreachable, say) is held until it is tried again: the lease after the
 * first failure, doubling with each failed end of this window (since its desired state was set), up to `maxMs`. An agent that never comes
 * back then costs a failed audit row every `maxMs`, not every lease.
 */
export async function backOffWindow(db: Db, serverId: number, now: Date, leaseMs: number, maxMs: number) {
  await db.execute(
    `UPDATE haproxy_server_desired d
        SET window_claimed_until = $2::timestamptz + least($3 * 2 ^ greatest(f.n - 1, 0), $4) * interval '1 millisecond'
       FROM (SELECT count(*)::int AS n FROM haproxy_actions a JOIN haproxy_server_desired x ON x.server_id = a.server_id
              WHERE a.server_id = $1 AND a.source = 'schedule' AND a.result IN ('failure', 'unknown') AND a.started_at >= x.set_at) f
      WHERE d.server_id = $1 AND d.window_claimed_until IS NOT NULL`,
    [serverId, now, leaseMs, maxMs]
  );
}

export async function releaseWindowClaim(db: Db, serverId: number): Promise<void> {
  await db.execute(`UPDATE haproxy_server_desired SET window_claimed_until = NULL WHERE server_id = $1`, [serverId]);
}

/**
 * A window that cannot end with a command (its server is gone): closed, the desired state ready as its end wants,
 * so a server that comes back is not drained again past its window. Only while still claimed: a newer command's
 * desired state (which drops the claim) stands.
 */
export async function closeWindow(
  db: Db,
  w: { serverId: number; actor: string; reason: string },
  at: Date
): Promise<void> {
  await db.execute(
    `UPDATE haproxy_server_desired SET admin_state = 'ready', actor = $2, reason = $3, source = 'schedule', set_at = $4,
            until = NULL, window_claimed_until = NULL, ${NO_DRIFT}
      WHERE server_id = $1 AND window_claimed_until IS NOT NULL`,
    [w.serverId, w.actor, w.reason, at]
  );
}
