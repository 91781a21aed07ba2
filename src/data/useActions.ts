import { useCallback } from 'react';
import { api } from './client';
import type { ActionQuery, ActionList } from '../api/types';
import { useResource } from './useResource';

/** One page of the audit log for the given filters (server-side filtering and paging). */
export function useActions(filters: ActionQuery) {
  const key = `actions:${JSON.stringify(filters)}`;
  // The key carries the filters, so the loader only needs to change when they do.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.actions(filters), [key]);
  return useResource<ActionList>(load, key);
}
