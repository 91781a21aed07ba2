import type { ActionResult, ActionSource, AuditedCommand } from '../domain/actions';
import { notFound } from '../domain/errors';
import { compileMatcher, Scope, ScopeKey } from '../domain/scope';
import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { givenOrDatabaseNow } from './clock';
import { buildWhere, matchSql, Page, pageOf, param } from './sql';

/** What an audit row (haproxy_actions) says of one command attempt before its outcome is known. */
export interface ActionStart {
  serverId: number | null;
  instanceId: number | null;
  instanceName: string;
  backendName: string;
  serverName: string;
  command: AuditedCommand;
  actor: string;
  source: ActionSource;
  operationId?: string | null;
  statusBefore?: ServerStatus | null;
  /** The caller's reason (<= 500 characters) and a maintenance window's end. */
  reason?: string | null;
  until?: Date | null;
  /** The database's time when not given: the sweeper and the log's order go by it, not by a replica's clock. */
  startedAt?: Date;
  /** It went past a disruption budget (force, or a re-apply of an earlier intent). */
  forced?: boolean;
}

/** How an attempt ended; `success` (the seed's field) is `result === 'success'`. */
export interface ActionOutcome {
  result: Exclude<ActionResult, 'pending'>;
  error?: string | null;
  /** What HAProxy said when the agent's answer could not (a timeout), or how a removal was confirmed. */
  note?: string | null;
  statusAfter?: ServerStatus | null;
  durationMs: number;
}

/** One attempt whose outcome is known at once (refused before the agent was called, a confirmation). */
export type ActionRecord = ActionStart & ActionOutcome;

export interface ActionRow {
  id: number;
  server_id: number | null;
  instance_id: number | null;
  instance_name: string;
  backend_name: string;
  server_name: string;
  command: AuditedCommand;
  actor: string;
  source: ActionSource;
  operation_id: string | null;
  success: boolean;
  result: ActionResult;
  error: string | null;
  note: string | null;
  status_before: ServerStatus | null;
  status_after: ServerStatus | null;
  reason: string | null;
  until: Date | null;
  started_at: Date;
  completed_at: Date | null;
  duration_ms: number;
  forced: boolean;
}

const COLUMNS = `a.id, a.server_id, a.instance_id, a.instance_name, a.backend_name, a.server_name, a.command, a.actor,
  a.source, a.operation_id, a.success, a.result, a.error, a.note, a.status_before, a.status_after, a.reason, a.until,
  a.started_at, a.completed_at, a.duration_ms, a.forced`;

const INSERT = `INSERT INTO haproxy_actions AS a (server_id, instance_id, instance_name, backend_name, server_name, command,
  actor, source, operation_id, status_before, reason, until, started_at, forced, result, success, error, note,
  status_after, duration_ms, completed_at)`;

const startValues = (a: ActionStart) => [
  a.serverId,
  a.instanceId,
  a.instanceName,
  a.backendName,
  a.serverName,
  a.command,
  a.actor,
  a.source,
  a.operationId ?? null,
  a.statusBefore ?? null,
  a.reason ?? null,
  a.until ?? null,
  a.startedAt ?? null,
  a.forced ?? false,
];

/** An attempt whose outcome is already known, in one row. */
export async function recordAction(db: Db, a: ActionRecord): Promise<ActionRow> {
  const [row] = await db.query<ActionRow>(
    `${INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${givenOrDatabaseNow('$13')}, $14, $15,
                       $15 = 'success', $16, $17, $18, $19, clock_timestamp())
     RETURNING ${COLUMNS}`,
    [...startValues(a), a.result, a.error ?? null, a.note ?? null, a.statusAfter ?? null, a.durationMs]
  );
  return row;
}

/**
 * The audit row of a command about to be sent, `pending` until completeAction. It waits for (and then holds
 * until its transaction ends) a share lock on the instance's row, which a sync's write takes exclusively:
 * a sync that checks for commands newer than its answer sees this one (sync-store.ts readSyncBaseline,
 * `fenced`).
 */
export async function startAction(db: Db, a: ActionStart): Promise<ActionRow> {
  const [row] = await db.query<ActionRow>(
    `WITH i AS (SELECT id FROM haproxy_instances WHERE id = $2 FOR SHARE)
     ${INSERT} SELECT $1::int, i.id, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::uuid, $10::text,
                      $11::text, $12::timestamptz, ${givenOrDatabaseNow('$13')}, $14::boolean,
                      'pending', false, NULL::text,
                      NULL::text, NULL::text, 0, NULL::timestamptz FROM i
     RETURNING ${COLUMNS}`,
    startValues(a)
  );
  if (!row) {
    throw notFound(`instance ${a.instanceId}`);
  }
  return row;
}

/**
 * A pending row's outcome, by the command that wrote it (which is the only one to complete it): also over a
 * sweeper's `unknown`, since what the command learnt is better than not knowing.
 */
export async function completeAction(db: Db, actionId: number, o: ActionOutcome): Promise<ActionRow> {
  const [row] = await db.query<ActionRow>(
    `UPDATE haproxy_actions a SET result = $2, success = $2 = 'success', error = $3, note = $4, status_after = $5,
            duration_ms = $6, completed_at = clock_timestamp()
      WHERE a.id = $1
      RETURNING ${COLUMNS}`,
    [actionId, o.result, o.error ?? null, o.note ?? null, o.statusAfter ?? null, o.durationMs]
  );
  return row;
}

/** Adds why to an audit row written by the pipeline (e.g. the maintenance window it closed). */
export async function noteAction(db: Db, actionId: number, note: string): Promise<void> {
  await db.execute(
    `UPDATE haproxy_actions SET note = CASE WHEN note IS NULL THEN $2 ELSE note || '; ' || $2 END WHERE id = $1`,
    [actionId, note]
  );
}

/**
 * Pending rows older than `staleAfterMs` (by the database's clock, or a test's `now`) become `unknown` with
 * `note`; returns how many. A row whose server's command claim is still live is left alone whatever its age:
 * its command may still run, on a replica whose deadline (the claim's lease) or clock differs from this one's.
 */
export function sweepPendingActions(db: Db, staleAfterMs: number, note: string, now?: Date): Promise<number> {
  return db.execute(
    `UPDATE haproxy_actions a SET result = 'unknown', note = $2, completed_at = clock_timestamp()
      WHERE a.result = 'pending'
        AND a.started_at < ${givenOrDatabaseNow('$3')} - $1 * interval '1 millisecond'
        AND NOT EXISTS (SELECT 1 FROM haproxy_servers s
                         WHERE s.id = a.server_id
                           AND s.command_claim_until > ${givenOrDatabaseNow('$3')})`,
    [staleAfterMs, note, now ?? null]
  );
}

export interface ActionFilter {
  serverId?: number;
  instanceId?: number;
  actor?: string;
  command?: AuditedCommand;
  source?: ActionSource;
  success?: boolean;
  result?: ActionResult;
  operationId?: string;
  since?: Date;
  until?: Date;
}

function actionWhere(f: ActionFilter) {
  return buildWhere([
    ['a.server_id = ?', f.serverId],
    ['a.instance_id = ?', f.instanceId],
    ['a.actor = ?', f.actor],
    ['a.command = ?', f.command],
    ['a.source = ?', f.source],
    ['a.success = ?', f.success],
    ['a.result = ?', f.result],
    ['a.operation_id = ?', f.operationId],
    ['a.started_at >= ?', f.since],
    ['a.started_at < ?', f.until],
  ]);
}

/** The audit log, newest first, a page at a time, with the total that matches. */
export async function listActions(
  db: Db,
  f: ActionFilter,
  page: Page
): Promise<{ actions: ActionRow[]; total: number }> {
  const { sql, params } = actionWhere(f);
  const { rows, total } = await pageOf<ActionRow>(
    db,
    { columns: COLUMNS, from: 'haproxy_actions a', where: sql, params, orderBy: 'a.started_at DESC, a.id DESC' },
    page
  );
  return { actions: rows, total };
}

/**
 * Every audit row matching `f`, in the order they were recorded (by id: exact, where two commands can start in
 * the same millisecond), `batch` rows per read: an export of any size in bounded memory.
 */
export async function* actionsInOrder(db: Db, f: ActionFilter, batch = 1000): AsyncGenerator<ActionRow[]> {
  let after = 0;
  for (;;) {
    const { sql, params } = actionWhere(f);
    const rows = await db.query<ActionRow>(
      `SELECT ${COLUMNS} FROM haproxy_actions a
        WHERE ${sql} AND a.id > ${param(params, after)} ORDER BY a.id LIMIT ${param(params, batch)}`,
      params
    );
    if (rows.length > 0) {
      yield rows;
    }
    if (rows.length < batch) {
      return;
    }
    after = rows[rows.length - 1].id;
  }
}

/**
 * The audit log's names as they were when the command ran (a backend's and a server's never change), but an
 * instance's as it is named now while it exists: renamed, it keeps its commands, and another one given its old
 * name does not take them. Backend and application through the server.
 */
const SCOPE_COLUMNS: Record<ScopeKey, [id: string, name: string]> = {
  instance: ['a.instance_id', 'coalesce(i.name, a.instance_name)'],
  backend: ['s.backend_id', 'a.backend_name'],
  server: ['a.server_id', 'a.server_name'],
  application: ['ap.id', 'ap.name'],
};

/** Commands on a history scope's servers started in [from, to): the newest `limit`, oldest first. */
export async function actionsInScope(db: Db, scope: Scope, from: Date, to: Date, limit: number): Promise<ActionRow[]> {
  const params: unknown[] = [from, to];
  const where = ['a.started_at >= $1', 'a.started_at < $2'];
  for (const key of Object.keys(SCOPE_COLUMNS) as ScopeKey[]) {
    const m = compileMatcher(scope[key]);
    if (m) {
      where.push(matchSql(m, SCOPE_COLUMNS[key][0], SCOPE_COLUMNS[key][1], params));
    }
  }
  return db.query<ActionRow>(
    `SELECT * FROM (
       SELECT ${COLUMNS}
         FROM haproxy_actions a
         LEFT JOIN haproxy_instances i ON i.id = a.instance_id
         LEFT JOIN haproxy_servers s ON s.id = a.server_id
         LEFT JOIN applications ap ON ap.id = s.application_id
        WHERE ${where.join(' AND ')}
        ORDER BY a.started_at DESC, a.id DESC LIMIT ${param(params, limit)}) x
     ORDER BY started_at, id`,
    params
  );
}
