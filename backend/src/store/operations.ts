import type { Db } from '../db/db';
import type { ActionSource } from '../domain/actions';
import type {
  OnDeadline,
  OperationAction,
  OperationServer,
  OperationServerState,
  OperationState,
  Ramp,
  ServerPatch,
} from '../domain/operation';
import { buildWhere, Page, pageOf } from './sql';

/**
 * haproxy_operations and haproxy_operation_servers: drain and ready jobs, kept in PostgreSQL so any replica
 * may run them and a restart resumes them. A replica holds a job by a lease (lease_owner, lease_until) taken
 * with FOR UPDATE SKIP LOCKED and renewed by a heartbeat; a lease that ran out is taken over.
 */

/** What a job's selection named, as its caller wrote it. */
export interface OperationSelection {
  server_ids?: number[];
  backend_id?: number;
  application_id?: number;
}

export interface OperationRow {
  id: string;
  action: OperationAction;
  state: OperationState;
  actor: string;
  source: ActionSource;
  reason: string | null;
  selection: OperationSelection;
  max_parallel: number;
  deadline_s: number | null;
  on_deadline: OnDeadline;
  then_state: 'maint' | null;
  ramp: Ramp | null;
  force: boolean;
  idempotency_key: string | null;
  request_hash: string;
  callback_url: string | null;
  callback_state: 'pending' | 'sent' | 'failed' | null;
  callback_error: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** The replica that holds the job (its worker's owner id); null until one claims it. */
  lease_owner: string | null;
}

export type NewOperation = Omit<
  OperationRow,
  'state' | 'callback_state' | 'callback_error' | 'error' | 'created_at' | 'started_at' | 'finished_at' | 'lease_owner'
>;

/** A job's server when the job is created. */
export interface NewOperationServer {
  server_id: number;
  server_name: string;
  backend_name: string;
  instance_name: string;
}

const OPERATION_COLUMNS = `o.id, o.action, o.state, o.actor, o.source, o.reason, o.selection, o.max_parallel, o.deadline_s,
  o.on_deadline, o.then_state, o.ramp, o.force, o.idempotency_key, o.request_hash, o.callback_url, o.callback_state,
  o.callback_error, o.error, o.created_at, o.started_at, o.finished_at, o.lease_owner`;

/**
 * A new job, unless its actor made one with its idempotency key: false then (the caller answers that one). Runs in the
 * caller's transaction with its servers, so a job is never seen without them.
 */
export async function insertOperation(tx: Db, o: NewOperation): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO haproxy_operations (id, action, state, actor, source, reason, selection, max_parallel, deadline_s,
                                     on_deadline, then_state, ramp, force, idempotency_key, request_hash, callback_url)
     VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (actor, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      o.id,
      o.action,
      o.actor,
      o.source,
      o.reason,
      JSON.stringify(o.selection),
      o.max_parallel,
      o.deadline_s,
      o.on_deadline,
      o.then_state,
      o.ramp === null ? null : JSON.stringify(o.ramp),
      o.force,
      o.idempotency_key,
      o.request_hash,
      o.callback_url,
    ]
  );
  return rows.length > 0;
}

/**
 * Its servers, all pending. A server another job holds breaks the unique index (23505): the caller says which.
 * Written in server id order whatever their positions: two jobs listing the same servers in other orders would
 * otherwise each wait on a row the other wrote first, a deadlock instead of the 409 that names the job.
 */
export async function insertOperationServers(
  tx: Db,
  operationId: string,
  servers: readonly NewOperationServer[]
): Promise<void> {
  await tx.execute(
    `INSERT INTO haproxy_operation_servers (operation_id, position, server_id, server_name, backend_name, instance_name,
                                            state, since)
     SELECT $1, t.ord::int, t.id, t.server_name, t.backend_name, t.instance_name, 'pending', now()
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
            AS t(id, server_name, backend_name, instance_name, ord)
      ORDER BY t.id`,
    [
      operationId,
      servers.map((s) => s.server_id),
      servers.map((s) => s.server_name),
      servers.map((s) => s.backend_name),
      servers.map((s) => s.instance_name),
    ]
  );
}

/** The job an actor made with an idempotency key: keys are each caller's own. */
export async function operationIdByKey(db: Db, actor: string, key: string): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(
    `SELECT id FROM haproxy_operations WHERE actor = $1 AND idempotency_key = $2`,
    [actor, key]
  );
  return row?.id;
}

/** The open job holding any of these servers (the first of them it holds), for a 409 that names it. */
export async function holdingOperation(
  db: Db,
  serverIds: readonly number[]
): Promise<{ operation_id: string; state: OperationState; server_ids: number[]; server_names: string[] } | undefined> {
  const [row] = await db.query<{
    operation_id: string;
    state: OperationState;
    server_ids: number[];
    server_names: string[];
  }>(
    `SELECT os.operation_id, o.state, array_agg(os.server_id ORDER BY os.position) AS server_ids,
            array_agg(os.server_name ORDER BY os.position) AS server_names
       FROM haproxy_operation_servers os JOIN haproxy_operations o ON o.id = os.operation_id
      WHERE os.server_id = ANY($1::int[]) AND os.state IN ('pending','waiting','draining','maint','ramping')
      GROUP BY os.operation_id, o.state, o.created_at ORDER BY o.created_at LIMIT 1`,
    [serverIds]
  );
  return row;
}

/**
 * Of these servers, those the last drain job on each found already in maint (`note`: so it did not take them out)
 * and still in maint by the desired state of before that job: by server id, that job's id.
 */
export async function inMaintBeforeDrain(
  db: Db,
  serverIds: readonly number[],
  note: string
): Promise<Map<number, string>> {
  const rows = await db.query<{ server_id: number; operation_id: string }>(
    `SELECT l.server_id, l.operation_id
       FROM (SELECT DISTINCT ON (os.server_id) os.server_id, os.operation_id, os.note, o.created_at
               FROM haproxy_operation_servers os JOIN haproxy_operations o ON o.id = os.operation_id
              WHERE os.server_id = ANY($1::int[]) AND o.action = 'drain'
              ORDER BY os.server_id, o.created_at DESC, o.id) l
       JOIN haproxy_servers s ON s.id = l.server_id
       LEFT JOIN haproxy_server_desired d ON d.server_id = l.server_id
      WHERE l.note = $2 AND s.admin_state = 'maint' AND (d.set_at IS NULL OR d.set_at <= l.created_at)`,
    [serverIds, note]
  );
  return new Map(rows.map((r) => [r.server_id, r.operation_id]));
}

const SERVER_COLUMNS = `os.position, os.server_id, os.server_name, os.backend_name, os.instance_name, os.state,
  os.sessions, os.weight, os.step, os.since, os.error, os.note, os.waiting_since, os.deadline_at, os.next_step_at,
  os.failing_since, os.ramp_base_weight, s.admin_state, s.maint_source, d.admin_state AS desired_admin_state, d.actor AS desired_actor,
  d.set_at AS desired_set_at`;

export async function getOperation(db: Db, id: string): Promise<OperationRow | undefined> {
  const [row] = await db.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM haproxy_operations o WHERE o.id = $1`, [
    id,
  ]);
  return row;
}

/** Servers of these jobs in their order, by job id. */
export async function operationServers(db: Db, ids: readonly string[]): Promise<Map<string, OperationServer[]>> {
  const rows = await db.query<OperationServer & { operation_id: string }>(
    `SELECT os.operation_id, ${SERVER_COLUMNS}
       FROM haproxy_operation_servers os LEFT JOIN haproxy_servers s ON s.id = os.server_id
       LEFT JOIN haproxy_server_desired d ON d.server_id = os.server_id
      WHERE os.operation_id = ANY($1::uuid[]) ORDER BY os.operation_id, os.position`,
    [ids]
  );
  const byId = new Map<string, OperationServer[]>(ids.map((id) => [id, []]));
  for (const { operation_id, ...server } of rows) {
    byId.get(operation_id)!.push(server);
  }
  return byId;
}

/** Jobs, newest first, a page at a time, with the total that matches. */
export async function listOperations(
  db: Db,
  f: { state?: OperationState },
  page: Page
): Promise<{ operations: OperationRow[]; total: number }> {
  const { sql, params } = buildWhere([['o.state = ?', f.state]]);
  const { rows, total } = await pageOf<OperationRow>(
    db,
    {
      columns: OPERATION_COLUMNS,
      from: 'haproxy_operations o',
      where: sql,
      params,
      orderBy: 'o.created_at DESC, o.id',
    },
    page
  );
  return { operations: rows, total };
}

/**
 * Takes up to `limit` jobs no live replica holds (never held, or their lease ran out): open ones to run, and
 * finished ones whose callback is still to be sent. One statement, so two replicas never take the same job.
 */
export async function claimOperations(db: Db, owner: string, leaseMs: number, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `UPDATE haproxy_operations o SET lease_owner = $1, lease_until = clock_timestamp() + $2 * interval '1 millisecond'
      WHERE o.id IN (
        SELECT id FROM haproxy_operations
         WHERE (state IN ('queued','running') OR callback_state = 'pending')
           AND (lease_until IS NULL OR lease_until < clock_timestamp())
         ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING o.id`,
    [owner, leaseMs, limit]
  );
  return rows.map((r) => r.id);
}

/** The heartbeat: renews this replica's leases; answers the jobs it still holds (one it lost is no longer its). */
export async function renewLeases(
  db: Db,
  owner: string,
  ids: readonly string[],
  leaseMs: number
): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>(
    `UPDATE haproxy_operations SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
      WHERE id = ANY($2::uuid[]) AND lease_owner = $1 RETURNING id`,
    [owner, ids, leaseMs]
  );
  return new Set(rows.map((r) => r.id));
}

/** Lets another replica take the job at once (this one stops). */
export async function releaseLease(db: Db, owner: string, id: string): Promise<void> {
  await db.execute(`UPDATE haproxy_operations SET lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [id, owner]);
}

/**
 * Runs `work` while the job is open and held by `owner` (its row share-locked, so a cancel waits for the write
 * and the write never lands after a cancel); false, without running it, when it is not.
 */
export function whileHeld(db: Db, id: string, owner: string, work: (tx: Db) => Promise<void>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `SELECT 1 FROM haproxy_operations
        WHERE id = $1 AND lease_owner = $2 AND state IN ('queued','running') FOR SHARE`,
      [id, owner]
    );
    if (!row) {
      return false;
    }
    await work(tx);
    return true;
  });
}

/**
 * What a step's commands did to a server whose job was cancelled while they ran: its cancel note (written from
 * the state before them, e.g. "cancelled before it started") replaced by what HAProxy was sent and answered.
 */
export async function noteCancelledServer(db: Db, id: string, position: number, note: string): Promise<void> {
  await db.execute(
    `UPDATE haproxy_operation_servers os SET note = $3
      FROM haproxy_operations o
     WHERE o.id = $1 AND o.state = 'cancelled' AND os.operation_id = o.id AND os.position = $2
       AND os.state = 'cancelled'`,
    [id, position, note]
  );
}

export async function markRunning(tx: Db, id: string): Promise<void> {
  await tx.execute(
    `UPDATE haproxy_operations SET state = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = $1 AND state = 'queued'`,
    [id]
  );
}

const PATCH_COLUMNS = [
  ['state', 'text'],
  ['sessions', 'int'],
  ['weight', 'int'],
  ['step', 'int'],
  ['error', 'text'],
  ['note', 'text'],
  ['waiting_since', 'timestamptz'],
  ['deadline_at', 'timestamptz'],
  ['next_step_at', 'timestamptz'],
  ['failing_since', 'timestamptz'],
  ['ramp_base_weight', 'int'],
] as const;

/** Server rows changed by a step: the fields a patch names, `since` when the state changed. */
export async function patchOperationServers(
  tx: Db,
  id: string,
  patches: ReadonlyArray<{ position: number; patch: ServerPatch }>
): Promise<void> {
  if (patches.length === 0) {
    return;
  }
  const params: unknown[] = [id, patches.map((p) => p.position)];
  const sets: string[] = [];
  const arrays: string[] = ['$2::int[]'];
  const names = ['position'];
  for (const [column, type] of PATCH_COLUMNS) {
    params.push(patches.map((p) => column in p.patch));
    params.push(patches.map((p) => (p.patch[column] === undefined ? null : p.patch[column])));
    arrays.push(`$${params.length - 1}::boolean[]`, `$${params.length}::${type}[]`);
    names.push(`set_${column}`, `v_${column}`);
    sets.push(`${column} = CASE WHEN t.set_${column} THEN t.v_${column} ELSE os.${column} END`);
  }
  await tx.execute(
    `UPDATE haproxy_operation_servers os SET ${sets.join(', ')},
            since = CASE WHEN t.set_state AND t.v_state IS DISTINCT FROM os.state THEN now() ELSE os.since END
       FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})
      WHERE os.operation_id = $1 AND os.position = t.position`,
    params
  );
}

/** A job whose servers are all final: its state, error, and its callback to send (when it has one). */
export async function finishOperation(tx: Db, id: string, state: OperationState, error: string | null): Promise<void> {
  await tx.execute(
    `UPDATE haproxy_operations SET state = $2, error = $3, finished_at = now(), updated_at = now(),
            callback_state = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END
      WHERE id = $1`,
    [id, state, error]
  );
}

/** Locks an open job for its cancel; undefined when it does not exist. */
export async function lockOperation(tx: Db, id: string): Promise<OperationRow | undefined> {
  const [row] = await tx.query<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM haproxy_operations o WHERE o.id = $1 FOR UPDATE`,
    [id]
  );
  return row;
}

/** Every unfinished server of a job cancelled, each with what it was left as; the job cancelled. */
export async function cancelOperation(
  tx: Db,
  id: string,
  notes: ReadonlyArray<{ position: number; note: string }>,
  actor: string
): Promise<void> {
  await patchOperationServers(
    tx,
    id,
    notes.map((n) => ({ position: n.position, patch: { state: 'cancelled' as OperationServerState, note: n.note } }))
  );
  await finishOperation(tx, id, 'cancelled', `cancelled by ${actor}`);
}

export async function recordCallback(
  db: Db,
  id: string,
  state: 'sent' | 'failed',
  error: string | null
): Promise<void> {
  await db.execute(
    `UPDATE haproxy_operations SET callback_state = $2, callback_error = $3, updated_at = now() WHERE id = $1`,
    [id, state, error]
  );
}

/** Jobs per state, for /metrics. */
export async function operationCounts(db: Db): Promise<Map<OperationState, number>> {
  const rows = await db.query<{ state: OperationState; n: number }>(
    `SELECT state, count(*)::int AS n FROM haproxy_operations GROUP BY state`
  );
  return new Map(rows.map((r) => [r.state, r.n]));
}

/**
 * Servers past their drain deadline with sessions left: still draining in a running job (its policy not applied
 * yet: the agent cannot be reached, no replica runs the job), or left drained by `on_deadline: fail` and still
 * drained, with no job on them since.
 */
export const PAST_DEADLINE_WHERE = `((os.state = 'draining' AND o.state = 'running')
     OR (os.state = 'failed' AND os.sessions > 0 AND s.admin_state = 'drain'
         AND NOT EXISTS (SELECT 1 FROM haproxy_operation_servers n
                          WHERE n.server_id = os.server_id AND n.state IN ('pending','waiting','draining','maint','ramping'))))
   AND os.deadline_at < now()`;

/** For /metrics: like the Grafana rule, never a removed server or backend, nor an inactive instance or host. */
export async function serversPastDeadline(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT os.server_id)::int AS n
       FROM haproxy_operation_servers os
       JOIN haproxy_operations o ON o.id = os.operation_id
       JOIN haproxy_servers s ON s.id = os.server_id
       JOIN haproxy_backends b ON b.id = s.backend_id
       JOIN haproxy_instances i ON i.id = b.instance_id
       JOIN hosts h ON h.id = i.host_id
      WHERE ${PAST_DEADLINE_WHERE}
        AND s.removed_at IS NULL AND b.removed_at IS NULL AND i.is_active AND h.is_active`
  );
  return row.n;
}
