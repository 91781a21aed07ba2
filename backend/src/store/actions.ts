import type { ActionSource } from '../domain/actions';
import { compileMatcher, Scope, ScopeKey } from '../domain/scope';
import type { Command, ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { buildWhere, matchSql, Page, pageOf, param } from './sql';

/** One command attempt, success or not, as the audit log (haproxy_actions) keeps it. */
export interface ActionRecord {
  serverId: number | null;
  instanceId: number | null;
  instanceName: string;
  backendName: string;
  serverName: string;
  command: Command;
  actor: string;
  source: ActionSource;
  operationId?: string | null;
  success: boolean;
  error?: string | null;
  statusBefore?: ServerStatus | null;
  statusAfter?: ServerStatus | null;
  startedAt: Date;
  durationMs: number;
}

export interface ActionRow {
  id: number;
  server_id: number | null;
  instance_id: number | null;
  instance_name: string;
  backend_name: string;
  server_name: string;
  command: Command;
  actor: string;
  source: ActionSource;
  operation_id: string | null;
  success: boolean;
  error: string | null;
  status_before: ServerStatus | null;
  status_after: ServerStatus | null;
  started_at: Date;
  duration_ms: number;
}

const COLUMNS = `a.id, a.server_id, a.instance_id, a.instance_name, a.backend_name, a.server_name, a.command, a.actor,
  a.source, a.operation_id, a.success, a.error, a.status_before, a.status_after, a.started_at, a.duration_ms`;

export async function recordAction(db: Db, a: ActionRecord): Promise<ActionRow> {
  const [row] = await db.query<ActionRow>(
    `INSERT INTO haproxy_actions AS a (server_id, instance_id, instance_name, backend_name, server_name, command, actor, source,
                                  operation_id, success, error, status_before, status_after, started_at, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     RETURNING ${COLUMNS}`,
    [
      a.serverId,
      a.instanceId,
      a.instanceName,
      a.backendName,
      a.serverName,
      a.command,
      a.actor,
      a.source,
      a.operationId ?? null,
      a.success,
      a.error ?? null,
      a.statusBefore ?? null,
      a.statusAfter ?? null,
      a.startedAt,
      a.durationMs,
    ]
  );
  return row;
}

export interface ActionFilter {
  serverId?: number;
  instanceId?: number;
  actor?: string;
  command?: Command;
  source?: ActionSource;
  success?: boolean;
  operationId?: string;
  since?: Date;
  until?: Date;
}

/** The audit log, newest first, a page at a time, with the total that matches. */
export async function listActions(
  db: Db,
  f: ActionFilter,
  page: Page
): Promise<{ actions: ActionRow[]; total: number }> {
  const { sql, params } = buildWhere([
    ['a.server_id = ?', f.serverId],
    ['a.instance_id = ?', f.instanceId],
    ['a.actor = ?', f.actor],
    ['a.command = ?', f.command],
    ['a.source = ?', f.source],
    ['a.success = ?', f.success],
    ['a.operation_id = ?', f.operationId],
    ['a.started_at >= ?', f.since],
    ['a.started_at < ?', f.until],
  ]);
  const { rows, total } = await pageOf<ActionRow>(
    db,
    { columns: COLUMNS, from: 'haproxy_actions a', where: sql, params, orderBy: 'a.started_at DESC, a.id DESC' },
    page
  );
  return { actions: rows, total };
}

/** The audit log's names as they were when the command ran; backend and application through the server. */
const SCOPE_COLUMNS: Record<ScopeKey, [id: string, name: string]> = {
  instance: ['a.instance_id', 'a.instance_name'],
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
         LEFT JOIN haproxy_servers s ON s.id = a.server_id
         LEFT JOIN applications ap ON ap.id = s.application_id
        WHERE ${where.join(' AND ')}
        ORDER BY a.started_at DESC, a.id DESC LIMIT ${param(params, limit)}) x
     ORDER BY started_at, id`,
    params
  );
}
