import { mapLimited } from '../concurrency/limiter';
import type { CommandContext, CommandResult, ServerCommands } from '../commands/server-command';
import { MAX_REASON_CHARS, SCHEDULE_ACTOR } from '../domain/actions';
import { conflict, notFound } from '../domain/errors';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { noteAction } from '../store/actions';
import { databaseNow } from '../store/clock';
import {
  windowOf,
  activeWindows,
  backOffWindow,
  claimDueWindows,
  claimWindow,
  closeWindow,
  desiredOf,
  DueWindow,
  moveWindow,
  releaseWindowClaim,
  WindowRow,
} from '../store/desired-state';
import { serverTargets } from '../store/servers';

export interface MaintenanceWindowsOptions {
  /** How often due windows are looked for (HAPROXY_WINDOW_CHECK_INTERVAL); 0: never (the API still works). */
  intervalMs: number;
  /** How long a replica holds a window it is ending: past it (the replica died), another takes it. */
  leaseMs: number;
  /** Windows ended at once, at most. */
  concurrency?: number;
  /** A test's clock instead of the database's. */
  clock?: () => Date;
}

export interface WindowTick {
  ended: number;
  failed: number;
  /** Windows whose server is gone: closed without a command, with a note on the audit row. */
  closed: number;
}

/** Windows claimed at once by a tick. */
const WINDOW_BATCH = 100;

/** The longest a window whose end keeps failing waits for its next try (README "Maintenance windows"). */
export const MAX_RETRY_MS = 10 * 60_000;

const GONE_NOTE = "maintenance window closed without a command: the server is no longer in HAProxy's configuration";

/**
 * The audit reason of a window's end: whose window it was and why (its caller's reason, cut to fit), so the
 * row that returns the server says which maintenance it ends.
 */
export function windowEndReason(w: Pick<WindowRow, 'admin_state' | 'actor' | 'reason'>): string {
  const said = `end of the maintenance window (${w.admin_state}) set by ${w.actor}${w.reason ? `: ${w.reason}` : ''}`;
  // Counted as PostgreSQL counts characters: code points.
  const chars = [...said];
  return chars.length <= MAX_REASON_CHARS ? said : `${chars.slice(0, MAX_REASON_CHARS - 1).join('')}…`;
}

/**
 * Maintenance windows (a drain or maint with an end): their list, a new end, an early end, and the worker
 * that returns servers to ready when their window ends (source `schedule`, audited). State lives in
 * PostgreSQL: a due window is claimed with FOR UPDATE SKIP LOCKED and a lease, so exactly one replica ends
 * it, and one that ended while no backend ran is ended at the first tick after start.
 */
export class MaintenanceWindows {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  /** Set by stop(): a tick ends the windows it is ending and hands back the claims of the rest. */
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly commands: ServerCommands,
    private readonly log: Logger,
    private readonly opts: MaintenanceWindowsOptions
  ) {}

  /** How long a claim on a window holds: the wait before a failed end is tried again, at first. */
  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  /**
   * The database's time, not this replica's: every replica ends a window at the same moment. `db`: a caller's
   * transaction, which must not wait for a second connection of the pool while it holds one (and a row lock).
   */
  async now(db: Db = this.db): Promise<Date> {
    return this.opts.clock?.() ?? databaseNow(db);
  }

  async list(): Promise<WindowRow[]> {
    return activeWindows(this.db, await this.now());
  }

  /**
   * A new end for an active window; 404 without one, 409 while it is being ended. `db`: a caller's transaction,
   * to commit the change with what it records of it.
   */
  async move(serverId: number, until: Date, db: Db = this.db): Promise<WindowRow> {
    const now = await this.now(db);
    if (!(await moveWindow(db, serverId, until, now))) {
      throw await this.whyNot(serverId, now, db);
    }
    return (await windowOf(db, serverId, now))!;
  }

  /** Ends an active window now: the server returns to ready at once, as the caller's command. */
  async endNow(serverId: number, ctx: CommandContext): Promise<CommandResult> {
    const now = await this.now();
    if (!(await claimWindow(this.db, serverId, now, this.opts.leaseMs))) {
      throw await this.whyNot(serverId, now);
    }
    try {
      const result = await this.commands.execute(serverId, 'ready', ctx);
      if (!result.ok) {
        await releaseWindowClaim(this.db, serverId);
      }
      return result;
    } catch (err) {
      await releaseWindowClaim(this.db, serverId);
      throw err;
    }
  }

  private async whyNot(serverId: number, now: Date, db: Db = this.db): Promise<Error> {
    const w = await windowOf(db, serverId, now);
    if (!w) {
      return notFound(`active maintenance window of server ${serverId}`);
    }
    return conflict(
      w.overdue
        ? `the maintenance window of server ${serverId} was due ${w.until.toISOString()}; its end is being made, ` +
            `or failed and is retried from ${w.retry_at!.toISOString()}`
        : `the maintenance window of server ${serverId} is being ended right now`
    );
  }

  /** Ends the windows whose end has come (at `now`, a test's time): one claim per window, one command per server. */
  async tick(at?: Date): Promise<WindowTick> {
    const now = at ?? (await this.now());
    const results: Array<'ended' | 'failed' | 'closed' | 'skipped'> = [];
    // Claimed a batch at a time, so claims do not wait out their lease in a queue; batches until none is left,
    // so windows ending at the same moment all end in this tick. One looked at once (skipped: busy, say) waits
    // for the next tick.
    const seen: number[] = [];
    for (let full = true; full && !this.stopping;) {
      const due = await claimDueWindows(this.db, now, this.opts.leaseMs, WINDOW_BATCH, seen);
      full = due.length === WINDOW_BATCH;
      seen.push(...due.map((w) => w.server_id));
      results.push(...(await mapLimited(due, this.opts.concurrency ?? 8, (w) => this.endOrHandBack(w, now))));
    }
    return {
      ended: results.filter((r) => r === 'ended').length,
      failed: results.filter((r) => r === 'failed').length,
      closed: results.filter((r) => r === 'closed').length,
    };
  }

  private async endOrHandBack(w: DueWindow, now: Date): Promise<'ended' | 'failed' | 'closed' | 'skipped'> {
    if (this.stopping) {
      // A stop waits for the commands in flight, not for the rest of the batch; another replica takes these at once.
      await releaseWindowClaim(this.db, w.server_id).catch(() => undefined);
      return 'skipped';
    }
    try {
      return await this.end(w, now);
    } catch (err) {
      this.log.warn({ server_id: w.server_id, err: (err as Error).message }, 'maintenance window not ended');
      // A database error, not an agent's answer (a failed end backs off in end()): the next tick tries again,
      // rather than the window waiting out its whole lease. If the database is still away, the lease holds.
      await releaseWindowClaim(this.db, w.server_id).catch(() => undefined);
      return 'failed';
    }
  }

  private async end(w: DueWindow, now: Date): Promise<'ended' | 'failed' | 'closed' | 'skipped'> {
    const reason = windowEndReason(w);
    const result = await this.commands.executeIfWanted(
      w.server_id,
      'ready',
      { actor: SCHEDULE_ACTOR, source: 'schedule', reason },
      async () => {
        const d = await desiredOf(this.db, w.server_id);
        return d?.until != null && d.until.getTime() <= now.getTime();
      }
    );
    if (!result) {
      // Busy with another command, or no longer due: the next tick looks again.
      await releaseWindowClaim(this.db, w.server_id);
      return 'skipped';
    }
    if (result.ok) {
      return 'ended';
    }
    const [t] = await serverTargets(this.db, [w.server_id]);
    if (t && (t.server_removed || t.backend_removed)) {
      await closeWindow(this.db, { serverId: w.server_id, actor: SCHEDULE_ACTOR, reason }, now);
      await noteAction(this.db, result.action.id, GONE_NOTE);
      return 'closed';
    }
    // Held until it is tried again (not at every tick), longer after each failure.
    await backOffWindow(this.db, w.server_id, now, this.opts.leaseMs, MAX_RETRY_MS);
    return 'failed';
  }

  /** A tick now (a window that ended while no backend ran), then every interval; ticks never overlap. */
  start(): void {
    if (this.opts.intervalMs <= 0) {
      return;
    }
    this.stopping = false;
    const run = () => {
      this.running ??= this.tick()
        .then((r) => {
          if (r.ended + r.failed + r.closed > 0) {
            this.log.info({ ...r }, 'maintenance windows ended');
          }
        })
        .catch((err: Error) => this.log.warn({ err: err.message }, 'maintenance windows not checked'))
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }
}
