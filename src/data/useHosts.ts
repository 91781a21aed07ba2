import { useCallback } from 'react';
import { api } from './client';
import type { Host, HostInput } from '../api/types';
import { notifySuccess } from '../utils/notify';
import { changeActivity, changeWithToast } from './mutation';
import { useResource } from './useResource';

export function useHosts() {
  return useResource<Host[]>(api.hosts, 'hosts');
}

export function useHost(id: number) {
  const load = useCallback(() => api.host(id), [id]);
  return useResource<Host>(load, `host:${id}`, { enabled: Number.isFinite(id) });
}

/** An admin's changes to hosts. `save` rejects with the backend's refusal, for the form to show under its fields. */
export function useHostMutations(onChanged: () => void) {
  const save = useCallback(
    async (host: Host | undefined, input: Partial<HostInput>): Promise<Host> => {
      const saved = host ? await api.updateHost(host.id, input) : await api.createHost(input as HostInput);
      notifySuccess(host ? `Host ${saved.name} saved` : `Host ${saved.name} registered`);
      onChanged();
      return saved;
    },
    [onChanged]
  );
  const setActive = useCallback(
    async (host: Host, active: boolean) =>
      (await changeActivity(`Host ${host.name}`, active, () => api.updateHost(host.id, { is_active: active }))) &&
      onChanged(),
    [onChanged]
  );
  const remove = useCallback(
    (host: Host) =>
      changeWithToast(
        () => api.deleteHost(host.id),
        { title: `Host ${host.name} deleted` },
        `Host ${host.name} could not be deleted`
      ),
    []
  );
  return { save, setActive, remove };
}
