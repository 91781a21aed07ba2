import { api } from './client';
import type { FleetBackend } from '../api/types';
import { useResource } from './useResource';

const loadAll = async () => (await api.backends()).backends ?? [];

/**
 * Every backend of the fleet with its counts, zero-server ones included: the HAProxy page's accordion headers
 * (its servers load apart, once for the whole fleet).
 */
export function useFleetBackends(refreshMs = 0) {
  return useResource<FleetBackend[]>(loadAll, 'fleet-backends', { refreshMs });
}
