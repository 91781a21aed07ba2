import { api } from './client';
import type { Application } from '../api/types';
import { useResource } from './useResource';

/** Applications for the mapping picker; loaded only when the picker is opened. */
export function useApplications(enabled = true) {
  return useResource<Application[]>(api.applications, 'applications', { enabled });
}
