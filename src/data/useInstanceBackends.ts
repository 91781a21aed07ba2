import { useCallback } from 'react';
import { api } from './client';
import type { Backend } from '../api/types';
import { useResource } from './useResource';

/** Backends of one instance with their status counts; `enabled: false` until the instance is expanded. */
export function useInstanceBackends(instanceId: number, enabled = true) {
  const load = useCallback(() => api.instanceBackends(instanceId), [instanceId]);
  return useResource<Backend[]>(load, `instance-backends:${instanceId}`, { enabled });
}
