import React, { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  type Column,
  EmptyState,
  InteractiveTable,
  LoadingPlaceholder,
  TextLink,
  useStyles2,
} from '@grafana/ui';
import type { Host } from '../../api/types';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { HostForm } from '../../components/HostForm/HostForm';
import { ROUTES, prefixRoute } from '../../constants';
import { useHostMutations, useHosts } from '../../data/useHosts';
import { formatCount } from '../../utils/format';
import { canUserAdminister } from '../../utils/roles';
import { getNameStyles, getToolbarStyles } from '../../utils/styles';
import { byName, compareNames } from '../../utils/sort';

/** The hosts (machines running FAgent) known to the backend; "server" always means an HAProxy server. */
function HostsPage() {
  const styles = useStyles2(getToolbarStyles);
  const nameStyles = useStyles2(getNameStyles);
  const hosts = useHosts();
  const canAdmin = canUserAdminister();
  const navigate = useNavigate();
  const [registering, setRegistering] = useState(false);
  const { save } = useHostMutations(hosts.reload);
  const register = canAdmin && (
    <Button icon="plus" onClick={() => setRegistering(true)}>
      Register host
    </Button>
  );
  const sorted = useMemo(() => [...(hosts.data ?? [])].sort((a, b) => compareNames(a.name, b.name)), [hosts.data]);
  const columns = useMemo<Array<Column<Host>>>(
    () => [
      {
        id: 'name',
        header: 'Host',
        sortType: byName(),
        cell: ({ row }) => (
          <span className={nameStyles.names}>
            <TextLink href={prefixRoute(`${ROUTES.Hosts}/${row.original.id}`)} inline={false}>
              {row.original.name}
            </TextLink>
          </span>
        ),
      },
      { id: 'address', header: 'Address', cell: ({ row }) => row.original.address ?? '—' },
      { id: 'fagent_url', header: 'FAgent URL' },
      {
        id: 'is_active',
        header: 'State',
        cell: ({ row }) =>
          row.original.is_active ? <Badge color="green" text="active" /> : <Badge color="darkgrey" text="inactive" />,
      },
      {
        id: 'instance_count',
        header: 'HAProxy instances',
        sortType: 'number',
        cell: ({ row }) => formatCount(row.original.instance_count),
      },
    ],
    [nameStyles]
  );

  if (isConnectionProblem(hosts.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={hosts.error} onRetry={hosts.reload} />
      </PluginPage>
    );
  }
  return (
    <PluginPage subTitle="Hosts running FAgent and their HAProxy instances">
      {sorted.length > 0 && register && <div className={styles.toolbar}>{register}</div>}
      {hosts.loading && <LoadingPlaceholder text="Loading hosts..." />}
      {hosts.error && (
        <Alert severity="error" title="Hosts could not be loaded">
          {hosts.error.message}
        </Alert>
      )}
      {hosts.data && sorted.length === 0 && (
        <EmptyState variant="call-to-action" message="No hosts registered yet" button={register || undefined}>
          {canAdmin
            ? 'Register the first machine running FAgent, then add its HAProxy instances on its page.'
            : 'Hosts (machines running FAgent) are registered by a Grafana admin.'}
        </EmptyState>
      )}
      {sorted.length > 0 && (
        <InteractiveTable columns={columns} data={sorted} getRowId={(h: Host) => String(h.id)} pageSize={50} />
      )}
      {registering && (
        <HostForm
          onSave={async (input) => {
            const host = await save(undefined, input);
            navigate(prefixRoute(`${ROUTES.Hosts}/${host.id}`));
          }}
          onDismiss={() => setRegistering(false)}
        />
      )}
    </PluginPage>
  );
}

export default HostsPage;
