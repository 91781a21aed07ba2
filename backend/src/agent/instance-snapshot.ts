import type { ServerStateRow } from './servers-state';
import type { ProcessInfo } from './show-info';
import type { ServerStat, ShowStatTable } from './show-stat';
import { UnexpectedOutputError } from './unexpected-output';

/** One server as both dumps describe it. */
export interface SnapshotServer {
  stat: ServerStat;
  state: ServerStateRow;
}

export interface SnapshotBackend {
  name: string;
  servers: SnapshotServer[];
}

/** Everything the agent reports about one HAProxy process, from one batch of dumps. */
export interface InstanceSnapshot {
  info: ProcessInfo;
  /** Every backend in HAProxy's order, those without servers too. */
  backends: SnapshotBackend[];
}

export class SnapshotJoinError extends UnexpectedOutputError {}

/**
 * Joins `show stat` and `show servers state` by backend id and server id (iid/sid vs be_id/srv_id),
 * never by position or name order. The names must agree as well: if they do not, the two dumps do
 * not describe the same configuration and neither is trusted.
 */
export function joinSnapshot(
  table: ShowStatTable,
  states: readonly ServerStateRow[],
  info: ProcessInfo
): InstanceSnapshot {
  const stateById = new Map(states.map((s) => [`${s.backendId}/${s.serverId}`, s]));
  const backendById = new Map<number, SnapshotBackend>();
  const backends: SnapshotBackend[] = [];
  for (const backend of table.backends) {
    if (backend.id === null) {
      throw new SnapshotJoinError(`show stat has no iid for backend "${backend.name}"`);
    }
    const entry: SnapshotBackend = { name: backend.name, servers: [] };
    backendById.set(backend.id, entry);
    backends.push(entry);
  }
  for (const stat of table.servers) {
    const where = `${stat.backend}/${stat.name}`;
    if (stat.backendId === null || stat.serverId === null) {
      throw new SnapshotJoinError(`show stat has no iid/sid for server ${where}`);
    }
    const state = stateById.get(`${stat.backendId}/${stat.serverId}`);
    if (!state) {
      throw new SnapshotJoinError(`show servers state has no server ${stat.backendId}/${stat.serverId} (${where})`);
    }
    if (state.backend !== stat.backend || state.server !== stat.name) {
      throw new SnapshotJoinError(
        `server ${stat.backendId}/${stat.serverId} is ${where} in show stat but ${state.backend}/${state.server} in show servers state`
      );
    }
    const backend = backendById.get(stat.backendId);
    if (!backend) {
      throw new SnapshotJoinError(`show stat has server ${where} but no BACKEND row for iid ${stat.backendId}`);
    }
    backend.servers.push({ stat, state });
  }
  return { info, backends };
}
