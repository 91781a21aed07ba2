import { useCallback } from 'react';
import { api } from './client';
import type { Host } from '../api/types';
import { useResource } from './useResource';

export function useHosts() {
  return useResource<Host[]>(api.hosts, 'hosts');
}

export function useHost(id: number) {
  const load = useCallback(() => api.host(id), [id]);
  return useResource<Host>(load, `host:${id}`, { enabled: Number.isFinite(id) });
}
