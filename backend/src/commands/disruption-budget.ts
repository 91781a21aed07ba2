import type { Db } from '../db/db';
import { badRequest, AppError } from '../domain/errors';
import {
  BudgetScope,
  BudgetView,
  budgetView,
  DryRunVerdict,
  Leaver,
  MinAvailable,
  previewTakeOuts,
  lastSaid,
  refusalMessage,
  ScopeState,
  scopeCount,
  takesOut,
  effectiveMin,
  takeOutOf,
  withTrackers,
} from '../domain/budget';
import { intentOf } from '../domain/server-state';
import type { AgentCommand } from '../domain/status';
import {
  BudgetTarget,
  budgetedApplications,
  budgetTargets,
  clearBudget,
  lockBudgetScopes,
  markTakingOut,
  releaseMarksOf,
  releaseTakingOut,
  releaseUnlessWeight,
  scopeCounts,
  scopeParts,
  setBudget,
  storedMinimums,
  trackersOf,
} from '../store/budgets';
import { inactiveCommandRefusals } from './switched-off';

export const BUDGET_EXCEEDED = 'budget_exceeded';

/** What the guarded path needs of a command besides its target. */
export interface TakeOutRequest {
  command: AgentCommand;
  weight?: number | string;
  /** The caller overrides the budget (its reason is checked at the edge). */
  force?: boolean;
  /** A re-apply restores an operator's earlier intent: counted, never refused (README "Operating safely"). */
  restoresIntent?: boolean;
  /**
   * A ready ramp's next step: a percentage above the one the server is at, so HAProxy's floor(configured x p /
   * 100) only rises and a server the step before kept in stays in (one at 0 is not available: nothing to
   * count). Without it, an agent that does not report the configured weight would have the ready refused.
   */
  rising?: boolean;
}

/** A take-out the budget allowed: the server is marked as going out until the command's outcome is written. */
export interface TakeOut {
  /** It went past a budget (force, or a re-apply): the audit row says so. */
  forced: boolean;
  /** Why, for the audit row: the budget it went past. */
  note: string | null;
  /** The servers that track it, marked as going out with it, and when they were marked (their marks' name). */
  trackers: number[];
  markedAt: string;
  /** A weight take-out: the server's weight when it was decided (see `release`). */
  weightBefore?: number;
}

/** A dry run's answer (contract: bulk commands and jobs with `dry_run: true`). */
export interface DryRun {
  dry_run: true;
  servers: Array<{
    server_id: number;
    server_name: string;
    backend: string;
    instance: string;
    would: DryRunVerdict;
    reason: string | null;
  }>;
  budgets: BudgetView[];
}

const key = (scope: BudgetScope, id: number) => `${scope}:${id}`;

/**
 * Disruption budgets: their reads and settings, and the one guarded place every path that takes servers out
 * goes through (ServerCommands calls `reserve` before the agent). Under a PostgreSQL transaction lock per
 * backend and per application: count the available servers (those a command is taking out right now count as
 * out) -> decide -> mark the server as going out; the agent is called after the lock is gone, and the mark
 * ends with the command's outcome. So concurrent requests, on any replica, never take out more than allowed.
 */
export class DisruptionBudgets {
  constructor(
    private readonly db: Db,
    /** HAPROXY_MIN_AVAILABLE: every backend's minimum unless it has its own. */
    readonly defaultMin: MinAvailable,
    /** How long a mark holds when its command dies without an outcome (the command claim's lease). */
    private readonly markLeaseMs: number
  ) {}

  /** Budgets of these backends (for the backend lists), by backend id. */
  async backendBudgets(db: Db, backendIds: readonly number[]): Promise<Map<number, BudgetView>> {
    const [mins, counts] = await Promise.all([storedMinimums(db, backendIds, []), scopeCounts(db, backendIds, [])]);
    return new Map(
      backendIds.map((id) => [
        id,
        budgetView('backend', id, this.minimumOf('backend', id, mins), lastSaid(counts.get(key('backend', id)))),
      ])
    );
  }

  /** Every application that has a budget, with its name (for /metrics). */
  async applicationBudgets(db: Db): Promise<Array<{ name: string; budget: BudgetView }>> {
    // Their minimums come with them: the budgets table is read once per scrape.
    const apps = await budgetedApplications(db);
    const counts = await scopeCounts(
      db,
      [],
      apps.map((a) => a.id)
    );
    return apps.map((a) => ({
      name: a.name,
      budget: budgetView(
        'application',
        a.id,
        { value: a.min, source: 'application' },
        lastSaid(counts.get(key('application', a.id)))
      ),
    }));
  }

  async budget(db: Db, scope: BudgetScope, id: number): Promise<BudgetView> {
    const [ids, appIds] = scope === 'backend' ? [[id], []] : [[], [id]];
    const [mins, counts] = await Promise.all([storedMinimums(db, ids, appIds), scopeCounts(db, ids, appIds)]);
    return budgetView(scope, id, this.minimumOf(scope, id, mins), lastSaid(counts.get(key(scope, id))));
  }

  /**
   * A minimum for a backend or an application; 400 when a count asks for more servers than it has now. `db`: a
   * caller's transaction, to commit the change with what it records of it.
   */
  async set(
    scope: BudgetScope,
    id: number,
    min: MinAvailable,
    actor: string,
    name: string,
    db: Db = this.db
  ): Promise<BudgetView> {
    return db.transaction(async (tx) => {
      const now = await this.budget(tx, scope, id);
      if ('count' in min && min.count > now.servers_counted) {
        throw badRequest(
          `min_available ${min.count} is more than the ${now.servers_counted} servers of ${scope} ${name} that can serve at once`
        );
      }
      await setBudget(tx, scope, id, min, actor);
      return this.budget(tx, scope, id);
    });
  }

  /** Back to the default (a backend) or to no budget (an application). */
  async clear(scope: BudgetScope, id: number, db: Db = this.db): Promise<BudgetView> {
    await clearBudget(db, scope, id);
    return this.budget(db, scope, id);
  }

  /**
   * The guarded place. undefined: the command takes no available server out (nothing to count). An AppError
   * (409 budget_exceeded): refused, nothing marked. Otherwise the server is marked as going out.
   */
  async reserve(serverId: number, r: TakeOutRequest): Promise<TakeOut | AppError | undefined> {
    if (!takesOut(r.command, r.weight) || (r.command === 'weight' && r.rising)) {
      return undefined;
    }
    return this.db.transaction(async (tx) => {
      const ids = await this.withTrackerIds(tx, serverId, r.command);
      const pre = await budgetTargets(tx, ids);
      // A percentage weight takes the server out only when it comes to 0 of its configured weight.
      if (pre[0]?.server_id !== serverId || !takesOut(r.command, r.weight, pre[0].initial_weight)) {
        return undefined;
      }
      await lockBudgetScopes(tx, pre);
      // Read again under the locks: the counts and the servers as the last decider left them.
      const leaving = await this.leaving(tx, ids);
      if (!leaving) {
        return undefined;
      }
      const { breached, name } = leaving;
      if (breached && !r.force && !r.restoresIntent) {
        return this.refusal(breached, leaving.target, name);
      }
      // Its trackers go out with it: marked in the same transaction, so with the same `since`.
      let markedAt = '';
      for (const t of leaving.servers) {
        markedAt = await markTakingOut(tx, t.server_id, r.command, this.markLeaseMs);
      }
      const trackers = leaving.servers.map((t) => t.server_id).filter((id) => id !== serverId);
      const marked = { trackers, markedAt, ...(r.command === 'weight' && { weightBefore: leaving.target.weight }) };
      if (!breached) {
        return { forced: false, note: null, ...marked };
      }
      const why = r.force ? 'forced' : 're-applied (an earlier intent)';
      return { forced: true, note: `${why} past the budget: ${refusalMessage(breached, [name])}`, ...marked };
    });
  }

  /**
   * The command's outcome is written (or it never reached the agent): the server counts as it is again. Its
   * trackers' marks end too when nothing went out; after a success they hold to their lease (the next sync
   * shows them out). So does the server's after a weight that succeeded without saying the weight (an answer
   * without it, no read back): its stored weight is still the one decided on, which would count it available.
   */
  async release(db: Db, serverId: number, t: TakeOut, wentOut: boolean): Promise<void> {
    await (wentOut && t.weightBefore !== undefined
      ? releaseUnlessWeight(db, serverId, t.weightBefore)
      : releaseTakingOut(db, serverId));
    if (!wentOut && t.trackers.length > 0) {
      await releaseMarksOf(db, t.trackers, t.markedAt);
    }
  }

  /** Would the budget refuse taking this server out now? (A read without locks: a job's retry looks first.) */
  async wouldRefuse(serverId: number, command: AgentCommand): Promise<AppError | undefined> {
    if (!takesOut(command)) {
      return undefined;
    }
    const leaving = await this.leaving(this.db, await this.withTrackerIds(this.db, serverId, command));
    return leaving?.breached && this.refusal(leaving.breached, leaving.target, leaving.name);
  }

  /** The server's id and, when `command` takes them out with it, those of the servers that track it. */
  private async withTrackerIds(db: Db, serverId: number, command: AgentCommand): Promise<number[]> {
    return [serverId, ...(takesTrackersOut(command) ? ((await trackersOf(db, [serverId])).get(serverId) ?? []) : [])];
  }

  /**
   * What taking out `ids[0]` takes out (it when it is available, and its available trackers, `ids` the rest: a
   * maint of a server at weight 0 still takes out the ones that track it), and the first scope that would fall
   * below its minimum; undefined when none of them counts as available (or the server is gone).
   */
  private async leaving(db: Db, ids: number[]) {
    const [target, ...others] = await budgetTargets(db, ids);
    if (target?.server_id !== ids[0]) {
      return undefined;
    }
    const trackers = others.filter((t) => t.available);
    const servers = target.available ? [target, ...trackers] : trackers;
    if (servers.length === 0) {
      return undefined;
    }
    const scopes = await this.scopeStates(db, servers);
    return {
      target,
      servers,
      breached: takeOutOf(servers.map((t) => leaver(t, this.scopesOf(t, scopes)))).breached,
      name: withTrackers(target.server_name, trackers.map(trackerName)),
    };
  }

  /**
   * A dry run of `command` on these servers, in order: what the pipeline would decide, nothing done. A server of
   * a deactivated instance or host is refused with the pipeline's 409 (it goes out of no count: it is stale);
   * `budgetRefused`: what a budget's refusal leads to (a job waits), added to its reason.
   */
  async preview(
    serverIds: readonly number[],
    command: AgentCommand,
    weight?: number | string,
    force = false,
    budgetRefused?: string
  ): Promise<DryRun> {
    const [targets, trackers] = await Promise.all([
      budgetTargets(this.db, serverIds),
      takesTrackersOut(command) ? trackersOf(this.db, serverIds) : new Map<number, number[]>(),
    ]);
    const switchedOff = await inactiveCommandRefusals(
      this.db,
      targets.map((t) => t.instance_id),
      command
    );
    const trackerIds = [...new Set([...trackers.values()].flat())];
    const trackerTargets = new Map(
      (trackerIds.length > 0 ? await budgetTargets(this.db, trackerIds) : []).map((t) => [t.server_id, t])
    );
    const scopes = await this.scopeStates(this.db, [...targets, ...trackerTargets.values()]);
    const scopeKeys = (t: BudgetTarget) => this.scopesOf(t, scopes).map((s) => key(s.scope, s.id));
    const verdicts = previewTakeOuts(
      targets.map((t) => ({
        id: t.server_id,
        name: t.server_name,
        // Its own: a drain or maint passed down a track is not, and the command sets one of its own.
        adminState: intentOf({ adminState: t.admin_state, maintSource: t.maint_source }),
        available: t.available,
        initialWeight: t.initial_weight,
        backendId: t.backend_id,
        backup: t.backup,
        scopeKeys: scopeKeys(t),
        trackers: (trackers.get(t.server_id) ?? [])
          .map((id) => trackerTargets.get(id))
          .filter((x): x is BudgetTarget => x !== undefined)
          .map((x) => ({
            id: x.server_id,
            name: trackerName(x),
            available: x.available,
            backendId: x.backend_id,
            backup: x.backup,
            scopeKeys: scopeKeys(x),
          })),
      })),
      command,
      weight,
      scopes,
      force
    );
    const byId = new Map(targets.map((t) => [t.server_id, t]));
    return {
      dry_run: true,
      servers: verdicts.map((v) => {
        const t = byId.get(v.id)!;
        const off = switchedOff.get(t.instance_id);
        return {
          server_id: v.id,
          server_name: t.server_name,
          backend: t.backend_name,
          instance: t.instance_name,
          would: off ? 'refuse' : v.would,
          reason: off ? off.message : v.would === 'refuse' && budgetRefused ? `${v.reason} ${budgetRefused}` : v.reason,
        };
      }),
      // The budgets as they would be afterwards (the simulation lowered `available`).
      budgets: [...scopes.values()].map((s) => this.viewOf(s)),
    };
  }

  private refusal(s: ScopeState, t: BudgetTarget, name = t.server_name): AppError {
    // The scope that would fall short: a tracker's backend or application, when one goes out with the server.
    const inBackend = s.scope === 'backend';
    return new AppError(409, BUDGET_EXCEEDED, refusalMessage(s, [name]), {
      scope: s.scope,
      backend_id: inBackend ? s.id : t.backend_id,
      backend: inBackend ? s.backend : t.backend_name,
      instance: inBackend ? s.instance : t.instance_name,
      application_id: inBackend ? t.application_id : s.id,
      available: s.available,
      min_available: s.min,
      stale: s.stale ?? 0,
      refused_server_ids: [t.server_id],
    });
  }

  private minimumOf(scope: BudgetScope, id: number, mins: Map<string, MinAvailable>) {
    const own = mins.get(key(scope, id));
    if (own) {
      return { value: own, source: scope };
    }
    return scope === 'backend' ? { value: this.defaultMin, source: 'default' as const } : undefined;
  }

  /** The scopes of these servers with their minimums and counts now; an application without a budget has none. */
  private async scopeStates(db: Db, targets: readonly BudgetTarget[]): Promise<Map<string, ScopeState & Counted>> {
    const backends = new Map(targets.map((t) => [t.backend_id, t]));
    const apps = new Map(targets.filter((t) => t.application_id !== null).map((t) => [t.application_id!, t]));
    const [mins, allParts] = await Promise.all([
      storedMinimums(db, [...backends.keys()], [...apps.keys()]),
      scopeParts(db, [...backends.keys()], [...apps.keys()]),
    ]);
    const states = new Map<string, ScopeState & Counted>();
    const add = (scope: BudgetScope, id: number, label: string, t: BudgetTarget, backend: boolean) => {
      const min = this.minimumOf(scope, id, mins);
      const parts = allParts.get(key(scope, id));
      if (!min || !parts) {
        return;
      }
      const c = scopeCount(parts);
      states.set(key(scope, id), {
        scope,
        id,
        label,
        backend: backend ? t.backend_name : null,
        instance: backend ? t.instance_name : null,
        min: effectiveMin(min.value, c.counted, min.source),
        available: c.available,
        stale: c.stale,
        counted: c.counted,
        minimum: min,
        parts,
      });
    };
    for (const [id, t] of backends) {
      add('backend', id, `backend ${t.backend_name} of ${t.instance_name}`, t, true);
    }
    for (const [id, t] of apps) {
      add('application', id, `application ${t.application_name}`, t, false);
    }
    return states;
  }

  private scopesOf(t: BudgetTarget, scopes: Map<string, ScopeState>): ScopeState[] {
    return [
      scopes.get(key('backend', t.backend_id)),
      t.application_id === null ? undefined : scopes.get(key('application', t.application_id)),
    ].filter((s): s is ScopeState => s !== undefined);
  }

  private viewOf(s: ScopeState & Counted): BudgetView {
    return budgetView(s.scope, s.id, s.minimum, { counted: s.counted, available: s.available });
  }
}

/** A server going out, as the counts see it. */
const leaver = (t: BudgetTarget, scopes: readonly ScopeState[]): Leaver => ({
  backendId: t.backend_id,
  backup: t.backup,
  scopes,
});

/**
 * HAProxy passes an admin state down to the servers that track one (drain, maint), not a weight or a shutdown of
 * sessions: those take the server out alone.
 */
const takesTrackersOut = (command: AgentCommand) => command === 'drain' || command === 'maint';

/** A tracker as refusals name it: its backend too, as it may be in another. */
const trackerName = (t: BudgetTarget) => `${t.backend_name}/${t.server_name}`;

/** What a scope state carries for its API view. */
interface Counted {
  counted: number;
  minimum: { value: MinAvailable; source: BudgetView['source'] };
}
