import { FILTER_STATUSES, type ServerFilterParams } from '../../api/types';

/** Besides HAProxy's statuses, the state model's filters: drifting servers, servers in a maintenance window. */
export const STATE_FILTERS = ['drift', 'window'] as const;
export type StatusFilter = (typeof FILTER_STATUSES)[number] | (typeof STATE_FILTERS)[number];

/**
 * The page's status filter and search as the backend's server filters: a status, `drift` or `in_window`, and
 * the search text (a server's or its backend's name, or an address) when there is one.
 */
export function serverFilterOf(status: StatusFilter | undefined, q: string): ServerFilterParams {
  const text = q.trim();
  return {
    ...(status === 'drift' ? { drift: true } : status === 'window' ? { in_window: true } : status ? { status } : {}),
    ...(text ? { q: text } : {}),
  };
}
