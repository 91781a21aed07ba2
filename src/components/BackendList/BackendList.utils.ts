import type { Server, ServerStatus, StatusCounts } from '../../api/types';
import { compareNames } from '../../utils/sort';

export interface BackendGroup {
  /** One backend of one instance. */
  backendId: number;
  backendName: string;
  instanceId: number;
  instanceName: string;
  /** All its servers, sorted by name (natural order). */
  servers: Server[];
  /** Per-status counts over all its servers. */
  counts: StatusCounts;
}

export interface FleetFilter {
  instanceId?: number;
  status?: ServerStatus;
  /** Case-insensitive substring of the backend name or the server name. */
  q?: string;
}

export interface FilteredBackend extends BackendGroup {
  /** The servers that pass the filter (all of them when the backend name matches the search). */
  visible: Server[];
}

/** Groups the fleet's servers by backend; sorted by instance then backend name, in natural order. */
export function groupByBackend(servers: Server[]): BackendGroup[] {
  const groups = new Map<number, BackendGroup>();
  for (const server of servers) {
    let group = groups.get(server.backend_id);
    if (!group) {
      group = {
        backendId: server.backend_id,
        backendName: server.backend_name,
        instanceId: server.instance_id,
        instanceName: server.instance_name,
        servers: [],
        counts: {},
      };
      groups.set(server.backend_id, group);
    }
    group.servers.push(server);
    group.counts[server.status] = (group.counts[server.status] ?? 0) + 1;
  }
  const list = Array.from(groups.values());
  for (const group of list) {
    group.servers.sort((a, b) => compareNames(a.server_name, b.server_name));
  }
  return list.sort(
    (a, b) => compareNames(a.instanceName, b.instanceName) || compareNames(a.backendName, b.backendName)
  );
}

/**
 * Applies the page's filters. A backend stays when at least one of its servers passes; when the search
 * matches the backend's name, all its servers (of the chosen status) pass.
 */
export function filterBackends(groups: BackendGroup[], filter: FleetFilter): FilteredBackend[] {
  const q = filter.q?.trim().toLowerCase() ?? '';
  const result: FilteredBackend[] = [];
  for (const group of groups) {
    if (filter.instanceId !== undefined && group.instanceId !== filter.instanceId) {
      continue;
    }
    const backendMatches = q === '' || group.backendName.toLowerCase().includes(q);
    const visible = group.servers.filter(
      (s) =>
        (filter.status === undefined || s.status === filter.status) &&
        (backendMatches || s.server_name.toLowerCase().includes(q))
    );
    if (visible.length > 0) {
      result.push({ ...group, visible });
    }
  }
  return result;
}
