import React, { useCallback, useMemo, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, EmptyState, LoadingPlaceholder, Pagination, Stack } from '@grafana/ui';
import { ActionFilters } from '../../components/ActionFilters/ActionFilters';
import {
  ACTION_FILTER_PARAMS,
  ACTION_FILTER_RESETS,
  ACTIONS_PER_PAGE,
  actionsCsvHref,
  toActionQuery,
} from '../../components/ActionFilters/ActionFilters.utils';
import { ActionTable } from '../../components/ActionTable/ActionTable';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { useActions } from '../../data/useActions';
import { useLastPageWhenPastTheEnd } from '../../hooks/useLastPageWhenPastTheEnd';
import { useUrlFilters } from '../../hooks/useUrlFilters';

/** The audit log of every command attempt, filtered and paged by the backend; filters live in the URL. */
function ActionsPage() {
  const [filters, setFilters] = useUrlFilters(ACTION_FILTER_PARAMS, ACTION_FILTER_RESETS);
  // "now" moves only when the user asks for fresh data, so the filters stay a stable request key.
  const [now, setNow] = useState(() => Date.now());
  const actions = useActions(useMemo(() => toActionQuery(filters, now), [filters, now]));
  const total = actions.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / ACTIONS_PER_PAGE));
  const goToPage = useCallback((page: number | undefined) => setFilters({ page }), [setFilters]);
  useLastPageWhenPastTheEnd(
    actions.data && { rows: actions.data.actions.length, total: actions.data.total },
    ACTIONS_PER_PAGE,
    goToPage
  );

  if (isConnectionProblem(actions.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={actions.error} onRetry={actions.reload} />
      </PluginPage>
    );
  }

  return (
    <PluginPage subTitle="Who did what to which server, and how it went">
      <Stack direction="column" gap={2}>
        <ActionFilters
          filters={filters}
          onChange={setFilters}
          onRefresh={() => setNow(Date.now())}
          csvHref={actionsCsvHref(filters, now)}
        />
        {actions.loading && <LoadingPlaceholder text="Loading actions..." />}
        {actions.error && (
          <Alert severity="error" title="Actions could not be loaded">
            {actions.error.message}
          </Alert>
        )}
        {actions.data && total === 0 && actions.data.actions.length === 0 && (
          <EmptyState variant="not-found" message="No action matches these filters" />
        )}
        {actions.data && actions.data.actions.length > 0 && (
          <>
            <ActionTable actions={actions.data.actions} />
            <Pagination
              currentPage={Math.min(filters.page ?? 1, pages)}
              numberOfPages={pages}
              onNavigate={(page) => setFilters({ page })}
              hideWhenSinglePage
            />
          </>
        )}
      </Stack>
    </PluginPage>
  );
}

export default ActionsPage;
