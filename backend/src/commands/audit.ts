import type { QueryRunner, DataSource } from 'typeorm';
import type { Command, ServerStatus } from '../domain/status';

export const ACTION_SOURCES = ['ui', 'api', 'orchestrator', 'bulk'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

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

export const ACTION_COLUMNS = `a.id, a.server_id, a.instance_id, a.instance_name, a.backend_name, a.server_name, a.command, a.actor,
  a.source, a.operation_id, a.success, a.error, a.status_before, a.status_after, a.started_at, a.duration_ms`;

/** Writes one row of haproxy_actions: every command attempt, success or not. */
export async function recordAction(db: DataSource | QueryRunner, a: ActionRecord): Promise<Record<string, unknown>> {
  const rows = await db.query(
    `INSERT INTO haproxy_actions AS a (server_id, instance_id, instance_name, backend_name, server_name, command, actor, source,
                                  operation_id, success, error, status_before, status_after, started_at, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     RETURNING ${ACTION_COLUMNS}`,
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
  return rows[0];
}
