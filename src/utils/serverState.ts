import type { AdminState, Server, ServerStatus } from '../api/types';

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

/** HAProxy disagrees with what the server was asked to be. */
export function isDrifting(server: Pick<Server, 'drift'>): boolean {
  return Boolean(server.drift);
}
