import React, { useMemo } from 'react';
import { Badge, type BadgeColor, type Column, InteractiveTable, Stack, Tooltip, useStyles2 } from '@grafana/ui';
import type { Action, ActionResult } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';
import { StatusBadge } from '../StatusBadge/StatusBadge';

const RESULT_BADGES: Record<ActionResult, { color: BadgeColor; text: string }> = {
  success: { color: 'green', text: 'success' },
  failure: { color: 'red', text: 'failed' },
  // The agent's answer failed and HAProxy could not tell: it may have been applied.
  unknown: { color: 'orange', text: 'unknown' },
  pending: { color: 'blue', text: 'pending' },
};

/** The outcome, and beside it what explains it: the error, and the note (e.g. a maintenance that outranks it). */
function ResultCell({ action }: { action: Action }) {
  const badge = <Badge {...RESULT_BADGES[action.result]} />;
  const detail = [action.error, action.note].filter(Boolean).join('; ');
  return detail ? (
    <Tooltip content={detail}>
      <span>
        {badge} {detail}
      </span>
    </Tooltip>
  ) : (
    badge
  );
}

/** One page of the audit log: who did what to which server, the status change, and how it went. */
export function ActionTable({ actions }: { actions: Action[] }) {
  const styles = useStyles2(getNameStyles);
  const columns = useMemo<Array<Column<Action>>>(
    () => [
      { id: 'started_at', header: 'Time', cell: ({ row }) => formatTime(row.original.started_at) },
      {
        id: 'actor',
        header: 'Actor',
        cell: ({ row }) => <span className={styles.names}>{row.original.actor ?? '—'}</span>,
      },
      { id: 'source', header: 'Source' },
      { id: 'command', header: 'Command' },
      {
        id: 'server_name',
        header: 'Server',
        cell: ({ row }) => (
          <span className={styles.names}>
            {`${row.original.server_name ?? '?'} (${row.original.backend_name ?? '?'} on ${row.original.instance_name ?? '?'})`}
          </span>
        ),
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
      {
        id: 'reason',
        header: 'Reason',
        cell: ({ row }) => <span className={styles.names}>{row.original.reason ?? '—'}</span>,
      },
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
      { id: 'result', header: 'Result', cell: ({ row }) => <ResultCell action={row.original} /> },
      {
        id: 'duration_ms',
        header: 'Duration',
        cell: ({ row }) => (row.original.duration_ms === null ? '—' : `${row.original.duration_ms} ms`),
      },
    ],
    [styles]
  );
  return <InteractiveTable columns={columns} data={actions} getRowId={(a: Action) => String(a.id)} />;
}
