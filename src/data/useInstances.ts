import { useCallback, useState } from 'react';
import { api } from './client';
import { asApiError } from '../api/errors';
import type { Instance, InstanceInput } from '../api/types';
import { formatPlural } from '../utils/format';
import { notify, notifyError, notifySuccess } from '../utils/notify';
import { changeActivity, changeWithToast } from './mutation';
import { SYNC_WAIT_MS, syncToast } from './syncToast';
import { useResource } from './useResource';

/** HAProxy instances, all of them or those of one host. */
export function useInstances(options: { hostId?: number; refreshMs?: number; enabled?: boolean } = {}) {
  const { hostId, refreshMs, enabled } = options;
  const load = useCallback(() => api.instances(hostId === undefined ? {} : { server_id: hostId }), [hostId]);
  return useResource<Instance[]>(load, `instances:${hostId ?? 'all'}`, { refreshMs, enabled });
}

/** "Sync now": syncs one instance and toasts what it did, or that it still runs after SYNC_WAIT_MS. */
export function useInstanceSync() {
  const [syncing, setSyncing] = useState<number[]>([]);
  const sync = useCallback(async (instance: Instance) => {
    setSyncing((ids) => [...ids, instance.id]);
    try {
      const toast = syncToast(instance.name, await api.syncInstance(instance.id, SYNC_WAIT_MS));
      notify(toast.severity, toast.title, toast.detail);
    } catch (err) {
      notifyError(`Sync of ${instance.name} failed`, asApiError(err).message);
    } finally {
      setSyncing((ids) => ids.filter((id) => id !== instance.id));
    }
  }, []);
  return { sync, syncing };
}

/** What an instance's form sends: a new instance's settings, or the changed ones of an existing instance. */
export type InstanceChanges = Partial<InstanceInput>;

/**
 * An admin's changes to a host's instances. `save` rejects with the backend's refusal, for the form to show
 * under its fields; the others toast.
 */
export function useInstanceMutations(onChanged: () => void) {
  const save = useCallback(
    async (instance: Instance | undefined, changes: InstanceChanges): Promise<Instance> => {
      const saved = instance
        ? await api.updateInstance(instance.id, changes)
        : await api.createInstance(changes as InstanceInput);
      const retired = instance ? instance.backend_count - saved.backend_count : 0;
      notifySuccess(
        instance ? `Instance ${saved.name} saved` : `Instance ${saved.name} registered`,
        retired > 0
          ? `${formatPlural(retired, 'backend')} outside the new scope moved to Recently removed.`
          : instance
            ? undefined
            : 'Its first sync runs at the next polling cycle, or now with "Sync now".'
      );
      onChanged();
      return saved;
    },
    [onChanged]
  );
  const setActive = useCallback(
    async (instance: Instance, active: boolean) =>
      (await changeActivity(`Instance ${instance.name}`, active, () =>
        api.updateInstance(instance.id, { is_active: active })
      )) && onChanged(),
    [onChanged]
  );
  const remove = useCallback(
    async (instance: Instance) =>
      (await changeWithToast(
        () => api.deleteInstance(instance.id),
        { title: `Instance ${instance.name} deleted` },
        `Instance ${instance.name} could not be deleted`
      )) && onChanged(),
    [onChanged]
  );
  const confirmRemovals = useCallback(
    async (instance: Instance) =>
      (await changeWithToast(
        () => api.confirmRemovals(instance.id),
        { title: `Removal confirmed on ${instance.name}`, detail: 'What the agent no longer lists was removed.' },
        `The removal on ${instance.name} could not be confirmed`
      )) && onChanged(),
    [onChanged]
  );
  return { save, setActive, remove, confirmRemovals };
}
