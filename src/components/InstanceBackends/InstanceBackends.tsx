import React, { useMemo } from 'react';
import { Alert, type Column, InteractiveTable, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { SERVER_STATUSES, type Backend } from '../../api/types';
import { useInstanceBackends } from '../../data/useInstanceBackends';
import { formatAgo, formatCount } from '../../utils/format';
import { canUserAdminister } from '../../utils/roles';
import { byName, compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';
import { BudgetEditor, BudgetSummary } from '../Budget/Budget';
import { StatusBadge } from '../StatusBadge/StatusBadge';

/**
 * Backends of one instance with their statistics and disruption budgets (an Admin sets a backend's minimum in its
 * expanded row); mounted (and so loaded) only when the instance is expanded.
 */
export function InstanceBackends({ instanceId }: { instanceId: number }) {
  const backends = useInstanceBackends(instanceId);
  const canAdmin = canUserAdminister();
  const nameStyles = useStyles2(getNameStyles);
  const sorted = useMemo(
    () => [...(backends.data ?? [])].sort((a, b) => compareNames(a.backend_name, b.backend_name)),
    [backends.data]
  );
  const columns = useMemo<Array<Column<Backend>>>(
    () => [
      {
        id: 'backend_name',
        header: 'Backend',
        sortType: byName(),
        cell: ({ row }) => <span className={nameStyles.names}>{row.original.backend_name}</span>,
      },
      {
        id: 'server_count',
        header: 'Servers',
        sortType: 'number',
        cell: ({ row }) => formatCount(row.original.server_count),
      },
      {
        id: 'status_counts',
        header: 'By status',
        cell: ({ row }) => (
          <Stack gap={0.5} wrap="wrap">
            {SERVER_STATUSES.filter((s) => row.original.status_counts[s]).map((s) => (
              <StatusBadge key={s} status={s} count={row.original.status_counts[s]} />
            ))}
          </Stack>
        ),
      },
      {
        id: 'budget',
        header: 'Budget',
        cell: ({ row }) =>
          row.original.budget ? (
            <BudgetSummary budget={row.original.budget} label={`backend ${row.original.backend_name}`} />
          ) : (
            '—'
          ),
      },
      { id: 'updated_at', header: 'Updated', cell: ({ row }) => formatAgo(row.original.updated_at) },
    ],
    [nameStyles]
  );

  if (backends.loading) {
    return <LoadingPlaceholder text="Loading backends..." />;
  }
  if (backends.error) {
    return (
      <Alert severity="error" title="Backends could not be loaded">
        {backends.error.message}
      </Alert>
    );
  }
  if (sorted.length === 0) {
    return <Text color="secondary">This instance has no backends (yet).</Text>;
  }
  return (
    <InteractiveTable
      columns={columns}
      data={sorted}
      getRowId={(b: Backend) => String(b.id)}
      pageSize={sorted.length > 25 ? 25 : 0}
      renderExpandedRow={
        canAdmin
          ? (b: Backend) =>
              b.budget ? (
                <BudgetEditor budget={b.budget} label={`backend ${b.backend_name}`} onSaved={backends.reload} />
              ) : (
                <Text color="secondary">This backend does not report a budget yet.</Text>
              )
          : undefined
      }
    />
  );
}
