import { useCallback } from 'react';
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
  const done = useCallback((ok: boolean) => ok && onChanged(), [onChanged]);
  const restoreBackend = useCallback(
    async (b: RemovedBackend) =>
      done(
        await changeWithToast(
          () => api.restoreBackend(b.id),
          {
            title: `Backend ${b.backend_name} restored on ${b.instance_name}`,
            detail: `With ${formatPlural(b.servers_removed, 'server')}. The next sync removes it again if HAProxy still lacks it.`,
          },
          `Backend ${b.backend_name} could not be restored`
        )
      ),
    [done]
  );
  const restoreServer = useCallback(
    async (s: RemovedServer) =>
      done(
        await changeWithToast(
          () => api.restoreServer(s.id),
          {
            title: `Server ${s.server_name} restored in ${s.backend_name}`,
            detail: 'The next sync removes it again if HAProxy still lacks it.',
          },
          `Server ${s.server_name} could not be restored`
        )
      ),
    [done]
  );
  const forgetBackend = useCallback(
    async (b: RemovedBackend) =>
      done(
        await changeWithToast(
          () => api.forgetBackend(b.id),
          { title: `Backend ${b.backend_name} forgotten` },
          `Backend ${b.backend_name} could not be forgotten`
        )
      ),
    [done]
  );
  const forgetServer = useCallback(
    async (s: RemovedServer) =>
      done(
        await changeWithToast(
          () => api.forgetServer(s.id),
          { title: `Server ${s.server_name} forgotten` },
          `Server ${s.server_name} could not be forgotten`
        )
      ),
    [done]
  );
  return { restoreBackend, restoreServer, forgetBackend, forgetServer };
}
