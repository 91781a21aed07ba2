import React, { useCallback, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  ControlledCollapse,
  EmptyState,
  LoadingPlaceholder,
  Modal,
  Stack,
  useStyles2,
} from '@grafana/ui';
import type { AgentCommand, CommandOptions, FleetBackend, Server, ServerCommand } from '../../api/types';
import { BackendList } from '../../components/BackendList/BackendList';
import { serverFilterOf } from '../../components/BackendList/BackendList.utils';
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
import { OperationModal } from '../../components/OperationModal/OperationModal';
import { RefreshStatus } from '../../components/RefreshStatus/RefreshStatus';
import { ServerCommandModal } from '../../components/ServerCommandModal/ServerCommandModal';
import { prefixRoute, REFRESH_STORAGE_KEY, ROUTES } from '../../constants';
import { useBackendServers } from '../../data/useBackendServers';
import { BACKENDS_PER_PAGE, useFleetBackends } from '../../data/useFleetBackends';
import { useInstanceSync, useInstances } from '../../data/useInstances';
import { useServerMutations } from '../../data/useServerMutations';
import { useSummary } from '../../data/useSummary';
import { useDebounced } from '../../hooks/useDebounced';
import { useKeysetPages } from '../../hooks/useKeysetPages';
import { useLastPageWhenPastTheEnd } from '../../hooks/useLastPageWhenPastTheEnd';
import { useLocalStorage } from '../../hooks/useLocalStorage';
import type { Refusal } from '../../utils/guard';
import { useUrlFilters } from '../../hooks/useUrlFilters';
import { formatCount } from '../../utils/format';
import { canUserAct } from '../../utils/roles';
import { getNameStyles } from '../../utils/styles';
import { type ApplyServer, BackendServers } from './BackendServers';

/** How long the search waits for typing to pause before it asks the backend. */
export const SEARCH_DEBOUNCE_MS = 150;
/** The most servers one bulk command takes (the bulk API's limit). */
export const BULK_MAX_SERVERS = 10_000;

/** The confirmation or editor open over the page, if any. */
type Dialog =
  | { kind: 'command'; server: Server; command: AgentCommand; apply: ApplyServer }
  | { kind: 'bulk'; backend: FleetBackend; command: ServerCommand; reload: () => void }
  | { kind: 'rolling-drain'; backend: FleetBackend; selection: { backend_id: number }; servers: Server[] }
  | { kind: 'mapping'; server: Server; apply: ApplyServer };

/**
 * The HAProxy page (docs/plugin.md): fleet statistics, filters kept in the URL, a page of backends filtered and
 * counted by the backend, and each opened backend's servers read when it opens.
 */
function HaproxyPage() {
  const canAct = canUserAct();
  const nameStyles = useStyles2(getNameStyles);
  const navigate = useNavigate();
  const [filters, setFilters] = useUrlFilters(FLEET_FILTER_PARAMS);
  const q = useDebounced(filters.q, SEARCH_DEBOUNCE_MS);
  const filter = useMemo(() => serverFilterOf(filters.status, q), [filters.status, q]);
  const [refresh, setRefresh] = useLocalStorage<RefreshSeconds>(REFRESH_STORAGE_KEY, 0, isRefreshSeconds);
  const refreshMs = refresh * 1000;

  const filterKey = `${filters.instance}|${JSON.stringify(filter)}`;
  const paging = useKeysetPages(filterKey, BACKENDS_PER_PAGE);
  const summary = useSummary(refreshMs);
  const instances = useInstances({ refreshMs });
  const backends = useFleetBackends(
    { instanceId: filters.instance, filter, after: paging.after, offset: paging.offset },
    refreshMs
  );
  const list = backends.data;
  // Data kept from the page or filters before is not this page's: its `next` would repeat a page, and its emptiness
  // says nothing of this one.
  const shown = backends.loading ? undefined : list;
  const { goTo } = paging;
  const toLastPage = useCallback((page: number | undefined) => goTo(page ?? 1, null), [goTo]);
  // A page that emptied under the user (its servers recovered, its backends left): the last one that has rows.
  useLastPageWhenPastTheEnd(
    shown && { rows: shown.backends.length, total: shown.total },
    BACKENDS_PER_PAGE,
    toLastPage
  );
  const { sync, syncing } = useInstanceSync();
  // The sync has ended (or still runs): what the page shows of it is read again now, not at the next refresh.
  const reloadAfterSync = () => {
    summary.reload();
    instances.reload();
    backends.reload();
  };
  const { runCommand, runBulk, saveMapping } = useServerMutations({ summary, backends });
  const [dialog, setDialog] = useState<Dialog>();
  // The ids of all the servers a bulk command goes to: every server of the backend the filters select.
  const bulk = dialog?.kind === 'bulk' ? dialog : undefined;
  const bulkServers = useBackendServers(bulk?.backend.id ?? 0, filter, {
    limit: BULK_MAX_SERVERS,
    enabled: bulk !== undefined,
    keepPrevious: false,
  });
  const close = () => setDialog(undefined);
  /** Closes the dialog unless the backend refused its input (then the dialog shows why, keeping what was typed). */
  const closeUnlessRefused = (refused: Refusal | undefined) => {
    if (refused === undefined) {
      close();
    }
    return refused;
  };

  const onCommand = useCallback((server: Server, command: AgentCommand, apply: ApplyServer) => {
    setDialog({ kind: 'command', server, command, apply });
  }, []);
  const onBulkCommand = useCallback((backend: FleetBackend, command: ServerCommand, reload: () => void) => {
    setDialog({ kind: 'bulk', backend, command, reload });
  }, []);
  const onRollingDrain = useCallback((backend: FleetBackend, servers: Server[]) => {
    setDialog({ kind: 'rolling-drain', backend, selection: { backend_id: backend.id }, servers });
  }, []);
  const onMap = useCallback((server: Server, apply: ApplyServer) => setDialog({ kind: 'mapping', server, apply }), []);
  const renderServers = useCallback(
    (backend: FleetBackend) => (
      <BackendServers
        backend={backend}
        filter={filter}
        refreshMs={refreshMs}
        canAct={canAct}
        onCommand={onCommand}
        onBulkCommand={onBulkCommand}
        onRollingDrain={onRollingDrain}
        onMap={onMap}
      />
    ),
    [filter, refreshMs, canAct, onCommand, onBulkCommand, onRollingDrain, onMap]
  );

  const connectionError = [summary.error, instances.error, backends.error].find(isConnectionProblem);
  const hasFilter = filters.instance !== undefined || Object.keys(filter).length > 0;
  const bulkList = bulkServers.data;

  return (
    <PluginPage
      subTitle={
        connectionError ? undefined : 'Backends and servers of every HAProxy instance, with drain / ready / maint'
      }
    >
      {connectionError && (
        <ConnectionBanner
          error={connectionError}
          onRetry={() => {
            summary.reload();
            instances.reload();
            backends.reload();
          }}
        />
      )}
      {/* Hidden rather than unmounted behind the banner: the backends opened and their "show more" outlive a blip. */}
      <div hidden={connectionError !== undefined}>
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
              <InstanceList
                instances={instances.data}
                canAct={canAct}
                syncing={syncing}
                onSync={(i) => sync(i).then(reloadAfterSync)}
              />
            </ControlledCollapse>
          )}

          <FleetFilters
            instances={instances.data ?? []}
            filters={filters}
            onChange={setFilters}
            refresh={refresh}
            onRefreshChange={setRefresh}
          />
          <RefreshStatus resources={[summary, instances, backends]} refreshMs={refreshMs} />

          {!list && backends.loading && <LoadingPlaceholder text="Loading backends..." />}
          {backends.error && (
            <Alert severity="error" title="Backends could not be loaded">
              {backends.error.message}
            </Alert>
          )}
          {list && list.total === 0 && !hasFilter && !backends.loading && (
            <EmptyState variant="call-to-action" message="No HAProxy servers yet">
              Register a host and its HAProxy instances in the backend; servers appear after the first sync.
            </EmptyState>
          )}
          {list && list.total === 0 && hasFilter && !backends.loading && (
            <EmptyState
              variant="not-found"
              message="No backend or server matches the filters"
              button={
                <Button
                  variant="secondary"
                  icon="times"
                  onClick={() => setFilters({ instance: undefined, status: undefined, q: '' })}
                >
                  Clear filters
                </Button>
              }
            >
              Clear the instance, status or search filter to see more.
            </EmptyState>
          )}
          {list && list.total > 0 && (
            <BackendList
              backends={list.backends}
              total={list.total}
              page={paging.page}
              pageSize={BACKENDS_PER_PAGE}
              onPage={(page) => goTo(page, shown?.next ?? null)}
              loading={backends.loading}
              renderServers={renderServers}
            />
          )}
        </Stack>
      </div>

      {dialog?.kind === 'command' && (
        <ServerCommandModal
          server={dialog.server}
          command={dialog.command}
          onConfirm={async (options: CommandOptions) =>
            closeUnlessRefused(await runCommand(dialog.server, dialog.command, options, dialog.apply))
          }
          onDismiss={close}
        />
      )}
      {bulk && !bulkList && (
        <Modal className={nameStyles.names} title={`Servers of ${bulk.backend.name}`} isOpen onDismiss={close}>
          {bulkServers.error ? (
            <Alert severity="error" title="The servers to send the command to could not be loaded">
              {bulkServers.error.message}
            </Alert>
          ) : (
            <LoadingPlaceholder text="Loading the servers shown..." />
          )}
        </Modal>
      )}
      {bulk && bulkList && bulkList.total > bulkList.servers.length && (
        <Modal className={nameStyles.names} title={`Too many servers for one command`} isOpen onDismiss={close}>
          {`${formatCount(bulkList.total)} servers of ${bulk.backend.name} are shown; one command takes at most ${formatCount(BULK_MAX_SERVERS)}. Narrow the filters.`}
        </Modal>
      )}
      {bulk && bulkList && bulkList.total <= bulkList.servers.length && (
        <BulkCommandModal
          servers={bulkList.servers}
          backendName={bulk.backend.name}
          instanceName={bulk.backend.instance_name}
          command={bulk.command}
          onConfirm={async (options: CommandOptions, targets) => {
            // `targets`: all shown, or only those a budget kept in when the user forces them.
            const target = {
              servers: targets,
              backendName: bulk.backend.name,
              instanceName: bulk.backend.instance_name,
            };
            return closeUnlessRefused(await runBulk(target, bulk.command, options, bulk.reload));
          }}
          onDismiss={close}
        />
      )}
      {dialog?.kind === 'rolling-drain' && (
        <OperationModal
          action="drain"
          selection={dialog.selection}
          what={`backend ${dialog.backend.name} on ${dialog.backend.instance_name}`}
          servers={dialog.servers}
          onStarted={(op) => navigate(`${prefixRoute(ROUTES.Operations)}/${op.id}`)}
          onDismiss={close}
        />
      )}
      {dialog?.kind === 'mapping' && (
        <MappingModal
          server={dialog.server}
          onSave={async (applicationId) => {
            if (await saveMapping(dialog.server, applicationId, dialog.apply)) {
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
