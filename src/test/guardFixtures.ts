/**
 * Guarded operations in the test backend (the contract of issue 9: disruption budgets, the guard with its
 * refusals, dry runs, jobs): pure functions over the fleet's servers, so the handlers stay thin and the pages'
 * tests see what the backend would answer.
 */
import type {
  AgentCommand,
  Budget,
  BudgetRefusal,
  DryRun,
  DryRunServer,
  MinAvailable,
  Operation,
  OperationRequest,
  OperationServer,
  Server,
} from '../api/types';
import { takesOut } from '../utils/guard';

/** HAPROXY_MIN_AVAILABLE's default: the last available server of a backend is never taken out silently. */
export const DEFAULT_MIN_AVAILABLE = 1;

/** The minimums set by an admin, by backend and by application id. */
export interface Minimums {
  backends: Record<number, MinAvailable>;
  applications: Record<number, MinAvailable>;
}

/** The contract's available: ready, up and weighted. */
export const isAvailable = (s: Server) =>
  s.admin_state === 'ready' && s.operational_state === 'up' && (s.weight ?? 0) > 0;

/** The count a minimum means over `counted` servers ("50%" of 5 is 3: rounded up, never fewer than asked). */
export function effectiveMin(min: MinAvailable, counted: number): number {
  return typeof min === 'number' ? min : Math.ceil((Number(min.replace('%', '')) / 100) * counted);
}

/**
 * What can serve at once, as the contract's budgets count: per backend, the scope's active servers that pass
 * `ok`, else one backup server that does when none of the backend's active servers (in `fleet`) does.
 */
function servingCount(servers: Server[], fleet: Server[], ok: (s: Server) => boolean): number {
  let total = 0;
  for (const backendId of new Set(servers.map((s) => s.backend_id))) {
    const mine = servers.filter((s) => s.backend_id === backendId);
    const backendActive = fleet.some((s) => s.backend_id === backendId && s.backup !== true && ok(s));
    const backup = !backendActive && mine.some((s) => s.backup === true && ok(s));
    total += mine.filter((s) => s.backup !== true && ok(s)).length + (backup ? 1 : 0);
  }
  return total;
}

const availableBut = (gone: ReadonlySet<Server>) => (s: Server) => isAvailable(s) && !gone.has(s);

/**
 * A backend's or an application's budget over its servers (the default never asks more than there are), with
 * `gone` taken out; `fleet`: the servers of their backends, whose active ones decide whether a backup serves.
 */
export function budgetOf(
  scope: Budget['scope'],
  id: number,
  servers: Server[],
  minimums: Minimums,
  fleet: Server[] = servers,
  gone: ReadonlySet<Server> = new Set()
): Budget {
  const set = scope === 'backend' ? minimums.backends[id] : minimums.applications[id];
  const min = set ?? (scope === 'backend' ? DEFAULT_MIN_AVAILABLE : null);
  const counted = servingCount(servers, fleet, () => true);
  const available = servingCount(servers, fleet, availableBut(gone));
  // An admin's count above the servers is refused when set; the default asks for no more than there are.
  const effective = min === null ? 0 : Math.min(effectiveMin(min, counted), set === undefined ? counted : Infinity);
  return {
    scope,
    id,
    min_available: min,
    source: set !== undefined ? scope : 'default',
    effective_min: effective,
    servers_counted: counted,
    available,
    ok: available >= effective,
  };
}

/** The backend's 400 on a minimum (the contract's wording). */
export function minimumProblem(min: unknown, counted: number, what: string): string | undefined {
  if (typeof min === 'number') {
    if (!Number.isInteger(min) || min < 0) {
      return 'min_available: a whole number of servers (0 or more) or a percentage such as "50%"';
    }
    return min > counted
      ? `min_available ${min} is more than the ${counted} servers of ${what} that can serve at once`
      : undefined;
  }
  const percent = typeof min === 'string' && /^\d{1,3}%$/.test(min) ? Number(min.slice(0, -1)) : NaN;
  return percent >= 0 && percent <= 100 ? undefined : 'min_available: a percentage must be between 0% and 100%';
}

export interface GuardDecision {
  server: Server;
  would: DryRunServer['would'];
  refusal?: BudgetRefusal;
}

/**
 * What the guard decides for each server of a command, in order: a server already out is skipped, one whose
 * going would leave its backend or its application below the minimum is refused, the others are taken out
 * (counted off, so the next one sees what remains). Ready takes nothing out: every server is done.
 */
export function guard(
  fleet: Server[],
  targets: Server[],
  command: AgentCommand,
  minimums: Minimums,
  weight?: number | string
): GuardDecision[] {
  if (!takesOut(command, weight)) {
    return targets.map((server) => ({ server, would: server.admin_state === 'ready' ? 'skip' : 'take_out' }));
  }
  // Servers the decisions took out already: each next one sees what remains.
  const gone = new Set<Server>();
  const decisions = targets.map((server): GuardDecision => {
    if (server.admin_state === command) {
      return { server, would: 'skip' };
    }
    if (!isAvailable(server)) {
      return { server, would: 'take_out' };
    }
    const backendServers = fleet.filter((s) => s.backend_id === server.backend_id);
    const scopes = [
      { scope: 'backend' as const, id: server.backend_id, servers: backendServers },
      ...(server.application_id === null
        ? []
        : [
            {
              scope: 'application' as const,
              id: server.application_id,
              servers: fleet.filter((s) => s.application_id === server.application_id),
            },
          ]),
    ].map((x) => ({
      budget: budgetOf(x.scope, x.id, x.servers, minimums, fleet, gone),
      after: budgetOf(x.scope, x.id, x.servers, minimums, fleet, new Set([...gone, server])).available,
    }));
    // A take-out that lowers no count (a backup server while an active one serves) is never refused.
    const short = scopes.find((x) => x.after < x.budget.available && x.after < x.budget.effective_min);
    if (short) {
      return {
        server,
        would: 'refuse',
        refusal: {
          scope: short.budget.scope,
          backend_id: short.budget.scope === 'backend' ? server.backend_id : null,
          backend: short.budget.scope === 'backend' ? server.backend_name : null,
          instance: short.budget.scope === 'backend' ? server.instance_name : null,
          application_id: server.application_id,
          available: short.budget.available,
          min_available: short.budget.effective_min,
          refused_server_ids: [server.id],
        },
      };
    }
    gone.add(server);
    return { server, would: 'take_out' };
  });
  return decisions;
}

/** The contract's message of a refusal: "backend web of edge-1: 5 available, minimum 5; refused web-03, web-04". */
export function refusalMessage(refusal: BudgetRefusal, names: string[]): string {
  const scope =
    refusal.scope === 'backend'
      ? `backend ${refusal.backend} of ${refusal.instance}`
      : `application ${refusal.application_id}`;
  return `${scope}: ${refusal.available} available, minimum ${refusal.min_available}; refused ${names.join(', ')}`;
}

/** The backend's 400s on a job (the contract's wording). */
export function operationProblem(body: OperationRequest & Record<string, unknown>): string | undefined {
  const selections = ['server_ids', 'backend_id', 'application_id'].filter((k) => body[k] !== undefined);
  if (selections.length !== 1) {
    return 'give exactly one of server_ids, backend_id, application_id';
  }
  if (body.deadline_s !== undefined && (body.deadline_s < 1 || body.deadline_s > 86400)) {
    return 'deadline_s: between 1 and 86400 (24 h)';
  }
  if (body.max_parallel !== undefined && (body.max_parallel < 1 || body.max_parallel > 1000)) {
    return 'max_parallel: between 1 and 1000';
  }
  const steps = body.ramp?.steps;
  if (steps && (steps.some((s, i) => i > 0 && s <= steps[i - 1]) || steps[steps.length - 1] !== 100)) {
    return 'ramp.steps: must rise and end at 100';
  }
  if (body.force && !body.reason?.trim()) {
    return 'force needs a reason';
  }
  return undefined;
}

/** A job as the backend starts it: refused servers say so, the others wait their turn. */
export function makeOperation(
  id: string,
  body: OperationRequest,
  decisions: GuardDecision[],
  actor: string,
  now = new Date().toISOString()
): Operation {
  const servers = decisions.map(({ server, would, refusal }): OperationServer => ({
    server_id: server.id,
    server_name: server.server_name,
    backend: server.backend_name,
    instance: server.instance_name,
    state: would === 'refuse' ? 'refused' : would === 'skip' ? 'done' : 'pending',
    sessions: server.current_sessions,
    weight: server.weight,
    step: null,
    since: now,
    error: refusal
      ? `below the budget of ${refusal.scope === 'backend' ? `backend ${refusal.backend}` : 'the application'}`
      : null,
  }));
  const count = (state: OperationServer['state']) => servers.filter((s) => s.state === state).length;
  const { server_ids, backend_id, application_id } = body as Partial<Record<string, unknown>>;
  return {
    id,
    action: body.action,
    state: 'running',
    actor,
    source: 'ui',
    reason: body.reason ?? null,
    created_at: now,
    started_at: now,
    finished_at: null,
    deadline_at: body.deadline_s ? new Date(Date.parse(now) + body.deadline_s * 1000).toISOString() : null,
    max_parallel: body.max_parallel ?? 1,
    on_deadline: body.on_deadline ?? 'fail',
    then: body.then === undefined ? (body.action === 'drain' ? 'maint' : null) : body.then,
    ramp: body.ramp ?? null,
    selection: JSON.parse(JSON.stringify({ server_ids, backend_id, application_id })),
    error: null,
    progress: {
      total: servers.length,
      pending: count('pending'),
      active: 0,
      done: count('done'),
      failed: 0,
      refused: count('refused'),
      cancelled: 0,
    },
    servers,
  };
}

/** Cancelling: servers not yet touched are cancelled, what is out stays out. */
export function cancelOperation(op: Operation, now = new Date().toISOString()): Operation {
  for (const s of op.servers) {
    if (s.state === 'pending') {
      s.state = 'cancelled';
      s.since = now;
    }
  }
  op.state = 'cancelled';
  op.finished_at = now;
  op.error = 'cancelled: servers already out stay out';
  op.progress.cancelled = op.servers.filter((s) => s.state === 'cancelled').length;
  op.progress.pending = 0;
  return op;
}

/** The dry-run answer of these decisions: each server's fate, and every budget touched as it would be after. */
export function dryRunOf(fleet: Server[], decisions: GuardDecision[], minimums: Minimums): DryRun {
  const gone = new Set(decisions.filter((d) => d.would === 'take_out').map((d) => d.server));
  const backendIds = [...new Set(decisions.map((d) => d.server.backend_id))];
  const appIds = [...new Set(decisions.map((d) => d.server.application_id).filter((id): id is number => id !== null))];
  const budgets = [
    ...backendIds.map((id) => {
      const servers = fleet.filter((s) => s.backend_id === id);
      return budgetOf('backend', id, servers, minimums, servers, gone);
    }),
    ...appIds.map((id) => {
      const servers = fleet.filter((s) => s.application_id === id);
      return budgetOf('application', id, servers, minimums, fleet, gone);
    }),
  ];
  return {
    dry_run: true,
    servers: decisions.map(({ server, would, refusal }) => ({
      server_id: server.id,
      server_name: server.server_name,
      backend: server.backend_name,
      instance: server.instance_name,
      would,
      reason:
        would === 'skip' ? 'already in that state' : refusal ? refusalMessage(refusal, [server.server_name]) : null,
    })),
    budgets,
  };
}
