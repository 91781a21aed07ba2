import React, { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, ControlledCollapse, EmptyState, LoadingPlaceholder, Stack } from '@grafana/ui';
import type { CommandOptions, Server, ServerCommand } from '../../api/types';
import { BackendList } from '../../components/BackendList/BackendList';
import { filterBackends, groupByBackend, type FilteredBackend } from '../../components/BackendList/BackendList.utils';
import { BulkCommandModal } from '../../components/BulkCommandModal/BulkCommandModal';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import {
  FLEET_FILTER_PARAMS,
  FleetFilters,
  isRefreshSeconds,
  type RefreshSeconds,
} from '../../components/FleetFilters/FleetFilters';
import { FleetStats } from '../../components/FleetStats/FleetStats';
import { InstanceList } from '../../components/InstanceList/InstanceList';
import { MappingModal } from '../../components/MappingModal/MappingModal';
import { RefreshStatus } from '../../components/RefreshStatus/RefreshStatus';
import { ServerCommandModal } from '../../components/ServerCommandModal/ServerCommandModal';
import { REFRESH_STORAGE_KEY } from '../../constants';
import { useFleetBackends } from '../../data/useFleetBackends';
import { useInstanceSync, useInstances } from '../../data/useInstances';
import { useServerMutations } from '../../data/useServerMutations';
import { useFleetServers } from '../../data/useServers';
import { useSummary } from '../../data/useSummary';
import { useLocalStorage } from '../../hooks/useLocalStorage';
import type { Refusal } from '../../utils/guard';
import { useUrlFilters } from '../../hooks/useUrlFilters';
import { canUserAct } from '../../utils/roles';

/** The confirmation or editor open over the page, if any. */
type Dialog =
  | { kind: 'command'; server: Server; command: ServerCommand }
  | { kind: 'bulk'; backend: FilteredBackend; command: ServerCommand }
  | { kind: 'mapping'; server: Server };

/** The HAProxy page (docs/plugin.md): fleet statistics, filters kept in the URL, the accordion of backends. */
function HaproxyPage() {
  const canAct = canUserAct();
  const [filters, setFilters] = useUrlFilters(FLEET_FILTER_PARAMS);
  const deferredQ = useDeferredValue(filters.q);
  const [refresh, setRefresh] = useLocalStorage<RefreshSeconds>(REFRESH_STORAGE_KEY, 0, isRefreshSeconds);
  const refreshMs = refresh * 1000;

  const summary = useSummary(refreshMs);
  const instances = useInstances({ refreshMs });
  const servers = useFleetServers(refreshMs);
  const backends = useFleetBackends(refreshMs);
  const { sync, syncing } = useInstanceSync();
  const { runCommand, runBulk, saveMapping } = useServerMutations({ servers, summary, backends });
  const [dialog, setDialog] = useState<Dialog>();
  const close = () => setDialog(undefined);
  /** Closes the dialog unless the backend refused its input (then the dialog shows why, keeping what was typed). */
  const closeUnlessRefused = (refused: Refusal | undefined) => {
    if (refused === undefined) {
      close();
    }
    return refused;
  };

  const groups = useMemo(() => groupByBackend(servers.data ?? [], backends.data), [servers.data, backends.data]);
  const filtered = useMemo(
    () => filterBackends(groups, { instanceId: filters.instance, status: filters.status, q: deferredQ }),
    [groups, filters.instance, filters.status, deferredQ]
  );

  const onCommand = useCallback((server: Server, command: ServerCommand) => {
    setDialog({ kind: 'command', server, command });
  }, []);
  const onBulkCommand = useCallback((backend: FilteredBackend, command: ServerCommand) => {
    setDialog({ kind: 'bulk', backend, command });
  }, []);
  const onMap = useCallback((server: Server) => setDialog({ kind: 'mapping', server }), []);

  const connectionError = [summary.error, instances.error, servers.error, backends.error].find(isConnectionProblem);
  if (connectionError) {
    return (
      <PluginPage>
        <ConnectionBanner error={connectionError} />
      </PluginPage>
    );
  }

  const filterKey = `${filters.instance}|${filters.status}|${deferredQ}`;
  const hasFilter = filters.instance !== undefined || filters.status !== undefined || filters.q !== '';

  return (
    <PluginPage subTitle="Backends and servers of every HAProxy instance, with drain / ready / maint">
      <Stack direction="column" gap={2}>
        {summary.loading && <LoadingPlaceholder text="Loading statistics..." />}
        {summary.error && (
          <Alert severity="error" title="Statistics could not be loaded">
            {summary.error.message}
          </Alert>
        )}
        {summary.data && <FleetStats summary={summary.data} />}

        {instances.error && (
          <Alert severity="error" title="Instances could not be loaded">
            {instances.error.message}
          </Alert>
        )}
        {instances.data && instances.data.length > 0 && (
          <ControlledCollapse label={`HAProxy instances (${instances.data.length})`} isOpen={false}>
            <InstanceList instances={instances.data} canAct={canAct} syncing={syncing} onSync={sync} />
          </ControlledCollapse>
        )}

        <FleetFilters
          instances={instances.data ?? []}
          filters={filters}
          onChange={setFilters}
          refresh={refresh}
          onRefreshChange={setRefresh}
        />
        <RefreshStatus resources={[summary, instances, servers, backends]} refreshMs={refreshMs} />

        {servers.loading && <LoadingPlaceholder text="Loading servers..." />}
        {servers.error && (
          <Alert severity="error" title="Servers could not be loaded">
            {servers.error.message}
          </Alert>
        )}
        {backends.error && (
          <Alert severity="warning" title="The backends list could not be loaded">
            Backends without servers are not shown and counts come from the servers loaded. {backends.error.message}
          </Alert>
        )}
        {servers.data && groups.length === 0 && (
          <EmptyState variant="call-to-action" message="No HAProxy servers yet">
            Register a host and its HAProxy instances in the backend; servers appear after the first sync.
          </EmptyState>
        )}
        {servers.data && groups.length > 0 && filtered.length === 0 && (
          <EmptyState variant="not-found" message="No backend or server matches the filters">
            {hasFilter && 'Clear the instance, status or search filter to see more.'}
          </EmptyState>
        )}
        {filtered.length > 0 && (
          <BackendList
            backends={filtered}
            canAct={canAct}
            onCommand={onCommand}
            onBulkCommand={onBulkCommand}
            onMap={onMap}
            filterKey={filterKey}
          />
        )}
      </Stack>

      {dialog?.kind === 'command' && (
        <ServerCommandModal
          server={dialog.server}
          command={dialog.command}
          onConfirm={async (options: CommandOptions) =>
            closeUnlessRefused(await runCommand(dialog.server, dialog.command, options))
          }
          onDismiss={close}
        />
      )}
      {dialog?.kind === 'bulk' && (
        <BulkCommandModal
          servers={dialog.backend.visible}
          backendName={dialog.backend.backendName}
          instanceName={dialog.backend.instanceName}
          command={dialog.command}
          onConfirm={async (options: CommandOptions, targets: Server[]) => {
            const { backendName, instanceName } = dialog.backend;
            return closeUnlessRefused(
              await runBulk({ servers: targets, backendName, instanceName }, dialog.command, options)
            );
          }}
          onDismiss={close}
        />
      )}
      {dialog?.kind === 'mapping' && (
        <MappingModal
          server={dialog.server}
          onSave={async (applicationId) => {
            if (await saveMapping(dialog.server, applicationId)) {
              close();
            }
          }}
          onDismiss={close}
        />
      )}
    </PluginPage>
  );
}

export default HaproxyPage;
