import { useCallback, useState } from 'react';
import { type ApiError, asApiError } from '../api/errors';
import type { AdminChange, AdminChangeList, AdminChangeQuery } from '../api/types';
import { api } from './client';
import { useResource } from './useResource';

/** The pages loaded after the first one, and which first page they follow. */
interface More {
  first: AdminChangeList;
  changes: AdminChange[];
  next: string | null;
}

/** A "Load more" asked for after this first page: running, or failed. */
interface MoreState {
  first: AdminChangeList;
  loading: boolean;
  error?: ApiError;
}

/**
 * The admin change log for the given filters, newest first: the first page (reloadable), then "Load more" appends
 * the page after the last one shown (`after` its `next`: the API pages by key only). Pages loaded after a first
 * page belong to it: new filters, or a reload that answers a different first page (new changes at the top), start
 * again from that first page. `enabled`: Admins only (the backend refuses anyone else).
 */
export function useAdminChanges(query: AdminChangeQuery, enabled: boolean) {
  const key = `admin-changes:${JSON.stringify(query)}`;
  // The key carries the query, so the loader only needs to change when it does.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.adminChanges(query), [key]);
  const first = useResource<AdminChangeList>(load, key, { enabled });
  const [more, setMore] = useState<More>();
  const [moreState, setMoreState] = useState<MoreState>();

  const page = first.data;
  const extra = page && more?.first === page ? more : undefined;
  const next = extra ? extra.next : (page?.next ?? null);
  const state = page && moreState?.first === page ? moreState : undefined;
  const loadingMore = Boolean(state?.loading);

  const loadMore = useCallback(async () => {
    if (!page || next === null || loadingMore) {
      return;
    }
    setMoreState({ first: page, loading: true });
    try {
      const answer = await api.adminChanges({ ...query, after: next });
      setMore((m) => ({
        first: page,
        changes: [...(m?.first === page ? m.changes : []), ...answer.changes],
        next: answer.next,
      }));
      setMoreState(undefined);
    } catch (err) {
      setMoreState({ first: page, loading: false, error: asApiError(err) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page, next, loadingMore, key]);

  return {
    changes: page ? [...page.changes, ...(extra?.changes ?? [])] : undefined,
    total: page?.total ?? 0,
    /** Whether a page follows the ones shown. */
    hasMore: next !== null,
    loading: first.loading,
    error: first.error,
    reload: first.reload,
    loadMore,
    loadingMore,
    loadMoreError: state?.error,
  };
}
