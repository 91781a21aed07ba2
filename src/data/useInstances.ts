import { useCallback, useState } from 'react';
import { api } from './client';
import { asApiError } from '../api/errors';
import type { Instance } from '../api/types';
import { notifyError, notifySuccess } from '../utils/notify';
import { useResource } from './useResource';

/** HAProxy instances, all of them or those of one host. */
export function useInstances(options: { hostId?: number; refreshMs?: number; enabled?: boolean } = {}) {
  const { hostId, refreshMs, enabled } = options;
  const load = useCallback(() => api.instances(hostId === undefined ? {} : { server_id: hostId }), [hostId]);
  return useResource<Instance[]>(load, `instances:${hostId ?? 'all'}`, { refreshMs, enabled });
}

/** "Sync now": asks the backend to sync one instance (202, the sync runs in the background), with its toast. */
export function useInstanceSync() {
  const [syncing, setSyncing] = useState<number[]>([]);
  const sync = useCallback(async (instance: Instance) => {
    setSyncing((ids) => [...ids, instance.id]);
    try {
      await api.syncInstance(instance.id);
      notifySuccess(`Sync of ${instance.name} started`);
    } catch (err) {
      notifyError(`Sync of ${instance.name} failed`, asApiError(err).message);
    } finally {
      setSyncing((ids) => ids.filter((id) => id !== instance.id));
    }
  }, []);
  return { sync, syncing };
}
