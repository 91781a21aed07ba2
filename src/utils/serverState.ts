import type { AdminState, AgentCommand, Server, ServerStatus } from '../api/types';

// What a status alone says of the intent, for a backend that does not report the admin state.
const STATUS_INTENT: Partial<Record<ServerStatus, AdminState>> = { UP: 'ready', DRAIN: 'drain', MAINT: 'maint' };

/** The server's admin state (intent); from its status when the backend does not say; undefined when unknown. */
export function intentOf(server: Pick<Server, 'admin_state' | 'status'>): AdminState | undefined {
  return server.admin_state ?? STATUS_INTENT[server.status];
}

/** The end of the server's maintenance window while it is open (in the future), else undefined. */
export function openWindowEnd(server: Pick<Server, 'desired'>, now = Date.now()): string | undefined {
  const until = server.desired?.until;
  return until && Date.parse(until) > now ? until : undefined;
}

/**
 * The end of a drain or maint window that has come while the server was not returned to ready yet (its agent
 * unreachable, say: the backend retries it), else undefined. A window that ended returns the desired state to ready.
 */
export function overdueWindowEnd(server: Pick<Server, 'desired'>, now = Date.now()): string | undefined {
  const until = server.desired?.admin_state !== 'ready' ? server.desired?.until : undefined;
  return until && Date.parse(until) <= now ? until : undefined;
}

/** Ready (or of unknown intent) but at weight 0: HAProxy sends it no traffic, so it counts as out on purpose. */
export function atWeightZero(server: Pick<Server, 'admin_state' | 'status' | 'weight'>): boolean {
  const intent = intentOf(server);
  return server.weight === 0 && intent !== 'drain' && intent !== 'maint';
}

/** HAProxy disagrees with what the server was asked to be. */
export function isDrifting(server: Pick<Server, 'drift'>): boolean {
  return Boolean(server.drift);
}

/** The "backend/server" it tracks: the agent's `tracks`, else what HAProxy's status names ("MAINT (via b/s)"). */
export function trackedServerOf(server: Pick<Server, 'tracks' | 'raw_status'>): string | undefined {
  return server.tracks ?? /\(via ([^)]+)\)/.exec(server.raw_status ?? '')?.[1];
}

const trackedWords = (server: Pick<Server, 'tracks' | 'raw_status'>) => {
  const tracked = trackedServerOf(server);
  return tracked ? `${tracked}, the server it tracks` : 'the server it tracks';
};

/**
 * Why HAProxy keeps the server in maintenance whatever ready or drain says: the maintenance of the server it
 * tracks, or an address DNS has not resolved. Either still records the intent and clears a maintenance set on
 * this server; HAProxy shows it once that maintenance ends.
 */
export function maintenanceCommandCannotEnd(
  command: AgentCommand,
  server: Pick<Server, 'admin_state' | 'maint_source' | 'raw_status' | 'tracks'>
) {
  if ((command !== 'ready' && command !== 'drain') || server.admin_state !== 'maint') {
    return undefined;
  }
  if (server.maint_source === 'inherited') {
    return `Its maintenance is inherited from ${trackedWords(server)}: HAProxy keeps it in maintenance until that server leaves maintenance.`;
  }
  if (server.maint_source === 'resolution') {
    return 'Its address has not resolved: HAProxy keeps it in maintenance until DNS answers for it.';
  }
  return undefined;
}

/**
 * Why a ready does not undrain it: its drain comes down HAProxy's `track` (the tracked server is drained). Ready
 * clears only a drain set on this server itself; HAProxy keeps it drained until the tracked server is ready.
 */
export function trackedDrainHolds(
  command: AgentCommand,
  server: Pick<Server, 'admin_state' | 'maint_source' | 'raw_status' | 'tracks'>
) {
  return command === 'ready' && server.admin_state === 'drain' && server.maint_source === 'inherited'
    ? `Its drain is inherited from ${trackedWords(server)}: HAProxy keeps it drained until that server is ready again.`
    : undefined;
}

/**
 * Why a ready may not last: the server has HAProxy's own agent-check (`agent-check` in its configuration), and
 * HAProxy shows any drain of such a server as `DRAIN (agent)`, its agent-check's answer or one set at the socket.
 * If it is the agent's, HAProxy drains the server again at its next check.
 */
export function agentCheckDrains(command: AgentCommand, server: Pick<Server, 'admin_state' | 'status' | 'raw_status'>) {
  // `DOWN (agent)` is the agent-check answering down: health, not the drain.
  return command === 'ready' &&
    server.admin_state === 'drain' &&
    server.status === 'DRAIN' &&
    /\(agent\)\s*$/i.test(server.raw_status ?? '')
    ? 'HAProxy shows "DRAIN (agent)": this server has an agent-check, and its drain is the agent\'s answer or was set at the stats socket (HAProxy shows both so). If the agent answers drain, HAProxy takes ready, then drains it again at the next check, until the agent answers ready.'
    : undefined;
}
