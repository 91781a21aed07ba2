export const SERVER_STATUSES = ['UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB', 'UNKNOWN'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export const COMMANDS = ['drain', 'ready', 'maint'] as const;
export type Command = (typeof COMMANDS)[number];

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

/** Servers per status with every status present (zeros included), in the order the API lists them. */
export function countsByStatus(counts: Partial<Record<ServerStatus, number>> | null): Record<ServerStatus, number> {
  return { UP: 0, DOWN: 0, DRAIN: 0, MAINT: 0, NOLB: 0, UNKNOWN: 0, ...(counts ?? {}) };
}
