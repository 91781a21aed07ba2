import { type Budget, FILTER_STATUSES, type FleetBackend, type Server, type StatusCounts } from '../../api/types';
import { isDrifting, openWindowEnd } from '../../utils/serverState';
import { compareNames } from '../../utils/sort';

export interface BackendGroup {
  /** One backend of one instance. */
  backendId: number;
  backendName: string;
  instanceId: number;
  instanceName: string;
  /** All its loaded servers, sorted by name (natural order). */
  servers: Server[];
  /** How many servers it has (0: requests routed to it fail). */
  serversTotal: number;
  /** Per-status counts over all its servers. */
  counts: StatusCounts;
  /** How many of its servers HAProxy keeps out of their intended state. */
  drifting: number;
  /** Its disruption budget, from the fleet's backends list (absent when the list does not have it). */
  budget?: Budget;
}

/** Besides HAProxy's statuses, the state model's filters: drifting servers, servers in a maintenance window. */
export const STATE_FILTERS = ['drift', 'window'] as const;
export type StatusFilter = (typeof FILTER_STATUSES)[number] | (typeof STATE_FILTERS)[number];

export interface FleetFilter {
  instanceId?: number;
  status?: StatusFilter;
  /** Case-insensitive substring of the backend name or the server name. */
  q?: string;
}

export interface FilteredBackend extends BackendGroup {
  /** The servers that pass the filter (all of them when the backend name matches the search). */
  visible: Server[];
}

/**
 * Groups the fleet's servers by backend, with every backend of the fleet's list (`backends`: its counts, and the
 * ones without servers); a server of a backend the list does not have yet (loaded at another moment) still gets
 * its group, counted from its servers. Sorted by instance then backend name, in natural order.
 */
export function groupByBackend(servers: Server[], backends: FleetBackend[] = []): BackendGroup[] {
  const groups = new Map<number, BackendGroup>();
  const listed = new Set<number>();
  for (const b of backends) {
    listed.add(b.id);
    groups.set(b.id, {
      backendId: b.id,
      backendName: b.name,
      instanceId: b.instance_id,
      instanceName: b.instance_name,
      servers: [],
      serversTotal: b.servers_total,
      counts: { ...b.by_status },
      drifting: b.drifting,
      budget: b.budget,
    });
  }
  for (const server of servers) {
    let group = groups.get(server.backend_id);
    if (!group) {
      group = {
        backendId: server.backend_id,
        backendName: server.backend_name,
        instanceId: server.instance_id,
        instanceName: server.instance_name,
        servers: [],
        serversTotal: 0,
        counts: {},
        drifting: 0,
      };
      groups.set(server.backend_id, group);
    }
    group.servers.push(server);
    if (!listed.has(server.backend_id)) {
      group.serversTotal++;
      group.counts[server.status] = (group.counts[server.status] ?? 0) + 1;
      group.drifting += isDrifting(server) ? 1 : 0;
    }
  }
  const list = Array.from(groups.values());
  for (const group of list) {
    group.servers.sort((a, b) => compareNames(a.server_name, b.server_name));
  }
  return list.sort(
    (a, b) => compareNames(a.instanceName, b.instanceName) || compareNames(a.backendName, b.backendName)
  );
}

/** Whether a server passes the status filter: one of HAProxy's statuses, drifting, or in an open window. */
export function matchesStatus(server: Server, status: StatusFilter, now: number): boolean {
  switch (status) {
    case 'drift':
      return isDrifting(server);
    case 'window':
      return openWindowEnd(server, now) !== undefined;
    default:
      return server.status === status;
  }
}

/**
 * Applies the page's filters. A backend stays when at least one of its servers passes; when the search
 * matches the backend's name, all its servers (of the chosen status) pass. A backend without servers stays
 * when no status is chosen and the search (if any) matches its name: it must not go unnoticed.
 */
export function filterBackends(groups: BackendGroup[], filter: FleetFilter, now = Date.now()): FilteredBackend[] {
  const q = filter.q?.trim().toLowerCase() ?? '';
  const result: FilteredBackend[] = [];
  for (const group of groups) {
    if (filter.instanceId !== undefined && group.instanceId !== filter.instanceId) {
      continue;
    }
    const backendMatches = q === '' || group.backendName.toLowerCase().includes(q);
    const visible = group.servers.filter(
      (s) =>
        (filter.status === undefined || matchesStatus(s, filter.status, now)) &&
        (backendMatches || s.server_name.toLowerCase().includes(q))
    );
    const emptyShown = group.servers.length === 0 && filter.status === undefined && backendMatches;
    if (visible.length > 0 || emptyShown) {
      result.push({ ...group, visible });
    }
  }
  return result;
}
