import type { DeadlinePolicy, OperationAction, OperationRequest, OperationSelection } from '../../api/types';

/** What the job dialog holds, as typed (numbers as text until they are checked). */
export interface OperationForm {
  maxParallel: string;
  /** drain: minutes for sessions to end, '' for none */
  deadlineMin: string;
  onDeadline: DeadlinePolicy;
  /** drain: maint once sessions reach 0 */
  thenMaint: boolean;
  /** ready: weight steps in %, e.g. "10, 25, 50, 100" */
  steps: string;
  intervalS: string;
  reason: string;
  force: boolean;
}

export const DEFAULT_OPERATION_FORM: OperationForm = {
  maxParallel: '1',
  deadlineMin: '10',
  onDeadline: 'fail',
  thenMaint: true,
  steps: '10, 25, 50, 100',
  intervalS: '15',
  reason: '',
  force: false,
};

export type OperationField = 'maxParallel' | 'deadlineMin' | 'steps' | 'intervalS' | 'reason';

const whole = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text) : NaN);

/**
 * The job's request from the form, or the field that cannot be sent as it is (the contract's limits: 1..1000 at a
 * time, a deadline of at most 24 h, a ramp rising to 100 %, a reason when forced). The backend checks them again.
 */
export function toOperationRequest(
  form: OperationForm,
  action: OperationAction,
  selection: OperationSelection
): { request: OperationRequest } | { field: OperationField; problem: string } {
  const maxParallel = whole(form.maxParallel);
  if (!(maxParallel >= 1 && maxParallel <= 1000)) {
    return { field: 'maxParallel', problem: 'Between 1 and 1000 servers at a time' };
  }
  const reason = form.reason.trim();
  if (form.force && !reason) {
    return { field: 'reason', problem: 'Forcing past a disruption budget needs a reason (it is audited as forced)' };
  }
  const request: OperationRequest = {
    ...selection,
    action,
    max_parallel: maxParallel,
    ...(reason ? { reason } : {}),
    ...(form.force ? { force: true } : {}),
  };
  if (action === 'drain') {
    const minutes = form.deadlineMin.trim() === '' ? undefined : whole(form.deadlineMin);
    if (minutes !== undefined && !(minutes >= 1 && minutes <= 1440)) {
      return { field: 'deadlineMin', problem: 'Between 1 minute and 24 h (1440 minutes), or empty for none' };
    }
    return {
      request: {
        ...request,
        ...(minutes !== undefined ? { deadline_s: minutes * 60, on_deadline: form.onDeadline } : {}),
        then: form.thenMaint ? 'maint' : null,
      },
    };
  }
  const steps = form.steps.split(',').map((s) => whole(s.replace('%', '')));
  if (steps.some((s, i) => Number.isNaN(s) || s < 1 || (i > 0 && s <= steps[i - 1])) || steps.at(-1) !== 100) {
    return { field: 'steps', problem: 'Percentages that rise and end at 100, e.g. 10, 25, 50, 100' };
  }
  const interval = whole(form.intervalS);
  if (!(interval >= 1 && interval <= 3600)) {
    return { field: 'intervalS', problem: 'Between 1 and 3600 seconds' };
  }
  return { request: { ...request, ramp: { steps, interval_s: interval } } };
}
