import { useCallback } from 'react';
import { api } from './client';
import type { Server } from '../api/types';
import { useResource } from './useResource';

/**
 * Every server of the fleet, loaded once (and on each auto-refresh): the HAProxy page groups them into
 * backends and filters them in the browser, so changing a filter never refetches.
 */
export function useFleetServers(refreshMs = 0) {
  const resource = useResource<Server[]>(api.allServers, 'fleet-servers', { refreshMs });
  const { setData } = resource;

  /** Replace one server with the backend's answer after a command or a mapping change. */
  const updateServer = useCallback(
    (server: Server) => setData((servers) => servers?.map((s) => (s.id === server.id ? server : s))),
    [setData]
  );

  return { ...resource, updateServer };
}

export type FleetServers = ReturnType<typeof useFleetServers>;
