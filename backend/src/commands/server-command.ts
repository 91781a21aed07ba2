import type { ActionSource } from '../domain/actions';
import { conflict, notFound } from '../domain/errors';
import { Command, normaliseStatus, STATUS_AFTER_COMMAND } from '../domain/status';
import type { FagentClient, FagentTarget } from '../fagent/client';
import type { Logger } from '../logger';
import { ActionRow, recordAction } from '../store/actions';
import type { Db } from '../db/db';
import { recordStatusChanges } from '../store/server-state';
import { serverTargets } from '../store/servers';

export interface CommandContext {
  actor: string;
  source: ActionSource;
  operationId?: string;
}

export interface CommandResult {
  action: ActionRow;
  ok: boolean;
  /** Set when the command failed: the error to report (its attempt is already audited). */
  error?: Error;
}

/** drain / ready / maint on one server: FAgent through the breaker, audited, stored status updated on success. */
export class ServerCommands {
  constructor(
    private readonly db: Db,
    private readonly client: FagentClient,
    private readonly log: Logger,
    /** Told every audited outcome (metrics); not called when the server does not exist. */
    private readonly onResult?: (command: Command, result: CommandResult) => void
  ) {}

  async execute(serverId: number, command: Command, ctx: CommandContext): Promise<CommandResult> {
    const result = await this.run(serverId, command, ctx);
    this.onResult?.(command, result);
    return result;
  }

  private async run(serverId: number, command: Command, ctx: CommandContext): Promise<CommandResult> {
    const [t] = await serverTargets(this.db, [serverId]);
    if (!t) {
      throw notFound(`server ${serverId}`);
    }
    const startedAt = new Date();
    const base = {
      serverId: t.server_id,
      instanceId: t.instance_id,
      instanceName: t.instance_name,
      backendName: t.backend_name,
      serverName: t.server_name,
      command,
      actor: ctx.actor,
      source: ctx.source,
      operationId: ctx.operationId,
      statusBefore: t.status,
      startedAt,
    };
    const log = this.log.child({
      instance: t.instance_name,
      backend: t.backend_name,
      server: t.server_name,
      command,
      actor: ctx.actor,
    });

    if (t.server_removed || t.backend_removed) {
      const error = conflict(
        `server ${t.server_name} of backend ${t.backend_name} is no longer in HAProxy's configuration`
      );
      const action = await recordAction(this.db, { ...base, success: false, error: error.message, durationMs: 0 });
      return { action, ok: false, error };
    }

    const target = {
      instanceId: t.instance_id,
      instanceName: t.instance_name,
      baseUrl: t.fagent_url,
      token: t.fagent_token,
    };
    try {
      await this.client.command(target, t.backend_name, t.server_name, command);
    } catch (err) {
      const durationMs = Date.now() - startedAt.getTime();
      const action = await recordAction(this.db, {
        ...base,
        success: false,
        error: (err as Error).message,
        durationMs,
      });
      log.warn({ err: (err as Error).message, duration_ms: durationMs }, 'command failed');
      return { action, ok: false, error: err as Error };
    }

    const durationMs = Date.now() - startedAt.getTime();
    const { status: after, raw } = await this.statusAfter(target, t.backend_name, t.server_name, command);
    const action = await this.db.transaction(async (tx) => {
      if (after !== t.status) {
        await recordStatusChanges(
          tx,
          [{ serverId: t.server_id, from: t.status, to: after, raw, cause: 'command' }],
          new Date()
        );
      }
      return recordAction(tx, { ...base, success: true, statusAfter: after, durationMs });
    });
    log.info({ duration_ms: durationMs }, 'command done');
    return { action, ok: true };
  }

  /**
   * What HAProxy reports right after the command: a drained server whose checks fail stays DOWN, and
   * `ready` on a failing server gives DOWN, not UP. Only if that read fails do we assume the usual outcome
   * (the next sync corrects it).
   */
  private async statusAfter(target: FagentTarget, backend: string, server: string, command: Command) {
    try {
      const found = (await this.client.getServers(target, backend, { fresh: true })).find((s) => s.name === server);
      if (found) {
        return { status: normaliseStatus(found.status), raw: found.status };
      }
    } catch {
      /* fall through to the expected status */
    }
    return { status: STATUS_AFTER_COMMAND[command], raw: STATUS_AFTER_COMMAND[command] as string };
  }
}
