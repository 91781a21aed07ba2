import React, { useCallback, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  type Column,
  ConfirmModal,
  EmptyState,
  InteractiveTable,
  LoadingPlaceholder,
  Pagination,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';
import type { Application, UnresolvedKind, UnresolvedServer } from '../../api/types';
import { ApplicationForm } from '../../components/ApplicationForm/ApplicationForm';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { MappingModal } from '../../components/MappingModal/MappingModal';
import { LoadError } from '../../components/LoadError/LoadError';
import { ServerState } from '../../components/ServerState/ServerState';
import { UnresolvedMappings } from '../../components/UnresolvedMappings/UnresolvedMappings';
import { prefixRoute, ROUTES } from '../../constants';
import {
  MAPPED_SERVERS_SHOWN,
  useApplicationMutations,
  useApplications,
  useApplicationServers,
} from '../../data/useApplications';
import { useHosts } from '../../data/useHosts';
import { UNRESOLVED_PAGE_SIZE, useReviewMapping, useUnresolvedMappings } from '../../data/useUnresolvedMappings';
import { useLastPageWhenPastTheEnd } from '../../hooks/useLastPageWhenPastTheEnd';
import { type FilterParams, oneOfParam, pageParam, useUrlFilters } from '../../hooks/useUrlFilters';
import { formatCount, formatPlural } from '../../utils/format';
import { canUserAct, canUserAdminister } from '../../utils/roles';
import { byName, compareNames } from '../../utils/sort';
import { getNameStyles, getToolbarStyles } from '../../utils/styles';

interface ReviewFilters {
  review: UnresolvedKind;
  page: number | undefined;
}
const REVIEW_PARAMS: FilterParams<ReviewFilters> = {
  review: oneOfParam(['any', 'ambiguous', 'unmatched'] as const, 'any'),
  page: pageParam(UNRESOLVED_PAGE_SIZE),
};
const REVIEW_RESETS = ['page'] as const;
const KINDS = [
  { label: 'All', value: 'any' as const },
  { label: 'Ambiguous', value: 'ambiguous' as const },
  { label: 'Unmatched', value: 'unmatched' as const },
];

type Dialog = { kind: 'form'; application?: Application } | { kind: 'delete'; application: Application };

/** Applications (what HAProxy servers map to), their mapped servers, and the review of auto-mapping's misses. */
function ApplicationsPage() {
  const styles = useStyles2(getToolbarStyles);
  const nameStyles = useStyles2(getNameStyles);
  const applications = useApplications();
  const hosts = useHosts();
  const canAct = canUserAct();
  const canAdmin = canUserAdminister();
  const [dialog, setDialog] = useState<Dialog>();
  const [choosing, setChoosing] = useState<UnresolvedServer>();
  const [filters, setFilters] = useUrlFilters(REVIEW_PARAMS, REVIEW_RESETS);
  const page = filters.page ?? 1;
  const review = useUnresolvedMappings(filters.review, page);
  const { save, remove } = useApplicationMutations(applications.reload);
  const { map, saving } = useReviewMapping(() => {
    review.reload();
    applications.reload();
  });
  // Mapping the last server of the last page empties that page: the review shows the new last page.
  const goToPage = useCallback((p: number | undefined) => setFilters({ page: p }), [setFilters]);
  useLastPageWhenPastTheEnd(
    review.data && { rows: review.data.servers.length, total: review.data.total },
    UNRESOLVED_PAGE_SIZE,
    goToPage
  );

  const sorted = useMemo(
    () => [...(applications.data ?? [])].sort((a, b) => compareNames(a.name, b.name)),
    [applications.data]
  );
  const columns = useMemo<Array<Column<Application>>>(() => {
    const cols: Array<Column<Application>> = [
      {
        id: 'name',
        header: 'Application',
        sortType: byName(),
        cell: ({ row }) => (
          <Link className={nameStyles.names} to={`${prefixRoute(ROUTES.Applications)}/${row.original.id}`}>
            {row.original.name}
          </Link>
        ),
      },
      {
        id: 'host_name',
        header: 'Host',
        cell: ({ row }) => <span className={nameStyles.names}>{row.original.host_name ?? '—'}</span>,
      },
      {
        id: 'server_count',
        header: 'Mapped servers',
        sortType: 'number',
        cell: ({ row }) => formatCount(row.original.server_count ?? 0),
      },
    ];
    if (canAdmin) {
      cols.push({
        id: 'actions',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) => (
          <Stack gap={1}>
            <Button
              size="sm"
              variant="secondary"
              icon="pen"
              aria-label={`Edit ${row.original.name}`}
              onClick={() => setDialog({ kind: 'form', application: row.original })}
            />
            <Button
              size="sm"
              variant="destructive"
              fill="text"
              icon="trash-alt"
              aria-label={`Delete ${row.original.name}`}
              onClick={() => setDialog({ kind: 'delete', application: row.original })}
            />
          </Stack>
        ),
      });
    }
    return cols;
  }, [canAdmin, nameStyles]);

  const error = applications.error ?? review.error;
  if (isConnectionProblem(error)) {
    return (
      <PluginPage>
        <ConnectionBanner
          error={error}
          onRetry={() => {
            applications.reload();
            review.reload();
            hosts.reload();
          }}
        />
      </PluginPage>
    );
  }
  const create = canAdmin && (
    <Button icon="plus" onClick={() => setDialog({ kind: 'form' })}>
      Create application
    </Button>
  );
  const pages = Math.max(1, Math.ceil((review.data?.total ?? 0) / UNRESOLVED_PAGE_SIZE));

  return (
    <PluginPage subTitle="What HAProxy servers run, and how they are mapped">
      {sorted.length > 0 && create && <div className={styles.toolbar}>{create}</div>}
      <Stack direction="column" gap={3}>
        <section aria-label="Applications">
          {applications.loading && <LoadingPlaceholder text="Loading applications..." />}
          {applications.error && (
            <Alert severity="error" title="Applications could not be loaded">
              {applications.error.message}
            </Alert>
          )}
          {applications.data && sorted.length === 0 && (
            <EmptyState variant="call-to-action" message="No applications yet" button={create || undefined}>
              An application runs on a host; auto-mapping maps a server whose address is that host&apos;s to it.
            </EmptyState>
          )}
          {sorted.length > 0 && (
            <InteractiveTable
              columns={columns}
              data={sorted}
              getRowId={(a: Application) => String(a.id)}
              renderExpandedRow={(a) => <MappedServers application={a} />}
              pageSize={25}
            />
          )}
        </section>

        <section aria-label="Unresolved auto-mappings">
          <Stack direction="column" gap={1}>
            <Text element="h2" variant="h4">
              Unresolved auto-mappings
            </Text>
            <Text color="secondary">
              Servers auto-mapping left without an application, and why.
              {canAct ? ' One click maps a server by hand; auto-mapping never changes that again.' : ''}
            </Text>
            <div>
              <RadioButtonGroup options={KINDS} value={filters.review} onChange={(review) => setFilters({ review })} />
            </div>
            {review.error && (
              <Alert severity="error" title="The review could not be loaded">
                {review.error.message}
              </Alert>
            )}
            {review.loading && <LoadingPlaceholder text="Loading..." />}
            {review.data && review.data.total === 0 && (
              <Text color="secondary">Nothing to review: every server is mapped or was left unmapped by hand.</Text>
            )}
            {review.data && review.data.total > 0 && (
              <>
                <Text variant="bodySmall">{formatPlural(review.data.total, 'server')}</Text>
                <UnresolvedMappings
                  entries={review.data.servers}
                  saving={saving}
                  onMap={canAct ? (entry, appId) => map(entry.server, appId) : undefined}
                  onChoose={canAct ? setChoosing : undefined}
                />
                {pages > 1 && (
                  <Pagination currentPage={page} numberOfPages={pages} onNavigate={(p) => setFilters({ page: p })} />
                )}
              </>
            )}
          </Stack>
        </section>
      </Stack>

      {dialog?.kind === 'form' && (
        <ApplicationForm
          application={dialog.application}
          hosts={hosts.data ?? []}
          onSave={(request) => save(dialog.application, request)}
          onDismiss={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          isOpen
          modalClass={nameStyles.names}
          title={`Delete application ${dialog.application.name}?`}
          body={`Its ${formatPlural(dialog.application.server_count ?? 0, 'mapped server')} become unmapped; auto-mapping decides again at the next sync (manual mappings to it are dropped too). The audit log is not changed.`}
          confirmText="Delete application"
          onConfirm={() => {
            const app = dialog.application;
            setDialog(undefined);
            remove(app);
          }}
          onDismiss={() => setDialog(undefined)}
        />
      )}
      {choosing && (
        <MappingModal
          server={choosing.server}
          onSave={async (applicationId) => {
            if (await map(choosing.server, applicationId)) {
              setChoosing(undefined);
            }
          }}
          onDismiss={() => setChoosing(undefined)}
        />
      )}
    </PluginPage>
  );
}

/** The servers mapped to one application (loaded when its row is expanded). */
function MappedServers({ application }: { application: Application }) {
  const servers = useApplicationServers(application.id);
  if (servers.loading) {
    return <LoadingPlaceholder text="Loading servers..." />;
  }
  if (servers.error) {
    return <LoadError title="Servers could not be loaded" error={servers.error} onRetry={servers.reload} />;
  }
  const list = servers.data ?? [];
  if (list.length === 0) {
    return <Text color="secondary">No current server is mapped to {application.name}.</Text>;
  }
  return (
    <Stack direction="column" gap={0.5}>
      {list.map((s) => (
        <Stack key={s.id} gap={1} alignItems="center">
          <ServerState server={s} />
          <span>
            {s.server_name}{' '}
            <Text color="secondary">
              ({s.backend_name} on {s.instance_name}, {s.mapping_kind ?? 'auto'})
            </Text>
          </span>
        </Stack>
      ))}
      {(application.server_count ?? 0) > MAPPED_SERVERS_SHOWN && (
        <Text color="secondary" variant="bodySmall">
          The first {formatCount(MAPPED_SERVERS_SHOWN)} of {formatCount(application.server_count ?? 0)}.
        </Text>
      )}
    </Stack>
  );
}

export default ApplicationsPage;
