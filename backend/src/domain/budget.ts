import type { AdminState } from './server-state';
import type { AgentCommand } from './status';

/**
 * Disruption budgets (README "Operating safely"): how many servers of a backend, or of an application across
 * its backends and instances, must stay available. Pure: the store counts, this decides.
 */

/** A minimum as a count of servers, or as a percentage of the servers that count. */
export type MinAvailable = { count: number } | { percent: number };
/** How the API and the environment write it: 5 or "50%". */
export type MinAvailableValue = number | `${number}%`;

export const BUDGET_SCOPES = ['backend', 'application'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
/** Where a minimum comes from: set on the backend or the application, or HAPROXY_MIN_AVAILABLE. */
export type BudgetSource = BudgetScope | 'default';

/** A count (an integer >= 0) or "N%" (0-100); a reason when it is neither. */
export function parseMinAvailable(v: unknown): MinAvailable | string {
  if (typeof v === 'number') {
    return Number.isInteger(v) && v >= 0 && v <= 1_000_000
      ? { count: v }
      : 'min_available must be a whole number of servers (0 or more) or a percentage such as "50%"';
  }
  if (typeof v === 'string') {
    const m = /^(\d{1,3})%$/.exec(v.trim());
    if (m && Number(m[1]) <= 100) {
      return { percent: Number(m[1]) };
    }
    if (/^\d+$/.test(v.trim())) {
      return parseMinAvailable(Number(v.trim()));
    }
    return m
      ? 'a min_available percentage is from 0% to 100%'
      : 'min_available must be a whole number of servers (0 or more) or a percentage such as "50%"';
  }
  return 'min_available must be a whole number of servers (0 or more) or a percentage such as "50%"';
}

export const formatMinAvailable = (m: MinAvailable): MinAvailableValue => ('count' in m ? m.count : `${m.percent}%`);

/**
 * The count a minimum means for `counted` servers: a percentage rounds up (50% of 5 is 3: "at least half").
 * HAPROXY_MIN_AVAILABLE is a fleet-wide default, so it asks at most for every server a backend has (a default of
 * 1 on an empty backend means 0); a minimum set on the backend or application itself is taken as it is.
 */
export function effectiveMin(m: MinAvailable, counted: number, source: BudgetSource): number {
  const n = 'count' in m ? m.count : Math.ceil((m.percent * counted) / 100);
  return source === 'default' ? Math.min(n, counted) : n;
}

/**
 * A scope's servers in one backend, counted three ways (in all, available to the guard, said available).
 * HAProxy sends a backend's traffic to its active servers (not `backup`, or the agent does not say) while one of
 * them can take it, and to its backup servers only when none can: then to the first one (every one with
 * `option allbackups`, which no agent reports). So what a budget counts is what can serve at once.
 */
export interface BackendPart {
  backendId: number;
  /** The scope's active servers in this backend. */
  active: Tally;
  /** The scope's backup servers in this backend. */
  backup: Tally;
  /** The backend's active servers, the scope's or not: a backup serves only when none of them is available. */
  backendActive: Tally;
}

export interface Tally {
  /** Current servers. */
  n: number;
  /** Of those: ready, up, with a weight above 0, not being taken out by a command right now, and current. */
  available: number;
  /** Of those: they said they are available (`available` and stale ones, store/budgets.ts STATUSES_CURRENT). */
  said: number;
}

/** What a part adds to a count: its active servers, else one backup server when the backend has no active one. */
const serving = (p: BackendPart, f: keyof Tally) => p.active[f] + (p.backendActive[f] === 0 && p.backup[f] > 0 ? 1 : 0);

const sumServing = (parts: readonly BackendPart[], f: keyof Tally) => parts.reduce((sum, p) => sum + serving(p, f), 0);

/** The servers of a scope as a budget counts them. */
export interface ScopeCount {
  /** Current servers that can serve at once: the active ones; a backend of backup servers only, one. */
  counted: number;
  /** Of those, available: the active ones; a backend with none, one of its available backup servers. */
  available: number;
  /**
   * Of those counted: they said they are available, but that is stale (store/budgets.ts STATUSES_CURRENT). The
   * guard leaves them out of `available`; a budget's view (the API, /metrics) counts them at their last state, as
   * the alert rules do: the sync-failing alert speaks for their instance, not one alert per backend.
   */
  stale: number;
}

export function scopeCount(parts: readonly BackendPart[]): ScopeCount {
  const available = sumServing(parts, 'available');
  return { counted: sumServing(parts, 'n'), available, stale: sumServing(parts, 'said') - available };
}

/** What a budget's view counts as available: what was last said (ScopeCount.stale), none when the scope is gone. */
export const lastSaid = (c: ScopeCount | undefined): Pick<ScopeCount, 'counted' | 'available'> =>
  c ? { counted: c.counted, available: c.available + c.stale } : { counted: 0, available: 0 };

/** A budget as the API answers it. */
export interface BudgetView {
  scope: BudgetScope;
  id: number;
  min_available: MinAvailableValue | null;
  source: BudgetSource;
  effective_min: number;
  servers_counted: number;
  available: number;
  ok: boolean;
}

export function budgetView(
  scope: BudgetScope,
  id: number,
  min: { value: MinAvailable; source: BudgetSource } | undefined,
  c: Pick<ScopeCount, 'counted' | 'available'>
): BudgetView {
  const effective = min ? effectiveMin(min.value, c.counted, min.source) : 0;
  return {
    scope,
    id,
    min_available: min ? formatMinAvailable(min.value) : null,
    source: min?.source ?? 'default',
    effective_min: effective,
    servers_counted: c.counted,
    available: c.available,
    ok: c.available >= effective,
  };
}

/**
 * Whether a command takes a server out of service when it is available: drain, maint, shutting its sessions
 * down, a weight that comes to 0. ready and any other weight bring servers in or leave them in.
 * HAProxy sets "p%" to floor(initial weight x p / 100): 50% of a weight of 1 is 0. With the initial weight
 * unknown (the question asked before the server is read, or an agent that does not report it), any percentage
 * below 100 may come to 0 for a server of weight 1, so it counts as taking out.
 */
export function takesOut(command: AgentCommand, weight?: number | string, initialWeight?: number | null): boolean {
  switch (command) {
    case 'drain':
    case 'maint':
    case 'shutdown-sessions':
      return true;
    case 'weight': {
      if (weight === undefined) {
        return false;
      }
      // By value, not spelling: "00%" is 0% too (the API spells weights one way, but this is the guard).
      const value = parseInt(String(weight), 10);
      if (!String(weight).endsWith('%')) {
        return value === 0;
      }
      return initialWeight === undefined || initialWeight === null
        ? value < 100
        : Math.floor((initialWeight * Math.min(value, 25_600)) / 100) === 0;
    }
    case 'ready':
      return false;
  }
}

/** One scope a server belongs to, with its names for messages and its numbers now. */
export interface ScopeState {
  scope: BudgetScope;
  id: number;
  /** "backend web of edge-1", "application shop". */
  label: string;
  backend: string | null;
  instance: string | null;
  min: number;
  /** What its parts count available (ScopeCount). */
  available: number;
  /** Servers counted but not available because their statuses are stale (ScopeCount). */
  stale?: number;
  /** Its servers by backend, as counted. */
  parts: readonly BackendPart[];
}

/** A server going out, as the counts see it: its backend, whether it is a backup, and the scopes it counts in. */
export interface Leaver {
  backendId: number;
  backup: boolean;
  scopes: readonly ScopeState[];
}

/**
 * Servers going out together (a server and its trackers): every scope's parts and count afterwards (of `all`,
 * the scopes known: an active server going out lets the backup servers of its backend count, in any scope), and
 * the first of the leavers' scopes that would fall below its minimum. A take-out that lowers no count (a backup
 * server while an active one serves, or the last active one while a backup takes over) breaks no budget.
 */
export function takeOutOf(leavers: readonly Leaver[], all: Iterable<ScopeState> = leavers.flatMap((x) => x.scopes)) {
  const known = [...new Set(all)];
  const next = new Map<ScopeState, BackendPart[]>();
  const partOf = (s: ScopeState, backendId: number) => {
    let parts = next.get(s);
    if (!parts) {
      parts = s.parts.map((p) => ({
        ...p,
        active: { ...p.active },
        backup: { ...p.backup },
        backendActive: { ...p.backendActive },
      }));
      next.set(s, parts);
    }
    return parts.find((p) => p.backendId === backendId);
  };
  for (const x of leavers) {
    for (const s of x.scopes) {
      const p = partOf(s, x.backendId);
      if (p) {
        (x.backup ? p.backup : p.active).available -= 1;
      }
    }
    if (!x.backup) {
      for (const s of known.filter((k) => k.parts.some((p) => p.backendId === x.backendId))) {
        partOf(s, x.backendId)!.backendActive.available -= 1;
      }
    }
  }
  const after = new Map([...next].map(([s, parts]) => [s, sumServing(parts, 'available')]));
  const breached = [...new Set(leavers.flatMap((x) => x.scopes))].find((s) => {
    const left = after.get(s) ?? s.available;
    return left < s.available && left < s.min;
  });
  return { next, after, breached };
}

/** A server with the ones that follow it through `track`, as refusals and dry runs name them. */
export function withTrackers(name: string, trackers: readonly string[]): string {
  return trackers.length === 0 ? name : `${name} (with ${trackers.join(', ')}, which track it)`;
}

/** The words of a refusal (README: "backend web of edge-1: 5 available, minimum 5; refused web-03"). */
export function refusalMessage(s: ScopeState, refused: readonly string[]): string {
  // Without this, a scope whose agent stopped answering would look short of servers for no reason shown.
  const stale = s.stale
    ? ` (${s.stale} more not counted: their HAProxy instance is inactive or its sync is failing, so their last statuses are stale)`
    : '';
  return `${s.label}: ${s.available} available${stale}, minimum ${s.min}; refused ${refused.join(', ')}`;
}

/** What a dry run says of one server. */
export type DryRunVerdict = 'take_out' | 'refuse' | 'skip' | 'apply';

/** A server of a dry run as the simulation needs it. */
export interface PreviewServer {
  id: number;
  name: string;
  adminState: AdminState | null;
  /** Counted available by the budget (see ScopeCount). */
  available: boolean;
  /** The configured weight, which a percentage weight is of (null: the agent does not say). */
  initialWeight: number | null;
  backendId: number;
  backup: boolean;
  /** Keys into the scopes map: `backend:<id>`, `application:<id>`. */
  scopeKeys: string[];
  /** The servers that follow it through `track`: they go out with it. */
  trackers?: ReadonlyArray<Pick<PreviewServer, 'id' | 'name' | 'available' | 'backendId' | 'backup' | 'scopeKeys'>>;
}

/**
 * A dry run: the command on each server in order, as the guarded path would decide it, each take-out lowering
 * the counts the next one sees. `skip`: nothing changes (already in that admin state); `apply`: it changes the
 * server without taking an available one out (ready, maint on a drained server, drain on a DOWN one).
 */
export function previewTakeOuts(
  servers: readonly PreviewServer[],
  command: AgentCommand,
  weight: number | string | undefined,
  scopes: Map<string, ScopeState>,
  /** Past the budgets, as the real command with `force` goes: a take-out that says which budget it breaks. */
  force = false
): Array<{ id: number; would: DryRunVerdict; reason: string | null }> {
  // Servers the simulation took out already, trackers of earlier ones included.
  const gone = new Set<number>();
  return servers.map((s) => {
    if (s.adminState !== null && s.adminState === command) {
      return { id: s.id, would: 'skip', reason: `already ${command === 'ready' ? 'ready' : `in ${command}`}` };
    }
    // What it takes out: itself when available, and its available trackers (which follow a maint even of a
    // server at weight 0).
    const out = takesOut(command, weight, s.initialWeight);
    const counts = (x: { id: number; available: boolean }) => out && x.available && !gone.has(x.id);
    const self = counts(s) ? [s] : [];
    const trackers = (s.trackers ?? []).filter(counts);
    if (self.length + trackers.length === 0) {
      return { id: s.id, would: 'apply', reason: null };
    }
    const { next, after, breached } = takeOutOf(
      [...self, ...trackers].map((x) => ({
        backendId: x.backendId,
        backup: x.backup,
        scopes: x.scopeKeys.map((k) => scopes.get(k)).filter((c): c is ScopeState => c !== undefined),
      })),
      scopes.values()
    );
    const name = withTrackers(
      s.name,
      trackers.map((t) => t.name)
    );
    if (breached && !force) {
      return { id: s.id, would: 'refuse', reason: refusalMessage(breached, [name]) };
    }
    // Forced: the words of the real command's audit note, with the counts before it goes.
    const reason = breached
      ? `forced past the budget: ${refusalMessage(breached, [name])}`
      : trackers.length > 0
        ? `takes out ${name}`
        : null;
    for (const [scope, parts] of next) {
      scope.parts = parts;
      scope.available = after.get(scope)!;
    }
    for (const x of [...self, ...trackers]) {
      gone.add(x.id);
    }
    return { id: s.id, would: 'take_out', reason };
  });
}
