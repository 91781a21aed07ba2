import type { ActionSource } from '../domain/actions';
import { AppError, conflict, databaseUnavailable, notFound } from '../domain/errors';
import type { Command } from '../domain/status';
import type { Db } from '../db/db';
import { databaseErrorMessage, isDatabaseUnavailable } from '../db/unavailable';
import type { FagentClient, FagentTarget } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import type { Logger } from '../logger';
import { ActionRow, ActionStart, completeAction, recordAction, startAction } from '../store/actions';
import { lockServerStatus, recordStatusChanges } from '../store/server-state';
import { serverTargets, ServerTarget } from '../store/servers';
import { AgentAttempt, CommandOutcome, commandOutcome, isUncertain, ReadBack } from './command-outcome';

export interface CommandContext {
  actor: string;
  source: ActionSource;
  operationId?: string;
}

export interface CommandResult {
  action: ActionRow;
  ok: boolean;
  /** Set when the command did not succeed: the error to report (its attempt is already audited). */
  error?: Error;
}

/**
 * A check between resolving the server and calling the agent (e.g. a disruption budget): a refusal is
 * audited as a failure and answered with its error; the agent is not called.
 */
export type CommandGuard = (
  target: ServerTarget,
  command: Command,
  ctx: CommandContext
) => Promise<AppError | undefined> | AppError | undefined;

export interface ServerCommandsOptions {
  /** The agent's part of one command, its call and the read back together (HAPROXY_SYNC_DEADLINE). */
  deadlineMs: number;
  /** Checks after the built-in one (the server is still in HAProxy), in order. */
  guards?: CommandGuard[];
  /** Tries at recording the outcome when the database fails; after the last the row stays pending. */
  completionAttempts?: number;
  completionRetryMs?: number;
  /** Told every audited outcome (metrics); not called when the server does not exist. */
  onResult?: (command: Command, result: CommandResult) => void;
}

/** A server gone from HAProxy's configuration (as the last sync saw it) takes no command. */
const stillInHaproxy: CommandGuard = (t) =>
  t.server_removed || t.backend_removed
    ? conflict(`server ${t.server_name} of backend ${t.backend_name} is no longer in HAProxy's configuration`)
    : undefined;

/**
 * The one way a command reaches an agent (single, bulk, and what comes later: jobs, reconcile, window ends):
 * resolve the target -> guards -> a `pending` audit row -> the agent, within a deadline -> HAProxy's state
 * read back (fresh) when the answer did not say -> the audit row completed with the result and, on success,
 * the status change, in one transaction. The audit row exists before the agent is called, so a command is
 * never applied unaudited; if its completion cannot be written it stays `pending` and the sweeper
 * (pending-sweeper.ts) marks it `unknown`.
 */
export class ServerCommands {
  private readonly guards: CommandGuard[];

  constructor(
    private readonly db: Db,
    private readonly client: FagentClient,
    private readonly log: Logger,
    private readonly opts: ServerCommandsOptions
  ) {
    this.guards = [stillInHaproxy, ...(opts.guards ?? [])];
  }

  async execute(serverId: number, command: Command, ctx: CommandContext): Promise<CommandResult> {
    const [t] = await serverTargets(this.db, [serverId]);
    if (!t) {
      throw notFound(`server ${serverId}`);
    }
    const result = await this.run(t, command, ctx);
    this.opts.onResult?.(command, result);
    return result;
  }

  private async run(t: ServerTarget, command: Command, ctx: CommandContext): Promise<CommandResult> {
    const started: ActionStart = {
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
      startedAt: new Date(),
    };
    const log = this.log.child({
      instance: t.instance_name,
      backend: t.backend_name,
      server: t.server_name,
      command,
      actor: ctx.actor,
    });

    for (const guard of this.guards) {
      const refusal = await guard(t, command, ctx);
      if (refusal) {
        const action = await recordAction(this.db, {
          ...started,
          result: 'failure',
          error: refusal.message,
          durationMs: 0,
        });
        return { action, ok: false, error: refusal };
      }
    }

    let pending: ActionRow;
    try {
      pending = await startAction(this.db, started);
    } catch (err) {
      throw isDatabaseUnavailable(err)
        ? databaseUnavailable(`${command} was not sent: its audit row could not be written (database unavailable)`)
        : err;
    }

    const target: FagentTarget = {
      instanceId: t.instance_id,
      instanceName: t.instance_name,
      baseUrl: t.fagent_url,
      token: t.fagent_token,
    };
    const signal = AbortSignal.timeout(this.opts.deadlineMs);
    const attempt = await this.callAgent(target, t, command, signal);
    const read = attempt.ok || attempt.uncertain ? await this.readBack(target, t, signal) : undefined;
    const outcome = commandOutcome(command, attempt, read);
    const durationMs = Date.now() - started.startedAt.getTime();
    const action = await this.complete(pending, t, outcome, durationMs, log);
    if (action instanceof AppError) {
      return { action: pending, ok: false, error: action };
    }
    if (outcome.result === 'success') {
      log.info({ duration_ms: durationMs, note: outcome.note ?? undefined }, 'command done');
      return { action, ok: true };
    }
    log.warn(
      { err: outcome.error?.message, result: outcome.result, note: outcome.note, duration_ms: durationMs },
      'command failed'
    );
    return { action, ok: false, error: reported(outcome) };
  }

  private async callAgent(target: FagentTarget, t: ServerTarget, command: Command, signal: AbortSignal) {
    try {
      await this.client.command(target, t.backend_name, t.server_name, command, { signal });
      return { ok: true } as AgentAttempt;
    } catch (err) {
      return { ok: false, error: err as Error, uncertain: isUncertain(err as Error) } as AgentAttempt;
    }
  }

  /** What HAProxy reports of the server now: a drained server whose checks fail stays DOWN, for one. */
  private async readBack(target: FagentTarget, t: ServerTarget, signal: AbortSignal): Promise<ReadBack> {
    try {
      const servers = await this.client.getServers(target, t.backend_name, { fresh: true, signal });
      const server = servers.find((s) => s.name === t.server_name);
      return server ? { server } : { missing: true };
    } catch (err) {
      return { error: err as Error };
    }
  }

  /**
   * The audit row's outcome and, on success, the server's status and its history row, in one transaction;
   * retried when the database fails (HAProxy has already changed: the record must follow if it can). When
   * it cannot, the error to answer (the row stays pending).
   */
  private async complete(
    pending: ActionRow,
    t: ServerTarget,
    o: CommandOutcome,
    durationMs: number,
    log: Logger
  ): Promise<ActionRow | AppError> {
    const attempts = this.opts.completionAttempts ?? 3;
    for (let n = 1; ; n++) {
      try {
        return await this.db.transaction(async (tx) => {
          const row = await completeAction(tx, pending.id, {
            result: o.result,
            error: o.error?.message ?? null,
            note: o.note,
            statusAfter: o.statusAfter,
            durationMs,
          });
          if (o.result === 'success' && o.statusAfter) {
            const from = await lockServerStatus(tx, t.server_id);
            if (from !== undefined && from !== o.statusAfter) {
              await recordStatusChanges(
                tx,
                [{ serverId: t.server_id, from, to: o.statusAfter, raw: o.raw ?? o.statusAfter, cause: 'command' }],
                new Date()
              );
            }
          }
          return row;
        });
      } catch (err) {
        if (n >= attempts) {
          log.error({ err: databaseErrorMessage(err), action_id: pending.id }, 'command outcome not recorded');
          const unavailable = isDatabaseUnavailable(err);
          const message =
            `${pending.command} ${o.result === 'success' ? 'was applied by HAProxy' : `ended (${o.result})`} but its ` +
            `outcome could not be recorded (${unavailable ? 'database unavailable' : 'database error'}): audit row ` +
            `${pending.id} stays pending until it is marked unknown`;
          return unavailable ? databaseUnavailable(message) : new AppError(500, 'internal', message);
        }
        await new Promise((r) => setTimeout(r, (this.opts.completionRetryMs ?? 200) * n));
      }
    }
  }
}

/** The error a caller gets for an outcome that is not a success; `unknown` says HAProxy's state is not known. */
function reported(o: CommandOutcome): Error {
  const error = o.error ?? new Error(o.note ?? 'command failed');
  if (o.result !== 'unknown') {
    return error;
  }
  const message = `${error.message}; HAProxy's state afterwards is unknown: ${o.note}`;
  return error instanceof FagentError ? new FagentError(error.kind, message, error.httpStatus) : new Error(message);
}
