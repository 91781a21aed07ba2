import React, { useMemo } from 'react';
import { Badge, Button, type Column, InteractiveTable, Stack, Tooltip, useStyles2 } from '@grafana/ui';
import type { Instance } from '../../api/types';
import { formatAgo, formatCount, formatTime } from '../../utils/format';
import { byName, compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';
import { HeldRemovalBadge } from '../SuspiciousAnswer/SuspiciousAnswerAlert';

interface Props {
  instances: Instance[];
  canAct: boolean;
  /** Instance ids whose sync request is in flight. */
  syncing: number[];
  onSync: (instance: Instance) => void;
}

export function SyncStatusBadge({ instance }: { instance: Instance }) {
  if (!instance.is_active) {
    return <Badge color="darkgrey" text="inactive" />;
  }
  if (instance.breaker_state === 'open') {
    return <Badge color="red" text="breaker open" tooltip={instance.last_sync_error ?? undefined} />;
  }
  if (instance.last_sync_success === false) {
    return <Badge color="red" text="sync failing" tooltip={instance.last_sync_error ?? undefined} />;
  }
  if (instance.last_sync_success === null || !instance.last_sync_at) {
    return <Badge color="orange" text="never synced" />;
  }
  return <Badge color="green" text="in sync" />;
}

/** The fleet's HAProxy instances with their sync state and a "Sync now" per instance. */
export function InstanceList({ instances, canAct, syncing, onSync }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const columns = useMemo<Array<Column<Instance>>>(() => {
    const cols: Array<Column<Instance>> = [
      {
        id: 'name',
        header: 'Instance',
        sortType: byName(),
        cell: ({ row }) => <span className={nameStyles.names}>{row.original.name}</span>,
      },
      {
        id: 'host_name',
        header: 'Host',
        sortType: byName(),
        cell: ({ row }) => <span className={nameStyles.names}>{row.original.host_name}</span>,
      },
      {
        id: 'last_sync_success',
        header: 'Sync',
        cell: ({ row }) => (
          <Stack gap={1}>
            <SyncStatusBadge instance={row.original} />
            <HeldRemovalBadge instance={row.original} />
          </Stack>
        ),
      },
      {
        id: 'last_sync_at',
        header: 'Last sync',
        cell: ({ row }) => (
          <Tooltip content={formatTime(row.original.last_sync_at)}>
            <span>{formatAgo(row.original.last_sync_at)}</span>
          </Tooltip>
        ),
      },
      {
        id: 'backend_count',
        header: 'Backends',
        sortType: 'number',
        cell: ({ row }) => formatCount(row.original.backend_count),
      },
      {
        id: 'server_count',
        header: 'Servers',
        sortType: 'number',
        cell: ({ row }) => formatCount(row.original.server_count),
      },
    ];
    if (canAct) {
      cols.push({
        id: 'sync',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) => (
          <Button
            size="sm"
            variant="secondary"
            icon={syncing.includes(row.original.id) ? 'spinner' : 'sync'}
            disabled={syncing.includes(row.original.id) || !row.original.is_active}
            aria-label={`Sync ${row.original.name} now`}
            onClick={() => onSync(row.original)}
          >
            Sync now
          </Button>
        ),
      });
    }
    return cols;
  }, [canAct, syncing, onSync, nameStyles]);

  const sorted = useMemo(
    () => [...instances].sort((a, b) => compareNames(a.name, b.name) || compareNames(a.host_name, b.host_name)),
    [instances]
  );
  return <InteractiveTable columns={columns} data={sorted} getRowId={(i: Instance) => String(i.id)} pageSize={10} />;
}
