import { NameFilter, nameFilter } from '../domain/glob';
import type { RemovalHold } from '../domain/held-removal';
import type { ReconcilePolicy } from '../domain/server-state';
import type { Db } from '../db/db';
import { AppError, conflict } from '../domain/errors';
import { refuseTwinInstances } from './hosts';
import { buildWhere, matchSql, setColumns } from './sql';

/** Values of haproxy_instances.breaker_state (the FAgent client's breaker states). */
export type BreakerStateValue = 'closed' | 'open' | 'half_open';

/** An HAProxy instance with its host's name, sync status and how much it holds now. */
export interface InstanceRow {
  id: number;
  name: string;
  host_id: number;
  host_name: string;
  is_active: boolean;
  socket_path: string | null;
  /** Selective polling: null = every backend, else names or globs. */
  backend_scope: string[] | null;
  last_sync_at: Date | null;
  last_sync_success: boolean | null;
  last_sync_error: string | null;
  last_sync_duration_ms: number | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  /** A removal the sync held (domain/held-removal.ts), or null. */
  held_removal: RemovalHold | null;
  reconcile_policy: ReconcilePolicy;
  /** The HAProxy process as the agent last said (null: never said, e.g. an agent without /info). */
  haproxy_version: string | null;
  haproxy_pid: number | null;
  haproxy_started_at: Date | null;
  backend_count: number;
  server_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface InstanceInput {
  host_id: number;
  name: string;
  socket_path?: string | null;
  is_active?: boolean;
  backend_scope?: string[] | null;
  reconcile_policy?: ReconcilePolicy;
}

const SELECT = `
  SELECT i.id, i.name, i.host_id, h.name AS host_name, i.is_active, i.socket_path, i.backend_scope, i.last_sync_at,
         i.last_sync_success, i.last_sync_error, i.last_sync_duration_ms, i.last_success_at, i.consecutive_failures,
         i.held_removal, i.reconcile_policy, i.haproxy_version, i.haproxy_pid, i.haproxy_started_at,
         -- Two plain counts: one count(DISTINCT) over the joined rows sorted each instance's servers (twice as slow).
         (SELECT count(*) FROM haproxy_backends b WHERE b.instance_id = i.id AND b.removed_at IS NULL)::int AS backend_count,
         (SELECT count(*) FROM haproxy_backends b JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
           WHERE b.instance_id = i.id AND b.removed_at IS NULL)::int AS server_count,
         i.created_at, i.updated_at
    FROM haproxy_instances i
    JOIN hosts h ON h.id = i.host_id`;

const scopeJson = (scope: string[] | null | undefined) => (scope ? JSON.stringify(scope) : null);

export function listInstances(db: Db, f: { hostId?: number; isActive?: boolean } = {}): Promise<InstanceRow[]> {
  const where = buildWhere([
    ['i.host_id = ?', f.hostId],
    ['i.is_active = ?', f.isActive],
  ]);
  return db.query<InstanceRow>(`${SELECT} WHERE ${where.sql} ORDER BY h.name, i.name`, where.params);
}

export async function getInstance(db: Db, instanceId: number): Promise<InstanceRow | undefined> {
  return (await db.query<InstanceRow>(`${SELECT} WHERE i.id = $1`, [instanceId]))[0];
}

export async function instanceExists(db: Db, instanceId: number): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM haproxy_instances WHERE id = $1`, [instanceId])).length > 0;
}

/**
 * Why each of these instances takes no sync or command now (it or its host deactivated: the admin switched its
 * agent off for this service), as a 409 saying what to do, by instance id; active ones (and ids not there) are
 * left out. One statement however many instances: a job's every look asks it.
 */
export async function inactiveRefusals(
  db: Db,
  instanceIds: Iterable<number>,
  what: string
): Promise<Map<number, AppError>> {
  const ids = [...new Set(instanceIds)];
  const refusals = new Map<number, AppError>();
  if (ids.length === 0) {
    return refusals;
  }
  const rows = await db.query<{ id: number; name: string; host_name: string; host_active: boolean }>(
    `SELECT i.id, i.name, h.name AS host_name, h.is_active AS host_active
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
      WHERE i.id = ANY($1::bigint[]) AND NOT (i.is_active AND h.is_active)`,
    [ids]
  );
  for (const row of rows) {
    refusals.set(
      row.id,
      conflict(
        row.host_active
          ? `instance ${row.name} is deactivated: activate it to ${what}`
          : `host ${row.host_name} of instance ${row.name} is deactivated: activate it to ${what}`
      )
    );
  }
  return refusals;
}

/** inactiveRefusals for one instance: its 409, or undefined when it is active (or not there). */
export async function inactiveRefusal(db: Db, instanceId: number, what: string): Promise<AppError | undefined> {
  return (await inactiveRefusals(db, [instanceId], what)).get(instanceId);
}

/**
 * `backend/server` of the instance's current servers in a maintenance window (drain or maint with an end) whose
 * backend `scope` leaves out.
 */
export async function windowsOutOfScope(db: Db, instanceId: number, scope: readonly string[]): Promise<string[]> {
  const params: unknown[] = [instanceId];
  const rows = await db.query<{ name: string }>(
    `SELECT b.backend_name || '/' || s.server_name AS name
       FROM haproxy_backends b
       JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
       JOIN haproxy_server_desired d ON d.server_id = s.id AND d.until IS NOT NULL
      WHERE b.instance_id = $1 AND b.removed_at IS NULL AND NOT ${matchSql(nameFilter(scope), null, 'b.backend_name', params)}
      ORDER BY b.backend_name, s.server_name`,
    params
  );
  return rows.map((r) => r.name);
}

export async function instanceIdsOfHost(db: Db, hostId: number): Promise<number[]> {
  return (await db.query<{ id: number }>(`SELECT id FROM haproxy_instances WHERE host_id = $1`, [hostId])).map(
    (r) => r.id
  );
}

/** A 409 when the name is another host's instance through the same agent (refuseTwinInstances). */
export function createInstance(db: Db, i: InstanceInput): Promise<number> {
  return db.transaction(async (tx) => {
    // The host's agent stays as read until the insert commits (a URL change waits, then sees this instance).
    await tx.query(`SELECT 1 FROM hosts WHERE id = $1 FOR SHARE`, [i.host_id]);
    await refuseTwinInstances(tx, i.host_id, [i.name]);
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO haproxy_instances (host_id, name, socket_path, is_active, backend_scope, reconcile_policy)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        i.host_id,
        i.name,
        i.socket_path ?? null,
        i.is_active ?? true,
        scopeJson(i.backend_scope),
        i.reconcile_policy ?? 'reapply',
      ]
    );
    return row.id;
  });
}

/** Sets the given fields; false when there is no such instance, a 409 when a new name makes it a twin (refuseTwinInstances). */
export function updateInstance(
  db: Db,
  instanceId: number,
  changes: Partial<Omit<InstanceInput, 'host_id'>>
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (changes.name !== undefined) {
      // Its row locked first, as a change of its host's agent locks it (store/hosts.ts updateHost).
      const [row] = await tx.query<{ host_id: number; name: string }>(
        `SELECT host_id, name FROM haproxy_instances WHERE id = $1 FOR UPDATE`,
        [instanceId]
      );
      if (!row) {
        return false;
      }
      if (row.name !== changes.name) {
        await refuseTwinInstances(tx, row.host_id, [changes.name]);
      }
    }
    return setInstanceFields(tx, instanceId, changes);
  });
}

async function setInstanceFields(
  db: Db,
  instanceId: number,
  changes: Partial<Omit<InstanceInput, 'host_id'>>
): Promise<boolean> {
  const params: unknown[] = [instanceId];
  const sets = setColumns(params, {
    name: changes.name,
    socket_path: changes.socket_path,
    is_active: changes.is_active,
    backend_scope: changes.backend_scope === undefined ? undefined : scopeJson(changes.backend_scope),
    reconcile_policy: changes.reconcile_policy,
  });
  return (
    (await db.execute(
      `UPDATE haproxy_instances SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`,
      params
    )) > 0
  );
}

/**
 * The instance (or every instance of the host) is another target at the agent now: its next sync reads it
 * whole (the unchanged path compares with the old target's answer), and its row stays locked until the change
 * commits, so a sync's write either commits before it or sees it (sync/instance-sync.ts drops that answer).
 */
export async function retargetInstances(db: Db, by: { hostId: number } | { instanceId: number }): Promise<void> {
  const [column, id] = 'hostId' in by ? ['host_id', by.hostId] : ['id', by.instanceId];
  await db.execute(`UPDATE haproxy_instances SET sync_fingerprint = NULL WHERE ${column} = $1`, [id]);
}

export async function deleteInstance(db: Db, instanceId: number): Promise<boolean> {
  return (await db.execute(`DELETE FROM haproxy_instances WHERE id = $1`, [instanceId])) > 0;
}

/** Instances the scheduler syncs: active ones of active hosts. */
export function activeInstances(db: Db): Promise<Array<{ id: number; host_id: number }>> {
  return db.query(
    `SELECT i.id, i.host_id FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
      WHERE i.is_active AND h.is_active ORDER BY i.id`
  );
}

/**
 * Every instance's activity and last sync, for the fleet summary. Active means polled, as the scheduler, the
 * alert rules and /metrics count it: the instance and its host both active.
 */
export function instanceSyncStates(
  db: Db
): Promise<Array<{ id: number; is_active: boolean; last_sync_success: boolean | null; last_sync_at: Date | null }>> {
  return db.query(
    `SELECT i.id, i.is_active AND h.is_active AS is_active, i.last_sync_success, i.last_sync_at
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id`
  );
}

export interface FailingInstanceRow {
  id: number;
  name: string;
  host_name: string;
  last_sync_error: string | null;
  last_sync_at: Date | null;
  consecutive_failures: number;
}

/** Active instances (of active hosts) whose last sync failed, most recent first. */
export function failingInstances(db: Db, limit: number): Promise<FailingInstanceRow[]> {
  return db.query<FailingInstanceRow>(
    `SELECT i.id, i.name, h.name AS host_name, i.last_sync_error, i.last_sync_at, i.consecutive_failures
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
      WHERE i.is_active AND h.is_active AND i.last_sync_success = false ORDER BY i.last_sync_at DESC NULLS LAST LIMIT $1`,
    [limit]
  );
}

export interface SyncResult {
  at: Date;
  success: boolean;
  error: string | null;
  durationMs: number;
}

/**
 * The SET list of a sync's result, over four parameters from `$first` on (syncResultParams): one wording of it
 * for recordSyncResult and for the statements that end a sync's write (sync/sync-store.ts).
 */
export function syncResultAssignments(first: number): string {
  const [at, success, error, duration] = [0, 1, 2, 3].map((k) => `$${first + k}`);
  return `last_sync_at = ${at}, last_sync_success = ${success}, last_sync_error = ${error},
          last_sync_duration_ms = ${duration}, last_success_at = CASE WHEN ${success} THEN ${at} ELSE last_success_at END,
          consecutive_failures = CASE WHEN ${success} THEN 0 ELSE consecutive_failures + 1 END`;
}

export const syncResultParams = (r: SyncResult): unknown[] => [r.at, r.success, r.error, r.durationMs];

/** The outcome of one sync on the instance's row (what the API, the alerts and /metrics read). */
export async function recordSyncResult(db: Db, instanceId: number, r: SyncResult): Promise<void> {
  await db.execute(`UPDATE haproxy_instances SET ${syncResultAssignments(2)} WHERE id = $1`, [
    instanceId,
    ...syncResultParams(r),
  ]);
}

/** What a sync's write needs of the instance, read under its row lock. */
export interface LockedInstance {
  name: string;
  /** Its host's agent now: a sync that read another one must not write (sync/instance-sync.ts). */
  fagent_url: string;
  held_removal: RemovalHold | null;
  reconcile_policy: ReconcilePolicy;
  haproxy_pid: number | null;
  haproxy_started_at: Date | null;
}

/**
 * Locks the instance's row for the rest of the transaction (a sync's write, a removal's confirmation), which
 * waits for commands starting on it (store/actions.ts startAction); undefined when it is gone.
 */
export async function lockInstanceRow(db: Db, instanceId: number): Promise<LockedInstance | undefined> {
  const [row] = await db.query<LockedInstance>(
    `SELECT i.name, h.fagent_url, i.held_removal, i.reconcile_policy, i.haproxy_pid, i.haproxy_started_at
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id WHERE i.id = $1 FOR UPDATE OF i`,
    [instanceId]
  );
  return row;
}

export async function recordHeldRemoval(db: Db, instanceId: number, hold: RemovalHold | null): Promise<void> {
  await db.execute(`UPDATE haproxy_instances SET held_removal = $2 WHERE id = $1`, [
    instanceId,
    hold && JSON.stringify(hold),
  ]);
}

/** The breaker's state where Grafana's alert rules can read it. */
export async function recordBreakerState(
  db: Db,
  instanceId: number,
  state: BreakerStateValue,
  at: Date
): Promise<void> {
  await db.execute(`UPDATE haproxy_instances SET breaker_state = $2, breaker_changed_at = $3 WHERE id = $1`, [
    instanceId,
    state,
    at,
  ]);
}

export async function closeAllBreakerStates(db: Db): Promise<void> {
  await db.execute(
    `UPDATE haproxy_instances SET breaker_state = 'closed', breaker_changed_at = now() WHERE breaker_state <> 'closed'`
  );
}

export interface MetricsInstanceRow {
  id: number;
  instance: string;
  host: string;
  last_sync_at: Date | null;
  last_sync_success: boolean | null;
  last_sync_duration_ms: number | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  /** Whether its servers get per-server series. */
  per_server: boolean;
}

/**
 * Active instances of active hosts for /metrics; `perServer` picks those whose servers get their own series
 * by instance name or `host/instance` (undefined: all of them).
 */
export function metricsInstances(db: Db, perServer: NameFilter | undefined): Promise<MetricsInstanceRow[]> {
  const params: unknown[] = [];
  const picked = perServer
    ? `(${matchSql(perServer, null, 'i.name', params)} OR ${matchSql(perServer, null, "h.name || '/' || i.name", params)})`
    : 'true';
  return db.query<MetricsInstanceRow>(
    `SELECT i.id, i.name AS instance, h.name AS host, i.last_sync_at, i.last_sync_success, i.last_sync_duration_ms,
            i.last_success_at, i.consecutive_failures, ${picked} AS per_server
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
      WHERE i.is_active AND h.is_active`,
    params
  );
}
