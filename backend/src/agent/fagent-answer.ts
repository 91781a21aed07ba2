import type { ServerStat } from './show-stat';

/** One server in the FAgent protocol: the seed's six fields first, then additions the seed allows. */
export interface FAgentServer {
  name: string;
  address: string;
  /** HAProxy's status string unchanged; the backend normalises it. */
  status: string;
  weight: number;
  current_sessions: number;
  /** The configured limit (`slim`, maxconn) when there is one, else the highest seen (`smax`). */
  max_sessions: number;
  session_limit: number | null;
  max_sessions_observed: number;
  check_status: string | null;
  last_change_seconds: number | null;
  backup: boolean;
}

/** Backends that have at least one server, in the order HAProxy lists them. */
export function backendNames(stats: readonly ServerStat[]): string[] {
  return [...new Set(stats.map((s) => s.backend))];
}

export function serversOf(stats: readonly ServerStat[], backend: string): ServerStat[] {
  return stats.filter((s) => s.backend === backend);
}

export function toFAgentServer(stat: ServerStat): FAgentServer {
  return {
    name: stat.name,
    address: stat.address,
    status: stat.status,
    weight: stat.weight,
    current_sessions: stat.currentSessions,
    max_sessions: stat.sessionLimit ?? stat.maxSessionsSeen,
    session_limit: stat.sessionLimit,
    max_sessions_observed: stat.maxSessionsSeen,
    check_status: stat.checkStatus,
    last_change_seconds: stat.lastChangeSeconds,
    backup: stat.backup,
  };
}
