import React, { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, ControlledCollapse, EmptyState, LoadingPlaceholder, Stack } from '@grafana/ui';
import { asApiError } from '../../api/errors';
import { FILTER_STATUSES, type Instance, type Server, type ServerCommand, type ServerStatus } from '../../api/types';
import { BackendList } from '../../components/BackendList/BackendList';
import { filterBackends, groupByBackend, type FilteredBackend } from '../../components/BackendList/BackendList.utils';
import { BulkCommandModal } from '../../components/BulkCommandModal/BulkCommandModal';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { FleetFilters, isRefreshSeconds, type RefreshSeconds } from '../../components/FleetFilters/FleetFilters';
import { FleetStats } from '../../components/FleetStats/FleetStats';
import { InstanceList } from '../../components/InstanceList/InstanceList';
import { MappingModal } from '../../components/MappingModal/MappingModal';
import { ServerCommandModal } from '../../components/ServerCommandModal/ServerCommandModal';
import { REFRESH_STORAGE_KEY } from '../../constants';
import { useInstanceSync, useInstances } from '../../data/useInstances';
import { runBulkCommand, runServerCommand, setServerMapping, useFleetServers } from '../../data/useServers';
import { useSummary } from '../../data/useSummary';
import { notifyError, notifySuccess } from '../../utils/notify';
import { canUserAct } from '../../utils/roles';
import { useLocalStorage } from '../../utils/useLocalStorage';

function parseStatus(value: string | null): ServerStatus | undefined {
  return FILTER_STATUSES.find((s) => s === value?.toUpperCase());
}

function parseId(value: string | null): number | undefined {
  const id = value === null ? NaN : Number(value);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The HAProxy page (seed 5.1): fleet statistics, filters kept in the URL, the accordion of backends. */
function HaproxyPage() {
  const canAct = canUserAct();
  const [searchParams, setSearchParams] = useSearchParams();
  const instanceId = parseId(searchParams.get('instance'));
  const status = parseStatus(searchParams.get('status'));
  const q = searchParams.get('q') ?? '';
  const deferredQ = useDeferredValue(q);

  const [refresh, setRefresh] = useLocalStorage<RefreshSeconds>(REFRESH_STORAGE_KEY, 0, isRefreshSeconds);
  const refreshMs = refresh * 1000;

  const summary = useSummary(refreshMs);
  const instances = useInstances({ refreshMs });
  const servers = useFleetServers(refreshMs);
  const { sync, pending: syncing } = useInstanceSync();

  const [command, setCommand] = useState<{ server: Server; command: ServerCommand }>();
  const [bulk, setBulk] = useState<{ backend: FilteredBackend; command: ServerCommand }>();
  const [mapping, setMapping] = useState<Server>();

  const updateParam = useCallback(
    (key: string, value?: string) =>
      setSearchParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) {
            next.set(key, value);
          } else {
            next.delete(key);
          }
          return next;
        },
        { replace: true }
      ),
    [setSearchParams]
  );

  const groups = useMemo(() => groupByBackend(servers.data ?? []), [servers.data]);
  const filtered = useMemo(
    () => filterBackends(groups, { instanceId, status, q: deferredQ }),
    [groups, instanceId, status, deferredQ]
  );

  const onCommand = useCallback((server: Server, cmd: ServerCommand) => setCommand({ server, command: cmd }), []);
  const onBulkCommand = useCallback(
    (backend: FilteredBackend, cmd: ServerCommand) => setBulk({ backend, command: cmd }),
    []
  );
  const onMap = useCallback((server: Server) => setMapping(server), []);
  const { updateServer } = servers;

  const confirmCommand = async () => {
    if (!command) {
      return;
    }
    const { server, command: cmd } = command;
    try {
      const result = await runServerCommand(server, cmd);
      updateServer(result.server);
      notifySuccess(
        `${cmd} sent to ${server.server_name}`,
        `${server.backend_name} on ${server.instance_name} is now ${result.server.status}`
      );
      summary.reload();
    } catch (err) {
      notifyError(`${cmd} failed on ${server.server_name}`, asApiError(err).message);
    } finally {
      setCommand(undefined);
    }
  };

  const confirmBulk = async () => {
    if (!bulk) {
      return;
    }
    const { backend, command: cmd } = bulk;
    try {
      const result = await runBulkCommand(backend.visible, cmd);
      const failures = result.results.filter((r) => !r.ok);
      if (failures.length === 0) {
        notifySuccess(
          `${cmd} sent to ${result.succeeded} servers`,
          `${backend.backendName} on ${backend.instanceName}`
        );
      } else {
        const names = new Map(backend.visible.map((s) => [s.id, s.server_name]));
        notifyError(
          `${cmd}: ${result.succeeded} of ${result.total} servers done, ${failures.length} failed`,
          failures
            .slice(0, 5)
            .map((f) => `${names.get(f.server_id) ?? f.server_id}: ${f.error ?? 'failed'}`)
            .join('; ')
        );
      }
    } catch (err) {
      notifyError(`${cmd} failed on ${backend.backendName}`, asApiError(err).message);
    } finally {
      setBulk(undefined);
      servers.reload();
      summary.reload();
    }
  };

  const saveMapping = async (applicationId: number | null) => {
    if (!mapping) {
      return;
    }
    try {
      const updated = await setServerMapping(mapping, applicationId);
      updateServer(updated);
      notifySuccess(
        applicationId === null
          ? `${mapping.server_name} unmapped`
          : `${mapping.server_name} mapped to ${updated.application_name ?? 'the application'}`
      );
      setMapping(undefined);
    } catch (err) {
      notifyError(`Mapping of ${mapping.server_name} failed`, asApiError(err).message);
    }
  };

  const onSync = useCallback(
    async (instance: Instance) => {
      try {
        await sync(instance.id);
        notifySuccess(`Sync of ${instance.name} started`);
      } catch (err) {
        notifyError(`Sync of ${instance.name} failed`, asApiError(err).message);
      }
    },
    [sync]
  );

  const connectionError = [summary.error, instances.error, servers.error].find(isConnectionProblem);
  if (connectionError) {
    return (
      <PluginPage>
        <ConnectionBanner error={connectionError} />
      </PluginPage>
    );
  }

  const filterKey = `${instanceId}|${status}|${deferredQ}`;
  const hasFilter = instanceId !== undefined || status !== undefined || q !== '';

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
            <InstanceList instances={instances.data} canAct={canAct} syncing={syncing} onSync={onSync} />
          </ControlledCollapse>
        )}

        <FleetFilters
          instances={instances.data ?? []}
          instanceId={instanceId}
          status={status}
          q={q}
          refresh={refresh}
          onInstanceChange={(id) => updateParam('instance', id === undefined ? undefined : String(id))}
          onStatusChange={(s) => updateParam('status', s)}
          onSearchChange={(value) => updateParam('q', value)}
          onRefreshChange={setRefresh}
        />

        {servers.loading && <LoadingPlaceholder text="Loading servers..." />}
        {servers.error && (
          <Alert severity="error" title="Servers could not be loaded">
            {servers.error.message}
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

      {command && (
        <ServerCommandModal
          server={command.server}
          command={command.command}
          onConfirm={confirmCommand}
          onDismiss={() => setCommand(undefined)}
        />
      )}
      {bulk && (
        <BulkCommandModal
          servers={bulk.backend.visible}
          backendName={bulk.backend.backendName}
          instanceName={bulk.backend.instanceName}
          command={bulk.command}
          onConfirm={confirmBulk}
          onDismiss={() => setBulk(undefined)}
        />
      )}
      {mapping && <MappingModal server={mapping} onSave={saveMapping} onDismiss={() => setMapping(undefined)} />}
    </PluginPage>
  );
}

export default HaproxyPage;
