import React, { useMemo } from 'react';
import { Badge, type Column, InteractiveTable, Stack, Tooltip } from '@grafana/ui';
import type { Action } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { StatusBadge } from '../StatusBadge/StatusBadge';

/** One page of the audit log: who did what to which server, the status change, and how it went. */
export function ActionTable({ actions }: { actions: Action[] }) {
  const columns = useMemo<Array<Column<Action>>>(
    () => [
      { id: 'started_at', header: 'Time', cell: ({ row }) => formatTime(row.original.started_at) },
      { id: 'actor', header: 'Actor', cell: ({ row }) => row.original.actor ?? '—' },
      { id: 'source', header: 'Source' },
      { id: 'command', header: 'Command' },
      {
        id: 'server_name',
        header: 'Server',
        cell: ({ row }) =>
          `${row.original.server_name ?? '?'} (${row.original.backend_name ?? '?'} on ${row.original.instance_name ?? '?'})`,
      },
      {
        id: 'status_after',
        header: 'Status',
        cell: ({ row }) => (
          <Stack gap={0.5} alignItems="center">
            {row.original.status_before && <StatusBadge status={row.original.status_before} />}
            {row.original.status_after && (
              <>
                →<StatusBadge status={row.original.status_after} />
              </>
            )}
          </Stack>
        ),
      },
      { id: 'reason', header: 'Reason', cell: ({ row }) => row.original.reason ?? '—' },
      {
        id: 'until',
        header: 'Until',
        cell: ({ row }) =>
          row.original.until ? (
            <Tooltip content={`Maintenance window end: ${formatAgo(row.original.until)}`}>
              <span>{formatTime(row.original.until)}</span>
            </Tooltip>
          ) : (
            '—'
          ),
      },
      {
        id: 'success',
        header: 'Result',
        cell: ({ row }) =>
          row.original.success ? (
            <Badge color="green" text="success" />
          ) : (
            <Tooltip content={row.original.error ?? 'failed'}>
              <span>
                <Badge color="red" text="failed" /> {row.original.error}
              </span>
            </Tooltip>
          ),
      },
      {
        id: 'duration_ms',
        header: 'Duration',
        cell: ({ row }) => (row.original.duration_ms === null ? '—' : `${row.original.duration_ms} ms`),
      },
    ],
    []
  );
  return <InteractiveTable columns={columns} data={actions} getRowId={(a: Action) => String(a.id)} />;
}
