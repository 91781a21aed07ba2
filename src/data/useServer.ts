import { useCallback } from 'react';
import { api } from './client';
import type { Server, StatusChange } from '../api/types';
import { useResource } from './useResource';

/** One server, as every list shows it (states, desired state, window, drift). */
export function useServer(id: number) {
  const load = useCallback(() => api.server(id), [id]);
  return useResource<Server>(load, `server:${id}`);
}

/** Its state changes since `since` (ms): what the timeline draws. */
export function useServerHistory(id: number, since: number) {
  const load = useCallback(
    () => api.serverHistory(id, { since: new Date(since).toISOString(), limit: 10_000 }),
    [id, since]
  );
  return useResource<StatusChange[]>(load, `server-history:${id}:${since}`);
}
