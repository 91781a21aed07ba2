import { randomUUID } from 'node:crypto';
import type { ActionSource } from '../domain/actions';
import { AppError, conflict, databaseUnavailable, notFound } from '../domain/errors';
import { AdminView, observedState } from '../domain/server-state';
import { AgentCommand, isAdminCommand } from '../domain/status';
import type { Db } from '../db/db';
import { databaseErrorMessage, isDatabaseUnavailable } from '../db/unavailable';
import type { FagentClient, FagentTarget, WeightSetting } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import type { Logger } from '../logger';
import { ActionRow, ActionStart, completeAction, recordAction, startAction } from '../store/actions';
import { databaseNow } from '../store/clock';
import { clearDrifts, setDesired } from '../store/desired-state';
import { lockServerState, recordLoad, recordStatusChanges, StatusCause } from '../store/server-state';
import { claimServer, releaseServer, serverTargets, ServerTarget } from '../store/servers';
import { inactiveCommandRefusal } from './switched-off';
import { AgentAttempt, CommandOutcome, commandOutcome, isUncertain, ReadBack } from './command-outcome';
import type { DisruptionBudgets, TakeOut } from './disruption-budget';

export interface CommandContext {
  actor: string;
  source: ActionSource;
  operationId?: string;
  /** Why, in the caller's words (a ticket): on the audit row and the desired state. */
  reason?: string | null;
  /** drain or maint: the end of a maintenance window, when the server returns to ready. */
  until?: Date | null;
  /** The weight command's setting. */
  weight?: WeightSetting;
  /** Past a disruption budget (the caller's reason says why: checked at the edge). */
  force?: boolean;
  /** A ramp's next weight step (TakeOutRequest.rising). */
  rising?: boolean;
  /**
   * Runs the disruption budget's decision when the caller says (a bulk decides its servers in its order,
   * whatever order their claims come in).
   */
  budgetTurn?: <T>(decide: () => Promise<T>) => Promise<T>;
}

export interface CommandResult {
  action: ActionRow;
  ok: boolean;
  /** Set when the command did not succeed: the error to report (its attempt is already audited). */
  error?: Error;
  /** The server's weight after a success, as the agent or the read back said it (a ramp records its steps). */
  weight?: number;
}

/**
 * A check between resolving the server and calling the agent (e.g. a disruption budget): a refusal is
 * audited as a failure and answered with its error; the agent is not called.
 */
export type CommandGuard = (
  target: ServerTarget,
  command: AgentCommand,
  ctx: CommandContext
) => Promise<AppError | undefined> | AppError | undefined;

export interface ServerCommandsOptions {
  /** The agent's part of one command, its call and the read back together (HAPROXY_SYNC_DEADLINE). */
  deadlineMs: number;
  /** Checks after the built-in one (the server is still in HAProxy), in order. */
  guards?: CommandGuard[];
  /** The disruption budgets: every command that takes an available server out is decided there, under a lock. */
  budgets?: DisruptionBudgets;
  /** Tries at recording the outcome when the database fails; after the last the row stays pending. */
  completionAttempts?: number;
  completionRetryMs?: number;
  /** Told every audited outcome (metrics); not called when the server does not exist. */
  onResult?: (command: AgentCommand, result: CommandResult) => void;
}

/** How often a command waiting for another one on the same server looks again. */
const CLAIM_POLL_MS = 50;

/** A command a stopping service did not send: retried, it goes to another replica or the restarted one. */
const stoppingError = (command: AgentCommand) =>
  new AppError(503, 'not_ready', `${command} was not sent: the service is stopping; try again`);

/** The history cause of a command's change, by who sent it. */
const causeOf = (source: ActionSource): StatusCause =>
  source === 'reconcile' || source === 'schedule' ? source : 'command';

/** A server gone from HAProxy's configuration (as the last sync saw it) takes no command. */
const stillInHaproxy: CommandGuard = (t) =>
  t.server_removed || t.backend_removed
    ? conflict(`server ${t.server_name} of backend ${t.backend_name} is no longer in HAProxy's configuration`)
    : undefined;

/**
 * The one way a command reaches an agent (single, bulk, reconcile, window ends, and what comes later: jobs):
 * resolve the target -> the server's command claim (one command per server at a time, across replicas) ->
 * guards -> a `pending` audit row -> the agent, within a deadline -> HAProxy's state read back (fresh) when
 * the answer did not say -> the audit row completed with the result and, on success, the state change and
 * the desired state, in one transaction. The audit row exists before the agent is called, so a command is
 * never applied unaudited; if its completion cannot be written it stays `pending` and the sweeper
 * (pending-sweeper.ts) marks it `unknown`.
 */
export class ServerCommands {
  private readonly guards: CommandGuard[];
  /** A claim outlives the command it guards: the agent's deadline, then the completion's retries. */
  readonly claimLeaseMs: number;
  /** Set by stop(): the commands in flight end, no other is sent. */
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly client: FagentClient,
    private readonly log: Logger,
    private readonly opts: ServerCommandsOptions
  ) {
    this.guards = [stillInHaproxy, this.stillPolled, ...(opts.guards ?? [])];
    this.claimLeaseMs = 2 * opts.deadlineMs + 10_000;
  }

  /**
   * A deactivated instance (or host) takes no command: its agent is switched off for this service. A window's end
   * is still sent, as promised when the server was taken out.
   */
  private readonly stillPolled: CommandGuard = (t, command, ctx) =>
    ctx.source === 'schedule' ? undefined : inactiveCommandRefusal(this.db, t.instance_id, command);

  /**
   * The service is stopping: a command not yet sent is not sent (a caller's is answered 503, a bulk's rest says
   * so per server, the service's own are skipped), so none is cut off mid-way by the database closing under it.
   */
  stop(): void {
    this.stopping = true;
  }

  /**
   * A caller's command: waits (up to the deadline) while another command on the server runs, then refuses
   * with 409, audited.
   */
  async execute(serverId: number, command: AgentCommand, ctx: CommandContext): Promise<CommandResult> {
    return (await this.claimed(serverId, command, ctx, { wait: true }))!;
  }

  /**
   * The service's own command (a re-apply, a window's end): sent only if the server is free now and
   * `stillWanted` (checked once the claim is held) says it is still needed; undefined when it was not sent.
   */
  executeIfWanted(
    serverId: number,
    command: AgentCommand,
    ctx: CommandContext,
    stillWanted: () => Promise<boolean>
  ): Promise<CommandResult | undefined> {
    return this.claimed(serverId, command, ctx, { wait: false, stillWanted });
  }

  private async claimed(
    serverId: number,
    command: AgentCommand,
    ctx: CommandContext,
    o: { wait: boolean; stillWanted?: () => Promise<boolean> }
  ): Promise<CommandResult | undefined> {
    const [first] = await serverTargets(this.db, [serverId]);
    if (!first) {
      throw notFound(`server ${serverId}`);
    }
    const claim = randomUUID();
    const claimed = await this.claim(serverId, claim, o.wait);
    if (claimed !== 'claimed') {
      if (!o.wait) {
        return undefined;
      }
      if (claimed === 'stopping') {
        throw stoppingError(command);
      }
      if (claimed === 'gone') {
        throw notFound(`server ${serverId}`);
      }
      const busy = conflict(
        `another command on server ${first.server_name} of backend ${first.backend_name} is still running: try again`
      );
      return this.report(command, await this.refuse(this.started(first, command, ctx), busy));
    }
    try {
      if (o.stillWanted && !(await o.stillWanted())) {
        return undefined;
      }
      // Read again under the claim: what the server was before this command, not before the wait.
      const [t] = await serverTargets(this.db, [serverId]);
      if (!t) {
        // Deleted (its instance or host) since: nothing to send, and no row of it to audit against.
        if (!o.wait) {
          return undefined;
        }
        throw notFound(`server ${serverId}`);
      }
      return this.report(command, await this.run(t, command, ctx));
    } finally {
      await releaseServer(this.db, serverId, claim).catch((err: Error) =>
        // Its lease runs out by itself.
        this.log.warn({ server_id: serverId, err: err.message }, 'command claim not released')
      );
    }
  }

  /** The server's claim, or why not: another command holds it (past the wait), or the server was deleted. */
  private async claim(
    serverId: number,
    claim: string,
    wait: boolean
  ): Promise<'claimed' | 'busy' | 'gone' | 'stopping'> {
    const until = Date.now() + (wait ? this.opts.deadlineMs : 0);
    for (;;) {
      if (this.stopping) {
        return 'stopping';
      }
      try {
        if (await claimServer(this.db, serverId, claim, this.claimLeaseMs)) {
          return 'claimed';
        }
        // A deleted server is never free: waiting for it would end in a 409 and an audit row of nothing.
        if ((await serverTargets(this.db, [serverId])).length === 0) {
          return 'gone';
        }
      } catch (err) {
        throw isDatabaseUnavailable(err)
          ? databaseUnavailable('the command was not sent: the server could not be claimed (database unavailable)')
          : err;
      }
      if (Date.now() >= until) {
        return 'busy';
      }
      await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    }
  }

  private report(command: AgentCommand, result: CommandResult): CommandResult {
    this.opts.onResult?.(command, result);
    return result;
  }

  private started(t: ServerTarget, command: AgentCommand, ctx: CommandContext): ActionStart {
    return {
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
      reason: ctx.reason ?? null,
      until: ctx.until ?? null,
    };
  }

  /** A refusal before the agent is called, audited as a failure. */
  private async refuse(started: ActionStart, refusal: AppError): Promise<CommandResult> {
    const action = await recordAction(this.db, {
      ...started,
      result: 'failure',
      error: refusal.message,
      durationMs: 0,
    });
    return { action, ok: false, error: refusal };
  }

  private async run(t: ServerTarget, command: AgentCommand, ctx: CommandContext): Promise<CommandResult> {
    // The duration by this process's clock; the row's times are the database's.
    const t0 = Date.now();
    const started = this.started(t, command, ctx);
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
        return this.refuse(started, refusal);
      }
    }

    const decide = () => this.takeOut(t, command, ctx);
    const takeOut = await (ctx.budgetTurn ? ctx.budgetTurn(decide) : decide());
    if (takeOut instanceof AppError) {
      return this.refuse(started, takeOut);
    }
    let pending: ActionRow;
    try {
      pending = await startAction(this.db, { ...started, forced: takeOut?.forced ?? false });
    } catch (err) {
      if (takeOut) {
        // Nothing was sent; its lease ends the marks otherwise.
        await this.opts.budgets!.release(this.db, t.server_id, takeOut, false).catch(() => undefined);
      }
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
    const attempt = await this.callAgent(target, t, command, ctx, signal);
    const noSuch = !attempt.ok && attempt.error instanceof FagentError && attempt.error.httpStatus === 404;
    const read = attempt.ok || attempt.uncertain || noSuch ? await this.readBack(target, t, signal) : undefined;
    const outcome = commandOutcome(command, attempt, read, ctx.weight);
    if (noSuch && read && 'missing' in read && read.missing === 'server') {
      // Deleted at runtime (`del server`) or by a reload the last sync has not seen: the 409 of a server gone
      // from HAProxy, not the 502 of a failing agent. The read back tells it from an agent lacking the command;
      // a 404 for the whole backend too stays a 502 (HAProxy cannot delete a backend at runtime: the agent may
      // not know this instance at all).
      outcome.error = conflict(
        `server ${t.server_name} of backend ${t.backend_name} is no longer in HAProxy: ${attempt.error.message}`
      );
    }
    if (command === 'weight' && outcome.result === 'success') {
      outcome.note ??= weightNote(ctx.weight, attempt.ok ? attempt.answer?.weight : undefined);
    }
    const durationMs = Date.now() - t0;
    const weightAfter = outcome.shown?.weight ?? (attempt.ok ? attempt.answer?.weight : undefined);
    if (takeOut?.note) {
      outcome.note = outcome.note ? `${takeOut.note}; ${outcome.note}` : takeOut.note;
    }
    const action = await this.complete(pending, t, command, ctx, { ...outcome, weightAfter }, durationMs, log, takeOut);
    if (action instanceof AppError) {
      return { action: pending, ok: false, error: action };
    }
    if (outcome.result === 'success') {
      log.info({ duration_ms: durationMs, note: outcome.note ?? undefined }, 'command done');
      return { action, ok: true, ...(weightAfter !== undefined && { weight: weightAfter }) };
    }
    log.warn(
      { err: outcome.error?.message, result: outcome.result, note: outcome.note, duration_ms: durationMs },
      'command failed'
    );
    return { action, ok: false, error: reported(outcome) };
  }

  private async callAgent(
    target: FagentTarget,
    t: ServerTarget,
    command: AgentCommand,
    ctx: CommandContext,
    signal: AbortSignal
  ): Promise<AgentAttempt> {
    try {
      const answer =
        command === 'weight'
          ? await this.client.command(target, t.backend_name, t.server_name, command, { signal, weight: ctx.weight! })
          : await this.client.command(target, t.backend_name, t.server_name, command, { signal });
      return { ok: true, answer };
    } catch (err) {
      return { ok: false, error: err as Error, uncertain: isUncertain(err as Error) };
    }
  }

  /**
   * The disruption budget's decision (taken under its lock, DisruptionBudgets.reserve): a refusal, a mark that
   * the server is going out, or nothing to count. Database trouble is the caller's 503: nothing was sent.
   */
  private async takeOut(
    t: ServerTarget,
    command: AgentCommand,
    ctx: CommandContext
  ): Promise<TakeOut | AppError | undefined> {
    try {
      return await this.opts.budgets?.reserve(t.server_id, {
        command,
        weight: ctx.weight,
        force: ctx.force,
        rising: ctx.rising,
        restoresIntent: ctx.source === 'reconcile',
      });
    } catch (err) {
      throw isDatabaseUnavailable(err)
        ? databaseUnavailable(
            `${command} was not sent: the disruption budget could not be checked (database unavailable)`
          )
        : err;
    }
  }

  /** What HAProxy reports of the server now: a drained server whose checks fail stays DOWN, for one. */
  private async readBack(target: FagentTarget, t: ServerTarget, signal: AbortSignal): Promise<ReadBack> {
    try {
      const servers = await this.client.getServers(target, t.backend_name, { fresh: true, signal });
      const server = servers.find((s) => s.name === t.server_name);
      return server ? { server } : { missing: 'server' };
    } catch (err) {
      // A 404: the agent no longer has the backend, so not the server either (as fresh-read.ts reads it).
      return err instanceof FagentError && err.httpStatus === 404 ? { missing: 'backend' } : { error: err as Error };
    }
  }

  /**
   * The audit row's outcome and, on success, the server's state with its history row and its desired state
   * (an admin command's), in one transaction; retried when the database fails (HAProxy has already changed:
   * the record must follow if it can). When it cannot, the error to answer (the row stays pending).
   */
  private async complete(
    pending: ActionRow,
    t: ServerTarget,
    command: AgentCommand,
    ctx: CommandContext,
    o: CommandOutcome & { weightAfter?: number },
    durationMs: number,
    log: Logger,
    /** The server was marked as going out: its outcome ends the mark (an unknown one keeps it to its lease). */
    markedOut: TakeOut | undefined
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
          if (o.result === 'success') {
            await this.recordSuccess(tx, t, command, ctx, o);
          }
          if (markedOut && o.result !== 'unknown') {
            await this.opts.budgets!.release(tx, t.server_id, markedOut, o.result === 'success');
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

  /**
   * What a successful command changed: the server's state as read back (a drained server whose checks fail
   * is DOWN and drained; when the status cannot tell, the command itself says the admin state), its history
   * row, and what we are now asked to keep: a re-apply keeps the desired state and ends its drift, any other
   * admin command replaces it (with its reason and window).
   */
  private async recordSuccess(
    tx: Db,
    t: ServerTarget,
    command: AgentCommand,
    ctx: CommandContext,
    o: CommandOutcome & { weightAfter?: number }
  ): Promise<void> {
    const prev = await lockServerState(tx, t.server_id);
    if (!prev) {
      return;
    }
    // The database's time, as the audit row's: a window's failed ends are counted from the desired state's time.
    const at = await databaseNow(tx);
    const known: AdminView = isAdminCommand(command)
      ? { adminState: command, maintSource: command === 'maint' ? 'forced' : null }
      : { adminState: prev.admin_state, maintSource: prev.maint_source };
    const state = observedState(o.shown ?? { status: o.raw ?? prev.status }, known);
    const adminChanged = prev.admin_state !== state.adminState;
    const operationalChanged = prev.operational_state !== state.operationalState;
    if (prev.status !== state.status || adminChanged || operationalChanged) {
      await recordStatusChanges(
        tx,
        [
          {
            serverId: t.server_id,
            from: prev.status,
            to: state.status,
            raw: o.raw ?? prev.status,
            cause: causeOf(ctx.source),
            adminFrom: adminChanged ? prev.admin_state : null,
            adminTo: adminChanged ? state.adminState : null,
            operationalFrom: operationalChanged ? prev.operational_state : null,
            operationalTo: operationalChanged ? state.operationalState : null,
            state,
          },
        ],
        at
      );
    }
    // The read back's sessions too: a shut down of sessions answers with none left, not the last sync's count.
    const weight = o.weightAfter !== prev.weight ? o.weightAfter : undefined;
    const sessions =
      o.shown && o.shown.current_sessions !== prev.current_sessions ? o.shown.current_sessions : undefined;
    if (weight !== undefined || sessions !== undefined) {
      await recordLoad(tx, t.server_id, { weight, sessions });
    }
    if (!isAdminCommand(command)) {
      return;
    }
    if (ctx.source === 'reconcile') {
      await clearDrifts(tx, [t.server_id]);
      return;
    }
    const until = command === 'ready' ? null : (ctx.until ?? null);
    await setDesired(
      tx,
      t.server_id,
      { adminState: command, actor: ctx.actor, reason: ctx.reason ?? null, source: ctx.source, until },
      at
    );
  }
}

/** What the audit row says of a weight that was set: the setting, and the weight HAProxy answered. */
function weightNote(setting: WeightSetting | undefined, after: number | undefined): string {
  return `weight ${String(setting)}${after === undefined ? '' : `: HAProxy reports ${after}`}`;
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
