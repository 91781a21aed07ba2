import React, { useMemo, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, EmptyState, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { AdminChangeFilters } from '../../components/AdminChangeFilters/AdminChangeFilters';
import {
  ADMIN_CHANGE_FILTER_PARAMS,
  toAdminChangeQuery,
} from '../../components/AdminChangeFilters/AdminChangeFilters.utils';
import { RANGES } from '../../components/ActionFilters/ActionFilters.utils';
import { AdminChangeTable } from '../../components/AdminChangeTable/AdminChangeTable';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { LoadError } from '../../components/LoadError/LoadError';
import { useAdminChanges } from '../../data/useAdminChanges';
import { useUrlFilters } from '../../hooks/useUrlFilters';
import { formatCount } from '../../utils/format';
import { canUserAdminister } from '../../utils/roles';

/**
 * The admin change log: who created, changed or deleted hosts, instances, applications, budgets, mappings, moved
 * windows, API tokens, restored or forgot removals; newest first, filtered by the backend, "Load more" for the
 * pages after the first (it pages by key). Admins only: it lists API tokens.
 */
function AdminChangesPage() {
  const canAdmin = canUserAdminister();
  const [filters, setFilters] = useUrlFilters(ADMIN_CHANGE_FILTER_PARAMS);
  // "now" moves only when the user asks for fresh data, so the filters stay a stable request key.
  const [now, setNow] = useState(() => Date.now());
  const log = useAdminChanges(
    useMemo(() => toAdminChangeQuery(filters, now), [filters, now]),
    canAdmin
  );

  if (!canAdmin) {
    return (
      <PluginPage>
        <Alert severity="info" title="Admins only">
          The change log is for Grafana Admins: it lists API tokens, which only Admins may see.
        </Alert>
      </PluginPage>
    );
  }
  if (isConnectionProblem(log.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={log.error} onRetry={log.reload} />
      </PluginPage>
    );
  }

  // A time range is asked for from a new "now"; all time has no bound to move, so it is asked for again.
  const refresh = () => (RANGES[filters.range] === undefined ? log.reload() : setNow(Date.now()));
  const changes = log.changes;
  const filtered = Boolean(filters.entity_kind || filters.action || filters.actor || filters.range !== 'all');
  return (
    <PluginPage subTitle="Who changed hosts, instances, applications, budgets, mappings, windows and API tokens (commands are in Actions)">
      <Stack direction="column" gap={2}>
        <AdminChangeFilters
          filters={filters}
          onChange={setFilters}
          entityName={filters.entity_id !== undefined ? changes?.[0]?.entity_name : undefined}
          onRefresh={refresh}
        />
        {log.loading && <LoadingPlaceholder text="Loading changes..." />}
        {log.error && <LoadError title="Changes could not be loaded" error={log.error} onRetry={log.reload} />}
        {changes && changes.length === 0 && (
          <EmptyState
            variant="not-found"
            message={filtered ? 'No change matches these filters' : 'No administrative change recorded yet'}
          />
        )}
        {changes && changes.length > 0 && (
          <>
            <AdminChangeTable changes={changes} />
            <Stack gap={2} alignItems="center">
              <Text color="secondary">{`${formatCount(changes.length)} of ${formatCount(log.total)} changes`}</Text>
              {log.hasMore && (
                <Button
                  variant="secondary"
                  icon={log.loadingMore ? 'spinner' : 'angle-down'}
                  disabled={log.loadingMore}
                  onClick={() => void log.loadMore()}
                >
                  Load more
                </Button>
              )}
            </Stack>
            {log.loadMoreError && (
              <LoadError
                title="More changes could not be loaded"
                error={log.loadMoreError}
                onRetry={() => void log.loadMore()}
              />
            )}
          </>
        )}
      </Stack>
    </PluginPage>
  );
}

export default AdminChangesPage;
