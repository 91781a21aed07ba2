import { useCallback, useMemo } from 'react';
import { api } from './client';
import type { Server, ServerFilterParams, ServerList } from '../api/types';
import { useResource } from './useResource';

export interface BackendServersOptions {
  /** How many of them: the first `limit` in natural name order. */
  limit: number;
  refreshMs?: number;
  enabled?: boolean;
  /** Show the previous answer while a new limit or filter loads (an open table); off for a one-off read. */
  keepPrevious?: boolean;
}

/**
 * The servers of one backend that the page's filters select, read from the backend when a backend is opened
 * (the HAProxy page never loads the fleet's servers), refreshed with the page; `updateServer` puts a command's or
 * a mapping's answer in place.
 */
export function useBackendServers(backendId: number, filter: ServerFilterParams, options: BackendServersOptions) {
  const { limit, refreshMs, enabled, keepPrevious = true } = options;
  const { status, drift, in_window, q } = filter;
  const params = useMemo(
    () => ({ backend_id: backendId, status, drift, in_window, q, limit }),
    [backendId, status, drift, in_window, q, limit]
  );
  const load = useCallback(() => api.servers(params), [params]);
  const resource = useResource<ServerList>(load, `backend-servers:${JSON.stringify(params)}`, {
    refreshMs,
    enabled,
    keepPrevious,
  });
  const { setData } = resource;
  const updateServer = useCallback(
    (server: Server) =>
      setData((list) => list && { ...list, servers: list.servers.map((s) => (s.id === server.id ? server : s)) }),
    [setData]
  );
  return { ...resource, updateServer };
}
