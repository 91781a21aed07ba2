import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mapLimited } from '../concurrency/limiter';
import { BUDGET_EXCEEDED, DisruptionBudgets } from '../commands/disruption-budget';
import { readFresh } from '../commands/fresh-read';
import type { CommandContext, ServerCommands } from '../commands/server-command';
import { inactiveCommandRefusals } from '../commands/switched-off';
import type { Db } from '../db/db';
import type { ActionResult } from '../domain/actions';
import { AppError } from '../domain/errors';
import {
  freePlaces,
  GONE_FROM_HAPROXY,
  isFinal,
  Observation,
  OperationServer,
  OperationSpec,
  operationOutcome,
  planOperation,
  retriesOver,
  ServerPatch,
  Step,
  TRIED_AGAIN,
} from '../domain/operation';
import { observedState, takesTraffic } from '../domain/server-state';
import type { FagentClient } from '../fagent/client';
import { BreakerOpenError, FagentError } from '../fagent/errors';
import type { Logger } from '../logger';
import { databaseNow } from '../store/clock';
import { desiredOf } from '../store/desired-state';
import {
  claimOperations,
  finishOperation,
  getOperation,
  markRunning,
  noteCancelledServer,
  OperationRow,
  operationServers,
  patchOperationServers,
  recordCallback,
  releaseLease,
  renewLeases,
  whileHeld,
} from '../store/operations';
import { serverTargets } from '../store/servers';
import type { OperationCallbacks } from './callback';
import { operationView } from './operations';

export interface OperationWorkerOptions {
  /** HAPROXY_OPERATION_POLL_INTERVAL: how often a job looks at its servers (fresh) and acts. */
  pollMs: number;
  /** A replica's hold on a job without a heartbeat; one that died loses its jobs after it. */
  leaseMs: number;
  /** HAPROXY_OPERATION_RETRY_S: how long a server's command failing for a reason that may pass is tried again. */
  retryMs: number;
  /** Jobs this replica runs at once. */
  maxJobs?: number;
  /** Commands and backend reads one job sends at once. */
  concurrency?: number;
  /** A test's clock instead of the database's. */
  clock?: () => Date;
}

/** The specification of a stored job, as the planner reads it. */
const specOf = (o: OperationRow): OperationSpec => ({
  action: o.action,
  max_parallel: o.max_parallel,
  deadline_s: o.deadline_s,
  on_deadline: o.on_deadline,
  then: o.then_state,
  ramp: o.ramp,
  force: o.force,
  actor: o.actor,
  source: o.source,
  reason: o.reason,
});

/** Which servers of a job the planner needs read fresh: draining ones (sessions), ramping or paused ones (up?). */
const watched = (o: OperationRow, s: OperationServer) =>
  o.action === 'drain' ? s.state === 'draining' : o.ramp !== null && (s.state === 'ramping' || s.state === 'waiting');

/**
 * A ramp's servers that may start at this look (the pending ones planOperation gives the places its active ones
 * leave free): read for their configured weight, which its steps are made of.
 */
const starting = (o: OperationRow, servers: readonly OperationServer[]) =>
  o.action === 'ready' && o.ramp !== null
    ? servers
        .filter((s) => s.state === 'pending')
        .slice(0, freePlaces(o.max_parallel, servers))
        .filter((s) => s.server_id !== null)
    : [];

/**
 * HAProxy refusing a weight because the backend's algorithm is static (static-rr, first...): it takes 0% and 100%
 * (0 and the configured weight) only. The agent's 409 with HAProxy's words.
 */
const staticAlgorithm = (error: Error) =>
  error instanceof FagentError && error.httpStatus === 409 && /static LB algorithm/i.test(error.message);

/**
 * Whether a job's failed command may go through at a later look: the agent unreachable or timing out, a 5xx, its
 * breaker open, the database gone for a moment (nothing sent), or an outcome HAProxy's state could not tell (the
 * next look reads it). Not: HAProxy's refusal, the server gone, a switched-off instance, a budget, any other 4xx.
 */
const mayPass = (error: Error, result?: ActionResult) =>
  result === 'unknown' ||
  error instanceof BreakerOpenError ||
  (error instanceof FagentError && error.retryable) ||
  (error instanceof AppError && error.status === 503);

/**
 * Runs drain and ready jobs in the backend, not in the request that made them. Every replica runs one: it
 * claims open jobs no live replica holds (FOR UPDATE SKIP LOCKED, a lease renewed by a heartbeat; a lease that
 * ran out is taken over), and each job it holds loops: read its state from PostgreSQL (so a restart resumes
 * where it was) -> read the watched servers fresh from their agents -> planOperation (pure) -> each step's
 * commands through ServerCommands (budget, claim, audit: the one guarded path) -> write the servers' progress
 * (only while it still holds the job and the job is open: a cancel wins) -> when all are final, finish the
 * job and POST it to its callback -> wait a poll interval.
 */
export class OperationWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly held = new Map<string, Promise<void>>();
  private readonly lost = new Set<string>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private claiming?: Promise<void>;
  private stopping = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly commands: ServerCommands,
    private readonly budgets: DisruptionBudgets,
    private readonly client: FagentClient,
    private readonly callbacks: OperationCallbacks,
    private readonly log: Logger,
    private readonly opts: OperationWorkerOptions
  ) {}

  /**
   * The database's time, not this replica's: a job's deadlines, waits and ramp steps are written by one replica
   * and judged by whichever runs the job next, and replicas' clocks may disagree.
   */
  private async now(): Promise<Date> {
    return this.opts.clock?.() ?? databaseNow(this.db);
  }

  /** Claims now (a job left by a replica that stopped), then every poll interval; heartbeats its leases. */
  start(): void {
    if (this.opts.pollMs <= 0) {
      return;
    }
    this.claimSoon();
    this.timer = setInterval(() => this.claimSoon(), this.opts.pollMs);
    this.heartbeat = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    this.timer.unref();
    this.heartbeat.unref();
  }

  /** Stops claiming, ends the running loops after their current step, and lets other replicas take the jobs. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    for (const wake of this.sleepers) {
      wake();
    }
    await this.claiming;
    await Promise.all(this.held.values());
  }

  /** The jobs this replica holds now. */
  get running(): string[] {
    return [...this.held.keys()];
  }

  private claimSoon(): void {
    this.claiming ??= this.claim()
      .catch((err: Error) => this.log.warn({ err: err.message }, 'operations not claimed'))
      .finally(() => (this.claiming = undefined));
  }

  private async claim(): Promise<void> {
    const room = (this.opts.maxJobs ?? 20) - this.held.size;
    if (this.stopping || room <= 0) {
      return;
    }
    for (const id of await claimOperations(this.db, this.owner, this.opts.leaseMs, room)) {
      if (this.held.has(id)) {
        // Its own lease ran out while it ran the job (heartbeats failed): claimed again, it goes on in its loop.
        continue;
      }
      this.lost.delete(id);
      this.held.set(
        id,
        this.run(id).finally(() => this.held.delete(id))
      );
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) {
      return;
    }
    try {
      const still = await renewLeases(this.db, this.owner, ids, this.opts.leaseMs);
      for (const id of ids.filter((x) => !still.has(x))) {
        this.log.warn({ operation_id: id }, 'operation lease lost: another replica runs it now');
        this.lost.add(id);
      }
    } catch (err) {
      // Not renewed: if it stays so, the lease runs out and another replica takes the job (and this one stops).
      this.log.warn({ err: (err as Error).message }, 'operation leases not renewed');
    }
  }

  private async run(id: string): Promise<void> {
    const log = this.log.child({ operation_id: id });
    try {
      while (!this.stopping && !this.lost.has(id)) {
        const o = await getOperation(this.db, id).catch((err: Error) => {
          log.warn({ err: err.message }, 'operation not read');
          return null;
        });
        if (o === undefined) {
          return;
        }
        // Another replica took the job over (this one's lease ran out while it was paused or cut off): stop now.
        // Its writes are refused, and without this the loop would plan, read the agent and send again at once,
        // without sleeping, until the heartbeat noticed; and send a finished job's callback a second time.
        if (o && o.lease_owner !== this.owner) {
          log.warn({ holder: o.lease_owner }, 'operation taken over by another replica: this one stops running it');
          this.lost.add(id);
          return;
        }
        if (o && !(o.state === 'queued' || o.state === 'running')) {
          // A callback whose outcome could not be written (the database gone) is tried again at the next look,
          // not thrown out of the loop: nothing awaits it, and an unhandled rejection ends the process.
          const over =
            o.callback_state !== 'pending' ||
            (await this.callback(o, log).then(
              () => true,
              (err: Error) => {
                log.warn({ err: err.message }, 'operation callback not recorded: tried again at the next poll');
                return false;
              }
            ));
          if (over) {
            return;
          }
        } else if (o) {
          const more = await this.step(o).catch((err: Error) => {
            log.warn({ err: err.message }, 'operation step failed: tried again at the next poll');
            return true;
          });
          if (!more) {
            continue; // finished (or cancelled): the callback, if any, at once
          }
        }
        await this.sleep(this.opts.pollMs);
      }
    } finally {
      if (this.stopping && !this.lost.has(id)) {
        await releaseLease(this.db, this.owner, id).catch(() => undefined);
      }
    }
  }

  /** One look at a job and what it leads to; false when the job is over (or no longer this replica's). */
  private async step(o: OperationRow): Promise<boolean> {
    if (o.state === 'queued' && !(await whileHeld(this.db, o.id, this.owner, (tx) => markRunning(tx, o.id)))) {
      return false;
    }
    const spec = specOf(o);
    const servers = (await operationServers(this.db, [o.id])).get(o.id)!;
    const off = await this.switchedOff(o, servers);
    const seen = await this.observe(
      o,
      servers.filter((s) => !off.has(s.position))
    );
    const now = await this.now();
    const planned = planOperation(spec, servers, seen, now, this.opts.retryMs / 1000);
    // A server of a deactivated instance or host: its commands go to the pipeline, which refuses them (audited);
    // what would only read its agent, or record a state without a command, ends it failed with that refusal.
    const ending = servers.filter(
      (s) =>
        off.has(s.position) &&
        (watched(o, s) || planned.some((st) => st.position === s.position && st.commands.length === 0))
    );
    const steps = [
      ...planned.filter((st) => !ending.some((s) => s.position === st.position)),
      ...ending.map((s): Step => ({
        position: s.position,
        commands: [],
        then: { state: 'failed', error: off.get(s.position)! },
        failed: { state: 'failed' },
      })),
    ];
    // Once stopping, the steps not started are left to whoever runs the job next (planned again from its rows):
    // a stop waits for the commands in flight, not for a thousand servers' more.
    const results = await mapLimited(steps, this.opts.concurrency ?? 16, (s) =>
      this.stopping
        ? Promise.resolve(true)
        : this.apply(
            o,
            spec,
            servers.find((x) => x.position === s.position)!,
            s,
            now,
            seen.get(s.position)
          )
    );
    if (results.includes(false)) {
      return false;
    }
    const after = steps.length ? (await operationServers(this.db, [o.id])).get(o.id)! : servers;
    const outcome = operationOutcome(after);
    if (!outcome) {
      return true;
    }
    await whileHeld(this.db, o.id, this.owner, (tx) => finishOperation(tx, o.id, outcome.state, outcome.error));
    return false;
  }

  /**
   * The job's unfinished servers of a deactivated instance or host, by position, with the refusal the job's
   * command would get (as the worker words a failed command's).
   */
  private async switchedOff(o: OperationRow, servers: readonly OperationServer[]): Promise<Map<number, string>> {
    const open = servers.filter((s) => s.server_id !== null && !isFinal(s.state));
    if (open.length === 0) {
      return new Map();
    }
    const targets = await serverTargets(
      this.db,
      open.map((s) => s.server_id!)
    );
    const instanceOf = new Map(targets.map((t) => [t.server_id, t.instance_id]));
    const refusals = await inactiveCommandRefusals(this.db, instanceOf.values(), o.action);
    const off = new Map<number, string>();
    for (const s of open) {
      const refusal = refusals.get(instanceOf.get(s.server_id!)!);
      if (refusal) {
        off.set(s.position, `${o.action}: ${refusal.message}`);
      }
    }
    return off;
  }

  /** The watched servers of a job, read fresh from their agents. */
  private async observe(o: OperationRow, servers: readonly OperationServer[]): Promise<Map<number, Observation>> {
    const seen = new Map<number, Observation>();
    // A watched server whose row was deleted (its instance or host deleted mid-job) is gone for good: without an
    // observation a draining server without a deadline, or a ramping one, would keep its job open for ever.
    for (const s of servers.filter((x) => x.server_id === null && watched(o, x))) {
      seen.set(s.position, { gone: true });
    }
    const ids = [...servers.filter((s) => s.server_id !== null && watched(o, s)), ...starting(o, servers)].map(
      (s) => s.server_id!
    );
    if (ids.length === 0) {
      return seen;
    }
    const fresh = await readFresh(this.client, await serverTargets(this.db, ids), this.opts.concurrency ?? 16);
    for (const s of servers) {
      const f = s.server_id === null ? undefined : fresh.get(s.server_id);
      if (!f) {
        continue;
      }
      if ('server' in f) {
        const state = observedState(f.server, null);
        seen.set(s.position, {
          sessions: f.server.current_sessions,
          adminState: state.adminState,
          up: takesTraffic(state.operationalState),
          weight: f.server.weight,
          initialWeight: f.server.initial_weight ?? null,
        });
      } else {
        seen.set(s.position, f);
      }
    }
    return seen;
  }

  /**
   * One server's step: its commands through the guarded pipeline, then its row; false when the job is not ours.
   * `now`: the look's time; `seen`: what its agent said of the server at this look, if it was read.
   */
  private async apply(
    o: OperationRow,
    spec: OperationSpec,
    s: OperationServer,
    step: Step,
    now: Date,
    seen: Observation | undefined
  ): Promise<boolean> {
    const write = (patch: ServerPatch) =>
      whileHeld(this.db, o.id, this.owner, (tx) => patchOperationServers(tx, o.id, [{ position: s.position, patch }]));
    if (s.server_id === null) {
      return write({ state: 'failed', error: 'the server was deleted' });
    }
    if (step.precheck) {
      // A server the budget holds back is not read from its agent: one a sync removed meanwhile would wait on a
      // budget it no longer counts in, up to the deadline or for ever.
      const [target] = await serverTargets(this.db, [s.server_id]);
      if (!target || target.server_removed || target.backend_removed) {
        return write({ state: 'failed', error: GONE_FROM_HAPROXY });
      }
      const refusal = await this.budgets.wouldRefuse(s.server_id, 'drain');
      if (refusal) {
        // Held back by the budget, not failing: its agent's trouble is no longer what it waits on.
        return s.error === refusal.message ? true : write({ error: refusal.message, failing_since: null });
      }
    }
    if (step.before && !(await write(step.before))) {
      return false;
    }
    // A step planned before a cancel (or a lost lease) sends nothing once it is known: the cancel said those
    // servers would not be started.
    if (!step.before && step.commands.length > 0 && !(await whileHeld(this.db, o.id, this.owner, async () => {}))) {
      return false;
    }
    let weight: number | undefined;
    const sent: string[] = [];
    // A cancel that came while the commands ran has written this server's note from its state before them
    // ("cancelled before it started"): the note must say what HAProxy was sent instead.
    const written = async (patch: ServerPatch, failure?: Error) => {
      if (await write(patch)) {
        return true;
      }
      if (sent.length > 0) {
        const what = `${sent.join(', ')} ${sent.length === 1 ? 'was' : 'were'} being sent`;
        const outcome = failure ? `${sent[sent.length - 1]} failed: ${failure.message}` : 'applied';
        await noteCancelledServer(this.db, o.id, s.position, `cancelled while ${what}: ${outcome}`).catch(
          () => undefined
        );
      }
      return false;
    };
    // The step was planned from the desired state read at this look's start: one someone changed since (an
    // operator's maint while the budget held the server back, a ready while a ramp waited) is newer intent, so
    // the step is planned again from it at the next look rather than sent over it. Checked under the server's
    // claim, so their command has either been recorded or will come after ours.
    const unchanged = async () => {
      const d = await desiredOf(this.db, s.server_id!);
      return (
        (d?.admin_state ?? null) === s.desired_admin_state &&
        (d?.actor ?? null) === s.desired_actor &&
        (d?.set_at.getTime() ?? null) === (s.desired_set_at?.getTime() ?? null)
      );
    };
    for (const [i, c] of step.commands.entries()) {
      sent.push(c.command);
      const ctx: CommandContext = {
        actor: spec.actor,
        source: spec.source,
        operationId: o.id,
        reason: spec.reason,
        force: spec.force,
        weight: c.weight,
        // A ramp's next step rises from the weight the step before left it at: it keeps a server in.
        rising: c.command === 'weight' && s.state === 'ramping',
      };
      // Sent only when no other command holds the server; a busy one keeps its state and is tried again at the
      // next look. The holder may be a replica killed mid-command (its claim lasts until its lease ends): waiting
      // up to a deadline and then failing would leave the server as that command left it (drained), the job on.
      let result: ActionResult | undefined;
      const error = await this.commands
        .executeIfWanted(s.server_id, c.command, ctx, async () => i > 0 || unchanged())
        .then((r) => {
          if (!r) {
            return 'busy' as const;
          }
          weight = r.weight ?? weight;
          result = r.action.result;
          return r.ok ? undefined : (r.error ?? new Error(`${c.command} failed`));
        })
        .catch((err: Error) => err);
      if (error === 'busy') {
        return true;
      }
      if (error) {
        if (step.unramped && c.command === 'weight' && staticAlgorithm(error)) {
          // Not stranded in maint (or below its weight) by a ramp the backend cannot take: returned at full weight.
          return this.apply(o, spec, s, { ...step, ...step.unramped, unramped: undefined }, now, seen);
        }
        const message = `${c.command}: ${error.message}`;
        // Kept where it was (pending, draining, ramping: its place and slot too) and planned again at the next
        // look, until it has failed for the retry window: a blip of its agent does not fail a rolling job.
        const since = s.failing_since ?? now;
        if (mayPass(error, result) && !retriesOver(spec, since, now, this.opts.retryMs / 1000)) {
          return written({ error: `${message}${TRIED_AGAIN}`, failing_since: since }, error);
        }
        const refused = error instanceof AppError && error.code === BUDGET_EXCEEDED && step.refused;
        return written({ ...(refused ? { ...refused, failing_since: null } : step.failed), error: message }, error);
      }
    }
    // Its commands went through, or its agent answered this look: whatever failed before is over. The weight a
    // ramp's step set, not the one last observed before it.
    const over =
      s.failing_since && (step.commands.length > 0 || (seen && 'sessions' in seen)) ? { failing_since: null } : {};
    return written({ ...step.then, ...over, ...(weight !== undefined && { weight }) });
  }

  private async callback(o: OperationRow, log: Logger): Promise<void> {
    const view = operationView(o, (await operationServers(this.db, [o.id])).get(o.id)!);
    const problem = await this.callbacks.send(o.callback_url!, view);
    if (problem) {
      log.warn({ callback_url: o.callback_url, err: problem }, 'operation callback failed');
    }
    await recordCallback(this.db, o.id, problem ? 'failed' : 'sent', problem ?? null);
  }

  private sleep(ms: number): Promise<void> {
    // A stop wakes the loops asleep when it came; one whose step ran then must not sleep a whole interval after.
    if (this.stopping) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
