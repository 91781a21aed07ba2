import type { InstanceSnapshot, SnapshotServer } from './instance-snapshot';
import type { AdminState, MaintSource, OperationalState } from './servers-state';
import type { ProcessInfo } from './show-info';

/**
 * One server in the FAgent protocol: the seed's six fields first, then the reference agent's extras,
 * then the state fields of the protocol extension (docs/agent.md).
 */
export interface FAgentServer {
  name: string;
  address: string;
  /** HAProxy's status string unchanged; the backend normalises it. */
  status: string;
  /** The current weight (`srv_uweight`). */
  weight: number;
  current_sessions: number;
  /** The configured limit (`slim`, maxconn) when there is one, else the highest seen (`smax`). */
  max_sessions: number;
  session_limit: number | null;
  max_sessions_observed: number;
  check_status: string | null;
  last_change_seconds: number | null;
  backup: boolean;
  /** "backend/server" it follows through `track`: taking that one out takes this one out too. */
  tracks: string | null;
  id: number;
  admin_state: AdminState;
  maint_source: MaintSource | null;
  operational_state: OperationalState;
  initial_weight: number;
}

export interface FAgentInfo {
  version: string;
  pid: number;
  /** ISO 8601, UTC. */
  started_at: string;
  uptime_s: number;
}

export function toFAgentServer({ stat, state }: SnapshotServer): FAgentServer {
  return {
    name: stat.name,
    address: stat.address,
    status: stat.status,
    weight: state.weight,
    current_sessions: stat.currentSessions,
    max_sessions: stat.sessionLimit ?? stat.maxSessionsSeen,
    session_limit: stat.sessionLimit,
    max_sessions_observed: stat.maxSessionsSeen,
    check_status: stat.checkStatus,
    last_change_seconds: stat.lastChangeSeconds,
    backup: stat.backup,
    tracks: stat.tracked,
    id: state.serverId,
    admin_state: state.adminState,
    maint_source: state.maintSource,
    operational_state: state.operationalState,
    initial_weight: state.initialWeight,
  };
}

export function toFAgentInfo(info: ProcessInfo): FAgentInfo {
  return {
    version: info.version,
    pid: info.pid,
    started_at: info.startedAt.toISOString(),
    uptime_s: info.uptimeSec,
  };
}

/** The body of `GET /state`, without `success`. */
export function toFAgentState(snapshot: InstanceSnapshot): {
  info: FAgentInfo;
  backends: Array<{ name: string; servers: FAgentServer[] }>;
} {
  return {
    info: toFAgentInfo(snapshot.info),
    backends: snapshot.backends.map((b) => ({ name: b.name, servers: b.servers.map(toFAgentServer) })),
  };
}
