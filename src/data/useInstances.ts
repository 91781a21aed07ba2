import { useCallback, useState } from 'react';
import { api } from '../api/client';
import type { Instance } from '../api/types';
import { useResource } from './useResource';

/** HAProxy instances, all of them or those of one host (the seed calls the host "server"). */
export function useInstances(options: { hostId?: number; refreshMs?: number; enabled?: boolean } = {}) {
  const { hostId, refreshMs, enabled } = options;
  const load = useCallback(() => api.instances(hostId === undefined ? {} : { server_id: hostId }), [hostId]);
  return useResource<Instance[]>(load, `instances:${hostId ?? 'all'}`, { refreshMs, enabled });
}

/** "Sync now": asks the backend to sync one instance (202, the sync runs in the background). */
export function useInstanceSync() {
  const [pending, setPending] = useState<number[]>([]);
  const sync = useCallback(async (instanceId: number) => {
    setPending((p) => [...p, instanceId]);
    try {
      return await api.syncInstance(instanceId);
    } finally {
      setPending((p) => p.filter((id) => id !== instanceId));
    }
  }, []);
  return { sync, pending };
}
