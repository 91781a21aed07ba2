import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { mapLimited } from '../concurrency/limiter';
import type { Command } from '../domain/status';
import type { ActionSource } from './audit';
import type { ServerCommands } from './server-command';

export interface BulkSelection {
  serverIds?: number[];
  backendId?: number;
  applicationId?: number;
}

export interface BulkResult {
  operationId: string;
  results: Array<{ serverId: number; ok: boolean; actionId: number; error?: string }>;
}

/**
 * One command on many servers (seed problem 4), e.g. an orchestrator draining an application's servers.
 * Every server's attempt is audited under one operation id; one failure does not stop the others.
 */
export class BulkCommands {
  constructor(
    private readonly ds: DataSource,
    private readonly commands: ServerCommands
  ) {}

  async resolve(sel: BulkSelection): Promise<number[]> {
    const rows: Array<{ id: number }> = await this.ds.query(
      `SELECT s.id FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
        WHERE s.removed_at IS NULL AND b.removed_at IS NULL
          AND ($1::int[] IS NULL OR s.id = ANY($1::int[]))
          AND ($2::int IS NULL OR s.backend_id = $2)
          AND ($3::int IS NULL OR s.application_id = $3)
        ORDER BY s.id`,
      [sel.serverIds ?? null, sel.backendId ?? null, sel.applicationId ?? null]
    );
    return rows.map((r) => r.id);
  }

  async execute(
    serverIds: number[],
    command: Command,
    ctx: { actor: string; source: ActionSource; concurrency: number }
  ): Promise<BulkResult> {
    const operationId = randomUUID();
    const results = await mapLimited(serverIds, ctx.concurrency, async (serverId) => {
      const r = await this.commands.execute(serverId, command, { actor: ctx.actor, source: ctx.source, operationId });
      return { serverId, ok: r.ok, actionId: Number(r.action.id), ...(r.error ? { error: r.error.message } : {}) };
    });
    return { operationId, results };
  }
}
