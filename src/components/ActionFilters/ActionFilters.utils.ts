import { ACTION_SOURCES, type ActionQuery, SERVER_COMMANDS, type ServerCommand } from '../../api/types';
import { proxyHref } from '../../data/client';
import { type FilterParams, oneOfParam, pageParam, textParam } from '../../hooks/useUrlFilters';

export const ACTIONS_PER_PAGE = 50;

/** How far back the audit log looks; `all` has no lower bound. */
export const RANGES = {
  '1h': 3600e3,
  '6h': 6 * 3600e3,
  '24h': 24 * 3600e3,
  '7d': 7 * 24 * 3600e3,
  '30d': 30 * 24 * 3600e3,
  all: undefined,
} as const;
export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

/** `failed`: anything but a success; `unknown`: of those, the ones HAProxy may have applied (the answer failed). */
export const RESULTS = ['success', 'failed', 'unknown'] as const;
export type ResultFilter = (typeof RESULTS)[number];

export type SourceFilter = (typeof ACTION_SOURCES)[number];

/** The Actions page's filters and page, as its URL holds them (`?actor=bob&result=failed&range=7d&page=2`). */
export interface ActionFilterValues {
  actor: string;
  command?: ServerCommand;
  source?: SourceFilter;
  result?: ResultFilter;
  range: RangeKey;
  page?: number;
}

export const ACTION_FILTER_PARAMS: FilterParams<ActionFilterValues> = {
  actor: textParam,
  command: oneOfParam(SERVER_COMMANDS),
  source: oneOfParam(ACTION_SOURCES),
  result: oneOfParam(RESULTS),
  range: oneOfParam(RANGE_KEYS, '24h'),
  page: pageParam(ACTIONS_PER_PAGE),
};

/** A new filter starts again on page 1. */
export const ACTION_FILTER_RESETS: ReadonlyArray<keyof ActionFilterValues> = ['page'];

/** The request for one page of the audit log; `now` is when the user last asked for fresh data. */
export function toActionQuery(filters: ActionFilterValues, now: number): ActionQuery {
  const span = RANGES[filters.range];
  const page = filters.page ?? 1;
  return {
    actor: filters.actor || undefined,
    command: filters.command,
    source: filters.source,
    ...(filters.result === 'unknown'
      ? { result: 'unknown' as const }
      : { success: filters.result === undefined ? undefined : filters.result === 'success' }),
    since: span === undefined ? undefined : new Date(now - span).toISOString(),
    // Later pages read the log as it was at `now`: commands recorded since would shift them (a row twice) until
    // Refresh. Not the first: a browser clock behind the server's would hide the newest commands.
    until: page > 1 ? new Date(now).toISOString() : undefined,
    limit: ACTIONS_PER_PAGE,
    offset: (page - 1) * ACTIONS_PER_PAGE,
  };
}

/** The whole log these filters select (every page) as a CSV download. */
export function actionsCsvHref(filters: ActionFilterValues, now: number): string {
  // Without `until`: an export is of every action up to when it is downloaded.
  const { limit, offset, until, ...query } = toActionQuery(filters, now);
  return proxyHref('/api/haproxy/actions.csv', { ...query });
}
