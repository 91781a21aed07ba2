import { normaliseStatus, ServerStatus } from './status';

/**
 * The server state model (README "Server state model"): what an operator decided (the admin state) apart from
 * what health checks found (the operational state). `status` mixes both, as HAProxy's `show stat` does.
 */

export const ADMIN_STATES = ['ready', 'drain', 'maint'] as const;
export const MAINT_SOURCES = ['config', 'forced', 'inherited', 'resolution'] as const;
export const OPERATIONAL_STATES = ['up', 'down', 'starting', 'stopping'] as const;
export type AdminState = (typeof ADMIN_STATES)[number];
export type MaintSource = (typeof MAINT_SOURCES)[number];
export type OperationalState = (typeof OPERATIONAL_STATES)[number];

/** What a sync does when HAProxy lost a desired drain or maint across a reload: re-send it, or only record it. */
export const RECONCILE_POLICIES = ['reapply', 'alert'] as const;
export type ReconcilePolicy = (typeof RECONCILE_POLICIES)[number];

/** Why HAProxy disagrees with the desired state: a reload or restart lost it, or we cannot tell (no process info). */
export type DriftCause = 'reload' | 'unknown';

/** The admin state with its maint source; both null when unknown. */
export interface AdminView {
  adminState: AdminState | null;
  maintSource: MaintSource | null;
}

/** A server as HAProxy shows it: the seed's status and, from an extended agent, the state fields. */
export interface ObservedServer {
  status: string;
  admin_state?: AdminState;
  maint_source?: MaintSource | null;
  operational_state?: OperationalState;
  initial_weight?: number;
}

export interface ServerState extends AdminView {
  status: ServerStatus;
  operationalState: OperationalState | null;
  initialWeight: number | null;
}

/**
 * Whether health checks let the server take traffic: `up`, or `starting` (HAProxy's `slowstart` ramps its effective
 * weight after it comes back; it serves meanwhile, so a job's ramp goes on rather than waiting as for a DOWN one).
 */
export function takesTraffic(operationalState: OperationalState | null): boolean {
  return operationalState === 'up' || operationalState === 'starting';
}

/**
 * What a status string says of the two states (for agents that send no state fields). HAProxy's stats show
 * health first: a drained server whose checks fail is `DOWN`, one soft-stopping (`NOLB`) hides a drain too,
 * so those say nothing of the admin state. `MAINT` hides the operational state.
 */
export function stateFromStatus(raw: string): { admin: AdminView; operationalState: OperationalState | null } {
  const unknownAdmin: AdminView = { adminState: null, maintSource: null };
  switch (normaliseStatus(raw)) {
    case 'UP':
      return { admin: { adminState: 'ready', maintSource: null }, operationalState: 'up' };
    case 'DRAIN':
      return { admin: { adminState: 'drain', maintSource: null }, operationalState: 'up' };
    case 'MAINT':
      return { admin: { adminState: 'maint', maintSource: maintSourceOf(raw) }, operationalState: null };
    case 'DOWN':
      return { admin: unknownAdmin, operationalState: 'down' };
    case 'NOLB':
      return { admin: unknownAdmin, operationalState: 'stopping' };
    case 'UNKNOWN':
      return { admin: unknownAdmin, operationalState: null };
  }
}

/**
 * For a drained server, `DRAIN (agent)`: the server has HAProxy's own agent-check (`agent-check` in its
 * configuration). HAProxy shows any drain of such a server so, whether its agent answered drain or someone set
 * it at the socket; after a ready, a drain still shown is the agent's (it drains again at each check).
 */
export function drainedByAgentCheck(rawStatus: string): boolean {
  // `DOWN (agent)` is the agent-check answering down: health, not the drain.
  return normaliseStatus(rawStatus) === 'DRAIN' && /\(agent\)\s*$/i.test(rawStatus);
}

/** `MAINT (via b/s)` is inherited through `track`, `MAINT (resolution)` a failed DNS resolution; plain `MAINT` cannot tell. */
function maintSourceOf(raw: string): MaintSource | null {
  const s = raw.trim().toUpperCase();
  if (s.startsWith('MAINT (VIA ')) {
    return 'inherited';
  }
  return s.startsWith('MAINT (RESOLUTION') ? 'resolution' : null;
}

/**
 * A server's state from what HAProxy shows: the agent's fields when it sends them, else what the status says;
 * when neither tells the admin state, `known` (what we last knew, or what a command just did) stands.
 */
export function observedState(s: ObservedServer, known: AdminView | null): ServerState {
  const derived = stateFromStatus(s.status);
  const admin: AdminView = s.admin_state
    ? { adminState: s.admin_state, maintSource: sourceOf(s.admin_state, s.maint_source ?? null) }
    : derived.admin.adminState || !known
      ? derived.admin
      : { adminState: known.adminState, maintSource: known.maintSource };
  return {
    status: normaliseStatus(s.status),
    adminState: admin.adminState,
    maintSource: admin.maintSource,
    operationalState: s.operational_state ?? derived.operationalState,
    initialWeight: s.initial_weight ?? null,
  };
}

/** A maint has a source; a drain only `inherited` (it comes down a `track`); ready none. */
function sourceOf(adminState: AdminState, source: MaintSource | null): MaintSource | null {
  if (adminState === 'maint') {
    return source;
  }
  return adminState === 'drain' && source === 'inherited' ? source : null;
}

/**
 * The admin state that operator intent is compared with: a maint or drain inherited through `track`, or a maint
 * caused by DNS resolution, is another server's or HAProxy's doing, not an operator's, so it compares with
 * nothing (null). A maint from the configuration (`disabled`) does compare: a `ready` sent to it is lost at a
 * reload.
 */
export function intentOf(a: AdminView): AdminState | null {
  if (a.adminState !== null && a.adminState !== 'ready' && a.maintSource === 'inherited') {
    return null;
  }
  return a.adminState === 'maint' && a.maintSource === 'resolution' ? null : a.adminState;
}
