import { api } from './client';
import type { Summary } from '../api/types';
import { useResource } from './useResource';

export function useSummary(refreshMs = 0) {
  return useResource<Summary>(api.summary, 'summary', { refreshMs });
}
