import {
  ADMIN_CHANGE_ACTIONS,
  ADMIN_ENTITY_KINDS,
  type AdminChangeAction,
  type AdminChangeQuery,
  type AdminEntityKind,
} from '../../api/types';
import { prefixRoute, ROUTES } from '../../constants';
import { type FilterParams, oneOfParam, idParam, textParam } from '../../hooks/useUrlFilters';
import { RANGE_KEYS, RANGES, type RangeKey } from '../ActionFilters/ActionFilters.utils';

/** Rows a page of the change log asks for ("Load more" asks for as many again). */
export const ADMIN_CHANGES_PER_PAGE = 50;

/**
 * The change log's filters, as its URL holds them (`?entity_kind=host&entity_id=3&action=updated&range=7d`).
 * Changes are rare, so the log looks at all time unless a range is chosen.
 */
export interface AdminChangeFilterValues {
  entity_kind?: AdminEntityKind;
  /** One entity's changes (a host's "Changes" link); only with its kind, since ids are per kind. */
  entity_id?: number;
  action?: AdminChangeAction;
  actor: string;
  range: RangeKey;
}

export const ADMIN_CHANGE_FILTER_PARAMS: FilterParams<AdminChangeFilterValues> = {
  entity_kind: oneOfParam(ADMIN_ENTITY_KINDS),
  entity_id: idParam,
  action: oneOfParam(ADMIN_CHANGE_ACTIONS),
  actor: textParam,
  range: oneOfParam(RANGE_KEYS, 'all'),
};

/** The first page's request; `now` is when the user last asked for fresh data. */
export function toAdminChangeQuery(filters: AdminChangeFilterValues, now: number): AdminChangeQuery {
  const span = RANGES[filters.range];
  return {
    entity_kind: filters.entity_kind,
    entity_id: filters.entity_kind ? filters.entity_id : undefined,
    action: filters.action,
    actor: filters.actor || undefined,
    since: span === undefined ? undefined : new Date(now - span).toISOString(),
    limit: ADMIN_CHANGES_PER_PAGE,
  };
}

/** The change log of one entity (a "Changes" link from its page). */
export function adminChangesHref(kind: AdminEntityKind, id: number): string {
  return `${prefixRoute(ROUTES.Changes)}?${new URLSearchParams({ entity_kind: kind, entity_id: String(id) })}`;
}
