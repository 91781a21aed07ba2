import { DEFAULT_OPERATION_FORM, toOperationRequest } from './OperationModal.utils';

const app = { application_id: 100 };

describe('toOperationRequest', () => {
  it('a drain with a deadline sends it in seconds with its policy, and maint once sessions end', () => {
    expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, onDeadline: 'maint' }, 'drain', app)).toEqual({
      request: {
        application_id: 100,
        action: 'drain',
        max_parallel: 1,
        deadline_s: 600,
        on_deadline: 'maint',
        then: 'maint',
      },
    });
    expect(
      toOperationRequest({ ...DEFAULT_OPERATION_FORM, deadlineMin: '', thenMaint: false }, 'drain', { backend_id: 4 })
    ).toEqual({ request: { backend_id: 4, action: 'drain', max_parallel: 1, then: null } });
  });

  it('refuses what the backend would: a deadline over 24 h, 0 at a time, force without a reason', () => {
    expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, deadlineMin: '1441' }, 'drain', app)).toMatchObject({
      field: 'deadlineMin',
    });
    expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, maxParallel: '0' }, 'drain', app)).toMatchObject({
      field: 'maxParallel',
    });
    expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, force: true }, 'drain', app)).toMatchObject({
      field: 'reason',
    });
  });

  it('a return sends its ramp, which must rise and end at 100', () => {
    expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, steps: '20%, 60, 100' }, 'ready', app)).toEqual({
      request: {
        application_id: 100,
        action: 'ready',
        max_parallel: 1,
        ramp: { steps: [20, 60, 100], interval_s: 15 },
      },
    });
    for (const steps of ['10, 50', '50, 25, 100', '10, x, 100']) {
      expect(toOperationRequest({ ...DEFAULT_OPERATION_FORM, steps }, 'ready', app)).toMatchObject({ field: 'steps' });
    }
  });
});
