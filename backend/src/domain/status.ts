export const SERVER_STATUSES = ['UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB', 'UNKNOWN'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** The commands that set a server's admin state (and its desired state). */
export const COMMANDS = ['drain', 'ready', 'maint'] as const;
export type Command = (typeof COMMANDS)[number];

/** Every command an agent runs: the admin-state ones, and two that leave the admin state alone. */
export const AGENT_COMMANDS = [...COMMANDS, 'weight', 'shutdown-sessions'] as const;
export type AgentCommand = (typeof AGENT_COMMANDS)[number];

export const isAdminCommand = (c: AgentCommand): c is Command => (COMMANDS as readonly string[]).includes(c);

/** The status a successful command leaves the server in, as HAProxy reports it right after. */
export const STATUS_AFTER_COMMAND: Record<Command, ServerStatus> = { drain: 'DRAIN', ready: 'UP', maint: 'MAINT' };

/**
 * HAProxy reports e.g. `UP 1/3`, `DOWN (agent)`, `MAINT (via b/s)`, `no check`: normalise by prefix.
 * `no check` means the server takes traffic without health checks, so it counts as UP.
 */
export function normaliseStatus(raw: string): ServerStatus {
  const s = raw.trim().toUpperCase();
  if (s.startsWith('NO CHECK')) {
    return 'UP';
  }
  for (const status of ['MAINT', 'DRAIN', 'NOLB', 'DOWN', 'UP'] as const) {
    if (s.startsWith(status)) {
      return status;
    }
  }
  return 'UNKNOWN';
}

/** Compact integer codes used in metric samples (arrays of smallint). */
export const STATUS_CODE: Record<ServerStatus, number> = { UNKNOWN: 0, UP: 1, DOWN: 2, DRAIN: 3, MAINT: 4, NOLB: 5 };
