import { FILTER_STATUSES, type ServerFilterParams } from '../../api/types';

/** Besides HAProxy's statuses, the state model's filters: drifting servers, servers in a maintenance window. */
export const STATE_FILTERS = ['drift', 'window'] as const;
export type StatusFilter = (typeof FILTER_STATUSES)[number] | (typeof STATE_FILTERS)[number];

/** The backend refuses a longer search (`q`, `server_q`: 400). */
export const SEARCH_MAX_LENGTH = 200;

/**
 * The page's status filter and search as the backend's server filters: a status, `drift` or `in_window`, and
 * the search text (a server's or its backend's name, or an address) when there is one. A search from a URL is cut
 * to what the backend takes (without NUL, which it refuses, and without half a surrogate pair): a prefix matches
 * at least what the whole would, where a 400 would show nothing.
 */
export function serverFilterOf(status: StatusFilter | undefined, q: string): ServerFilterParams {
  const text = q
    .replace(/\0/g, '')
    .trim()
    .slice(0, SEARCH_MAX_LENGTH)
    .replace(/[\ud800-\udbff]$/, '');
  return {
    ...(status === 'drift' ? { drift: true } : status === 'window' ? { in_window: true } : status ? { status } : {}),
    ...(text ? { q: text } : {}),
  };
}
