import React from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, EmptyState, Field, LoadingPlaceholder, RadioButtonGroup, Stack } from '@grafana/ui';
import { OPERATION_STATES, type OperationState } from '../../api/types';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { OperationCard } from '../../components/OperationCard/OperationCard';
import { RefreshStatus } from '../../components/RefreshStatus/RefreshStatus';
import { isActiveOperation, OPERATIONS_REFRESH_MS, useOperation, useOperations } from '../../data/useOperations';
import { type FilterParams, oneOfParam, useUrlFilters } from '../../hooks/useUrlFilters';
import { canUserAct } from '../../utils/roles';

const STATE_OPTIONS = [
  { value: '', label: 'All' },
  ...OPERATION_STATES.map((value) => ({ value, label: value[0].toUpperCase() + value.slice(1) })),
];
const isState = (v: string): v is OperationState => OPERATION_STATES.includes(v as OperationState);
const FILTER_PARAMS: FilterParams<{ state: OperationState | undefined }> = { state: oneOfParam(OPERATION_STATES) };

/** Jobs (rolling drains, returns with a ramp): running and recent, their progress per server, cancel for Editors. */
function OperationsPage() {
  const canAct = canUserAct();
  const [filters, setFilters] = useUrlFilters(FILTER_PARAMS);
  const operations = useOperations(filters.state);

  if (isConnectionProblem(operations.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={operations.error} onRetry={operations.reload} />
      </PluginPage>
    );
  }
  return (
    <PluginPage subTitle="Rolling drains and returns with a ramp: who started them, why, and how far they are">
      <Stack direction="column" gap={2}>
        <Field label="State">
          <RadioButtonGroup
            options={STATE_OPTIONS}
            value={filters.state ?? ''}
            onChange={(v) => setFilters({ state: isState(v) ? v : undefined })}
          />
        </Field>
        {/* Progress moves on its own: a backend slower than the refresh shows as late, not as a stuck job. */}
        <RefreshStatus resources={[operations]} refreshMs={OPERATIONS_REFRESH_MS} />
        {operations.loading && <LoadingPlaceholder text="Loading jobs..." />}
        {operations.error && (
          <Alert severity="error" title="Jobs could not be loaded">
            {operations.error.message}
          </Alert>
        )}
        {operations.data?.operations.length === 0 && (
          <EmptyState variant="not-found" message="No job yet">
            Start a rolling drain from an application&apos;s page.
          </EmptyState>
        )}
        {operations.data?.operations.map((op) => (
          <OperationCard key={op.id} operation={op} canAct={canAct} onChanged={operations.reload} />
        ))}
      </Stack>
    </PluginPage>
  );
}

/** One job on its own page (linked from the list and from the toasts). */
export function OperationPage() {
  const { id = '' } = useParams();
  const operation = useOperation(id);
  if (isConnectionProblem(operation.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={operation.error} onRetry={operation.reload} />
      </PluginPage>
    );
  }
  return (
    <PluginPage subTitle="One job, refreshed while it runs">
      <RefreshStatus
        resources={[operation]}
        refreshMs={operation.data && !isActiveOperation(operation.data) ? 0 : OPERATIONS_REFRESH_MS}
      />
      {operation.loading && <LoadingPlaceholder text="Loading the job..." />}
      {operation.error && (
        <Alert severity="error" title="The job could not be loaded">
          {operation.error.message}
        </Alert>
      )}
      {operation.data && (
        <OperationCard operation={operation.data} canAct={canUserAct()} onChanged={operation.reload} />
      )}
    </PluginPage>
  );
}

export default OperationsPage;
