import { useCallback } from 'react';
import { api } from './client';
import { type ApiError, asApiError } from '../api/errors';
import type { DryRun, Operation, OperationList, OperationRequest, OperationState } from '../api/types';
import { budgetRefusalOf, type Refusal } from '../utils/guard';
import { changeWithToast } from './mutation';
import { notifyError, notifySuccess } from '../utils/notify';
import { useResource } from './useResource';

/** Jobs move on their own: their list refreshes this often while a page shows them. */
export const OPERATIONS_REFRESH_MS = 5000;

/** Jobs, newest first, optionally of one state; refreshed so progress moves on screen. */
export function useOperations(state?: OperationState, limit = 50) {
  const key = `operations:${state ?? ''}:${limit}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.operations({ state, limit }), [key]);
  return useResource<OperationList>(load, key, { refreshMs: OPERATIONS_REFRESH_MS });
}

/**
 * Starting a job: the operation (202), or the refusal for its dialog to show (a 400, a budget's 409, another job
 * holding a server: 409 operation_conflict); other failures are a toast and undefined.
 */
export async function startOperation(body: OperationRequest): Promise<{ operation: Operation } | { refusal: Refusal }> {
  try {
    const operation = await api.startOperation(body);
    notifySuccess(
      `${operation.action} job started`,
      `${operation.progress.total} servers, ${operation.max_parallel} at a time`
    );
    return { operation };
  } catch (err) {
    const error = asApiError(err);
    const budget = error.code === 'budget_exceeded' ? budgetRefusalOf(error.details) : undefined;
    if (error.kind === 'bad_request' || error.kind === 'conflict' || error.kind === 'not_found') {
      return { refusal: { message: error.message, budget } };
    }
    notifyError('The job could not be started', error.message);
    return { refusal: { message: error.message } };
  }
}

/** Cancelling a job: what is already out stays out (the job says so). True when the backend took it. */
export function cancelOperation(operation: Operation): Promise<boolean> {
  return changeWithToast(
    () => api.cancelOperation(operation.id),
    { title: `${operation.action} job cancelled`, detail: 'Servers it already took out stay out.' },
    `The ${operation.action} job could not be cancelled`
  );
}

/** What a job would do, asked again whenever its request changes (`request` is debounced by the caller). */
export function useOperationDryRun(request: OperationRequest | undefined) {
  const key = `dry-run-op:${JSON.stringify(request)}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.dryRunOperation(request!), [key]);
  return useResource<DryRun>(load, key, { enabled: request !== undefined });
}

/** Queued or running: a job that still moves. */
export const isActiveOperation = (op: Pick<Operation, 'state'>) => op.state === 'queued' || op.state === 'running';

// A finished job no longer changes, and one gone (404) does not come back: no more polling either.
const settledJob = (op: Operation | undefined, error: ApiError | undefined) =>
  error?.kind === 'not_found' || (op !== undefined && !isActiveOperation(op));

/** One job, refreshed while it is queued or running. */
export function useOperation(id: string) {
  const key = `operation:${id}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => api.operation(id), [key]);
  return useResource<Operation>(load, key, { refreshMs: OPERATIONS_REFRESH_MS, settled: settledJob });
}
