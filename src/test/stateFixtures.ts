/**
 * The server state model in the test backend (docs: the contract of admin state, desired state, drift and
 * windows): fields derived from a status, the command body's checks, what a command does, and the counts.
 */
import type {
  Action,
  AgentCommand,
  AdminState,
  CommandOptions,
  FleetBackend,
  OperationalState,
  Server,
  ServerStatus,
  StateCounts,
} from '../api/types';
import { budgetOf, isAvailable, type Minimums } from './guardFixtures';

type StateFields = Pick<
  Server,
  'admin_state' | 'maint_source' | 'operational_state' | 'initial_weight' | 'tracks' | 'backup' | 'desired' | 'drift'
>;

const ADMIN_OF: Partial<Record<ServerStatus, AdminState>> = {
  UP: 'ready',
  DOWN: 'ready',
  NOLB: 'ready',
  DRAIN: 'drain',
  MAINT: 'maint',
};
const OPERATIONAL_OF: Partial<Record<ServerStatus, OperationalState>> = {
  UP: 'up',
  NOLB: 'up',
  DRAIN: 'up',
  DOWN: 'down',
  MAINT: 'down',
};

/** The state fields a server of this status has when nothing else is said of it. */
export function stateOfStatus(status: ServerStatus, rawStatus?: string | null): StateFields {
  return {
    admin_state: ADMIN_OF[status] ?? null,
    maint_source: status !== 'MAINT' ? null : rawStatus?.includes('(via ') ? 'inherited' : 'forced',
    operational_state: OPERATIONAL_OF[status] ?? null,
    initial_weight: 100,
    tracks: /\(via ([^)]+)\)/.exec(rawStatus ?? '')?.[1] ?? null,
    backup: false,
    desired: null,
    drift: null,
  };
}

/** HAProxy's status from the two states: maintenance hides health, failing checks hide a drain. */
function statusOf(admin: AdminState, operational: OperationalState | null): ServerStatus {
  if (admin === 'maint') {
    return 'MAINT';
  }
  if (operational === 'down') {
    return 'DOWN';
  }
  return admin === 'drain' ? 'DRAIN' : 'UP';
}

export type CommandBody = CommandOptions & { command: AgentCommand; dry_run?: boolean };

const DAY_S = 24 * 3600;
const MAX_WINDOW_S = 30 * DAY_S;

/** The backend's 400s on a command body (the contract's wording is the backend's; these say the same). */
export function commandBodyProblem(body: CommandBody, now = Date.now()): string | undefined {
  if (body.reason !== undefined && body.reason.length > 500) {
    return 'reason: at most 500 characters';
  }
  if (body.until !== undefined && body.duration_s !== undefined) {
    return 'give either until or duration_s, not both';
  }
  const windowed = body.until !== undefined || body.duration_s !== undefined;
  if (windowed && body.command !== 'drain' && body.command !== 'maint') {
    return 'a window (until, duration_s) is only for drain and maint';
  }
  if ((body.command === 'weight') !== (body.weight !== undefined)) {
    return 'weight: given with the weight command, and only with it';
  }
  if (body.force && !body.reason?.trim()) {
    return 'force: needs a reason';
  }
  if (body.until !== undefined) {
    const end = Date.parse(body.until);
    if (!(end > now)) {
      return 'until: must be in the future';
    }
    if (end > now + MAX_WINDOW_S * 1000) {
      return 'until: at most 30 days ahead';
    }
  }
  if (body.duration_s !== undefined && (body.duration_s < 60 || body.duration_s > MAX_WINDOW_S)) {
    return 'duration_s: between 60 and 2592000';
  }
  return undefined;
}

/** What a command does to the server (HAProxy's state and the desired state); the audit row's fields of it. */
export function applyCommand(
  server: Server,
  body: CommandBody,
  actor: string,
  source: string,
  now = Date.now()
): Pick<Action, 'reason' | 'until' | 'note'> {
  if (body.command === 'weight' || body.command === 'shutdown-sessions') {
    // The admin state and the desired state stay as they are.
    if (body.command === 'weight') {
      const w = body.weight!;
      server.weight =
        typeof w === 'number' ? w : Math.round((Number(w.slice(0, -1)) / 100) * (server.initial_weight ?? 0));
    } else {
      server.current_sessions = 0;
    }
    return { reason: body.reason ?? null, until: null, note: null };
  }
  const admin: AdminState = body.command;
  // As HAProxy does: a maintenance inherited through `track` or from DNS outranks the command, which it keeps.
  const held =
    server.admin_state === 'maint' && (server.maint_source === 'inherited' || server.maint_source === 'resolution');
  const until =
    body.until ?? (body.duration_s !== undefined ? new Date(now + body.duration_s * 1000).toISOString() : null);
  if (!held) {
    server.admin_state = admin;
    server.maint_source = admin === 'maint' ? 'forced' : null;
    server.status = statusOf(admin, server.operational_state);
    server.raw_status = server.status;
    server.status_changed_at = new Date(now).toISOString();
  }
  server.drift = null;
  server.desired =
    admin === 'ready' && !body.reason
      ? null
      : {
          admin_state: admin,
          actor,
          reason: body.reason ?? null,
          source,
          set_at: new Date(now).toISOString(),
          until,
        };
  const note = held ? `HAProxy took ${admin}, but shows "${server.raw_status}"` : null;
  return { reason: body.reason ?? null, until, note };
}

/** The contract's counts over some servers. */
export function stateCountsOf(servers: Server[], now = Date.now()): StateCounts {
  const count = (test: (s: Server) => boolean) => servers.filter(test).length;
  const out = (s: Server) => s.admin_state === 'drain' || s.admin_state === 'maint';
  const down = (s: Server) => (s.operational_state ? s.operational_state === 'down' : s.status === 'DOWN');
  return {
    available: count(isAvailable),
    out_on_purpose: count(out),
    failing: count((s) => !out(s) && down(s)),
    drifting: count((s) => s.drift !== null),
    in_window: count((s) => s.desired?.until != null && Date.parse(s.desired.until) > now),
  };
}

/** The backend's contract: it has active servers (backup not true), none available, and a backup one available. */
function onBackup(servers: Server[]): boolean {
  const actives = servers.filter((s) => s.backup !== true);
  return actives.length > 0 && !actives.some(isAvailable) && servers.some((s) => s.backup === true && isAvailable(s));
}

/** GET /api/haproxy/backends: every backend with its counts and budget, the ones without servers included. */
export function fleetBackendsOf(
  servers: Server[],
  empty: FleetBackend[] = [],
  minimums: Minimums = { backends: {}, applications: {} }
): FleetBackend[] {
  const byId = new Map<number, Server[]>();
  for (const s of servers) {
    byId.set(s.backend_id, [...(byId.get(s.backend_id) ?? []), s]);
  }
  const listed = Array.from(byId.values()).map((group): FleetBackend => {
    const by_status: FleetBackend['by_status'] = {};
    for (const s of group) {
      by_status[s.status] = (by_status[s.status] ?? 0) + 1;
    }
    const first = group[0];
    return {
      id: first.backend_id,
      instance_id: first.instance_id,
      instance_name: first.instance_name,
      host_name: `host-of-${first.instance_name}`,
      name: first.backend_name,
      servers_total: group.length,
      shown: group.length,
      by_status,
      ...stateCountsOf(group),
      on_backup: onBackup(group),
      budget: budgetOf('backend', first.backend_id, group, minimums),
    };
  });
  return [...listed, ...empty];
}

/** A backend without servers, as GET /api/haproxy/backends lists it. */
export function emptyBackend(
  partial: Pick<FleetBackend, 'id' | 'name' | 'instance_id' | 'instance_name'>
): FleetBackend {
  return {
    host_name: `host-of-${partial.instance_name}`,
    servers_total: 0,
    shown: 0,
    by_status: {},
    on_backup: false,
    available: 0,
    out_on_purpose: 0,
    failing: 0,
    drifting: 0,
    in_window: 0,
    budget: budgetOf('backend', partial.id, [], { backends: {}, applications: {} }),
    ...partial,
  };
}
