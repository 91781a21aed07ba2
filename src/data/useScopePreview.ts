import { useCallback } from 'react';
import { api } from './client';
import type { ScopePreview } from '../api/types';
import { useResource } from './useResource';

/** The live preview of a polling scope on a saved instance; a newer scope's answer replaces an older one's. */
export function useScopePreview(instanceId: number | undefined, scope: string[] | null) {
  const key = `scope-preview:${instanceId}:${JSON.stringify(scope)}`;
  // The key carries the scope, so the loader only needs to change when it does.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.previewScope(instanceId!, scope), [key]);
  return useResource<ScopePreview>(load, key, { enabled: instanceId !== undefined });
}
