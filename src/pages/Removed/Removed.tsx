import React, { useMemo } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, EmptyState, InlineSwitch, LoadingPlaceholder, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { RemovedBackendTable, RemovedServerTable } from '../../components/RemovedTables/RemovedTables';
import { useRemoved, useRemovedMutations } from '../../data/useRemoved';
import { type FilterParams, oneOfParam, useUrlFilters } from '../../hooks/useUrlFilters';
import { formatPlural } from '../../utils/format';
import { canUserAdminister } from '../../utils/roles';

const DAYS = ['1', '7', '30', '90'] as const;
interface Filters {
  days: (typeof DAYS)[number];
  with: 'backend' | undefined;
}
const PARAMS: FilterParams<Filters> = { days: oneOfParam(DAYS, '7'), with: oneOfParam(['backend'] as const) };

/** Backends and servers that left HAProxy (or the polling scope) lately: when, why, and an admin's restore/forget. */
function RemovedPage() {
  const [filters, setFilters] = useUrlFilters(PARAMS);
  const removed = useRemoved(Number(filters.days));
  const canAdmin = canUserAdminister();
  const mutations = useRemovedMutations(removed.reload);
  const servers = useMemo(
    () => (removed.data?.servers ?? []).filter((s) => filters.with === 'backend' || !s.with_backend),
    [removed.data, filters.with]
  );

  if (isConnectionProblem(removed.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={removed.error} onRetry={removed.reload} />
      </PluginPage>
    );
  }
  const data = removed.data;
  return (
    <PluginPage subTitle="Backends and servers HAProxy stopped listing (or the polling scope left out), with why">
      <Stack direction="column" gap={2}>
        <Stack gap={2} alignItems="center" wrap="wrap">
          <RadioButtonGroup
            aria-label="Removed in the last"
            options={DAYS.map((d) => ({ label: d === '1' ? 'Last day' : `Last ${d} days`, value: d }))}
            value={filters.days}
            onChange={(days) => setFilters({ days })}
          />
          <InlineSwitch
            label="Servers removed with their backend"
            showLabel
            value={filters.with === 'backend'}
            onChange={(e) => setFilters({ with: e.currentTarget.checked ? 'backend' : undefined })}
          />
        </Stack>
        {canAdmin && (
          <Text color="secondary" variant="bodySmall">
            Restore changes only what is stored: if HAProxy still lacks a restored backend or server, the next sync
            removes it again. Forget hides one from this list for good; its history stays.
          </Text>
        )}
        {removed.loading && <LoadingPlaceholder text="Loading..." />}
        {removed.error && (
          <Alert severity="error" title="Removed backends and servers could not be loaded">
            {removed.error.message}
          </Alert>
        )}
        {data && data.backends.length === 0 && servers.length === 0 && (
          <EmptyState variant="completed" message="Nothing removed in this period" />
        )}
        {data && data.backends.length > 0 && (
          <section aria-label="Removed backends">
            <Text element="h2" variant="h4">
              {formatPlural(data.backends_total, 'backend')}
            </Text>
            <RemovedBackendTable
              rows={data.backends}
              actions={canAdmin ? { restore: mutations.restoreBackend, forget: mutations.forgetBackend } : undefined}
            />
          </section>
        )}
        {data && servers.length > 0 && (
          <section aria-label="Removed servers">
            <Text element="h2" variant="h4">
              {formatPlural(servers.length, 'server')}
            </Text>
            <RemovedServerTable
              rows={servers}
              actions={canAdmin ? { restore: mutations.restoreServer, forget: mutations.forgetServer } : undefined}
            />
          </section>
        )}
        {data && (data.backends_total > data.backends.length || data.servers_total > data.servers.length) && (
          <Text color="secondary" variant="bodySmall">
            The newest {data.backends.length} backends and {data.servers.length} servers are shown.
          </Text>
        )}
      </Stack>
    </PluginPage>
  );
}

export default RemovedPage;
