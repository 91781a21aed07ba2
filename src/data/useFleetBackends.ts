import { useCallback, useMemo } from 'react';
import { api } from './client';
import type { FleetBackendList, ServerFilterParams } from '../api/types';
import { useResource } from './useResource';

/** How many backends the HAProxy page shows at a time. */
export const BACKENDS_PER_PAGE = 50;

export interface FleetBackendPage {
  instanceId?: number;
  /** What their servers must be (a backend is listed when one of its servers is selected). */
  filter: ServerFilterParams;
  /** The `next` of the page before (keyset), or else how many backends to skip. */
  after?: string;
  offset?: number;
}

/**
 * One page of the fleet's backends with their counts (zero-server ones included), filtered and in natural order
 * on the backend: the HAProxy page's accordion. While another page or filter loads, the one on screen stays.
 */
export function useFleetBackends({ instanceId, filter, after, offset }: FleetBackendPage, refreshMs = 0) {
  const { status, drift, in_window, q } = filter;
  const params = useMemo(
    () => ({
      instance_id: instanceId,
      status,
      drift,
      in_window,
      server_q: q,
      limit: BACKENDS_PER_PAGE,
      after,
      offset: after === undefined && offset ? offset : undefined,
    }),
    [instanceId, status, drift, in_window, q, after, offset]
  );
  const load = useCallback(() => api.backends(params), [params]);
  return useResource<FleetBackendList>(load, `fleet-backends:${JSON.stringify(params)}`, {
    refreshMs,
    keepPrevious: true,
  });
}
