import { useCallback, useMemo } from 'react';
import { api } from './client';
import type { RemovedBackend, RemovedList, RemovedServer } from '../api/types';
import { formatPlural } from '../utils/format';
import { changeWithToast } from './mutation';
import { useResource } from './useResource';

/** Backends and servers removed in the last `days` days (and not forgotten). */
export function useRemoved(days: number) {
  const load = useCallback(() => api.removed({ days }), [days]);
  return useResource<RemovedList>(load, `removed:${days}`);
}

/** An admin's restore and forget, each with its toast; `onChanged` reloads the list. */
export function useRemovedMutations(onChanged: () => void) {
  return useMemo(() => {
    const change = async (work: () => Promise<unknown>, title: string, failure: string, detail?: string) =>
      (await changeWithToast(work, { title, detail }, failure)) && onChanged();
    const again = 'The next sync removes it again if HAProxy still lacks it.';
    return {
      restoreBackend: (b: RemovedBackend) =>
        change(
          () => api.restoreBackend(b.id),
          `Backend ${b.backend_name} restored on ${b.instance_name}`,
          `Backend ${b.backend_name} could not be restored`,
          `With ${formatPlural(b.servers_removed, 'server')}. ${again}`
        ),
      restoreServer: (s: RemovedServer) =>
        change(
          () => api.restoreServer(s.id),
          `Server ${s.server_name} restored in ${s.backend_name}`,
          `Server ${s.server_name} could not be restored`,
          again
        ),
      forgetBackend: (b: RemovedBackend) =>
        change(
          () => api.forgetBackend(b.id),
          `Backend ${b.backend_name} forgotten`,
          `Backend ${b.backend_name} could not be forgotten`
        ),
      forgetServer: (s: RemovedServer) =>
        change(
          () => api.forgetServer(s.id),
          `Server ${s.server_name} forgotten`,
          `Server ${s.server_name} could not be forgotten`
        ),
    };
  }, [onChanged]);
}
