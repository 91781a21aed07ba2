import React, { useMemo, useState } from 'react';
import { Button, type Column, ConfirmModal, InteractiveTable, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';
import type { RemovedBackend, RemovedServer } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';
import { StatusBadge } from '../StatusBadge/StatusBadge';
import { backendRemovalReason, serverRemovalReason } from './RemovedTables.utils';

/** What an admin can do with a removed row; absent for everyone else. */
export interface RemovedActions<T> {
  restore: (row: T) => Promise<unknown>;
  forget: (row: T) => Promise<unknown>;
}

const RESTORE_NOTE =
  'It comes back on the HAProxy page now, as it was when it went. This changes only what is stored: if HAProxy still lacks it, the next sync removes it again.';
const FORGET_NOTE =
  'It leaves this list for good. Its status history and the audit log stay; if HAProxy lists it again, it comes back as before.';

type Pending<T> = { action: 'restore' | 'forget'; row: T };

function When({ at }: { at: string }) {
  return (
    <Tooltip content={formatTime(at)}>
      <span>{formatAgo(at)}</span>
    </Tooltip>
  );
}

/** Restore / Forget buttons and their confirmations, for one table. */
function useRowActions<T>(actions: RemovedActions<T> | undefined, label: (row: T) => string) {
  const nameStyles = useStyles2(getNameStyles);
  const [pending, setPending] = useState<Pending<T>>();
  const buttons = (row: T, restorable: boolean, whyNot: string) =>
    actions && (
      <Stack gap={1}>
        <Tooltip content={restorable ? 'Back on the HAProxy page until the next sync says otherwise' : whyNot}>
          <span>
            <Button
              size="sm"
              variant="secondary"
              icon="history"
              disabled={!restorable}
              aria-label={`Restore ${label(row)}`}
              onClick={() => setPending({ action: 'restore', row })}
            >
              Restore
            </Button>
          </span>
        </Tooltip>
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          icon="eye-slash"
          aria-label={`Forget ${label(row)}`}
          onClick={() => setPending({ action: 'forget', row })}
        >
          Forget
        </Button>
      </Stack>
    );
  const modal = pending && actions && (
    <ConfirmModal
      isOpen
      modalClass={nameStyles.names}
      title={`${pending.action === 'restore' ? 'Restore' : 'Forget'} ${label(pending.row)}?`}
      body={pending.action === 'restore' ? RESTORE_NOTE : FORGET_NOTE}
      confirmText={pending.action === 'restore' ? 'Restore' : 'Forget'}
      confirmVariant={pending.action === 'restore' ? 'primary' : 'destructive'}
      onConfirm={async () => {
        const { action, row } = pending;
        setPending(undefined);
        await actions[action](row);
      }}
      onDismiss={() => setPending(undefined)}
    />
  );
  return { buttons, modal };
}

export function RemovedBackendTable({
  rows,
  actions,
}: {
  rows: RemovedBackend[];
  actions?: RemovedActions<RemovedBackend>;
}) {
  const { buttons, modal } = useRowActions(actions, (b) => `backend ${b.backend_name} on ${b.instance_name}`);
  const columns = useMemo<Array<Column<RemovedBackend>>>(
    () => [
      {
        id: 'backend_name',
        header: 'Backend',
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <strong>{row.original.backend_name}</strong>
            <Text variant="bodySmall" color="secondary">
              {row.original.instance_name} on {row.original.host_name}
            </Text>
          </Stack>
        ),
      },
      { id: 'removed_at', header: 'Removed', cell: ({ row }) => <When at={row.original.removed_at} /> },
      {
        id: 'why',
        header: 'Why',
        cell: ({ row }) => <Text variant="bodySmall">{backendRemovalReason(row.original)}</Text>,
      },
      { id: 'servers_removed', header: 'Servers with it', sortType: 'number' },
      {
        id: 'actions',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) =>
          buttons(row.original, row.original.restorable, 'Outside the polling scope: widen the scope instead'),
      },
    ],
    [buttons]
  );
  return (
    <>
      <InteractiveTable columns={columns} data={rows} getRowId={(b: RemovedBackend) => String(b.id)} pageSize={25} />
      {modal}
    </>
  );
}

export function RemovedServerTable({
  rows,
  actions,
}: {
  rows: RemovedServer[];
  actions?: RemovedActions<RemovedServer>;
}) {
  const { buttons, modal } = useRowActions(actions, (s) => `server ${s.server_name} in ${s.backend_name}`);
  const columns = useMemo<Array<Column<RemovedServer>>>(
    () => [
      {
        id: 'server_name',
        header: 'Server',
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <strong>{row.original.server_name}</strong>
            <Text variant="bodySmall" color="secondary">
              {row.original.backend_name} on {row.original.instance_name}
              {row.original.address ? ` · ${row.original.address}` : ''}
            </Text>
          </Stack>
        ),
      },
      {
        id: 'status',
        header: 'Last status',
        cell: ({ row }) => <StatusBadge status={row.original.status} rawStatus={row.original.raw_status} />,
      },
      { id: 'removed_at', header: 'Removed', cell: ({ row }) => <When at={row.original.removed_at} /> },
      {
        id: 'why',
        header: 'Why',
        cell: ({ row }) => <Text variant="bodySmall">{serverRemovalReason(row.original)}</Text>,
      },
      {
        id: 'actions',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) =>
          buttons(
            row.original,
            row.original.restorable,
            `Its backend ${row.original.backend_name} is removed: restore the backend`
          ),
      },
    ],
    [buttons]
  );
  return (
    <>
      <InteractiveTable columns={columns} data={rows} getRowId={(s: RemovedServer) => String(s.id)} pageSize={25} />
      {modal}
    </>
  );
}
