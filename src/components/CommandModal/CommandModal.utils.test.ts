import { EMPTY_FORM, toCommandOptions } from './CommandModal.utils';

describe('toCommandOptions', () => {
  it('sends no options for an empty form', () => {
    expect(toCommandOptions(EMPTY_FORM, 'drain')).toEqual({ options: {} });
  });

  it('sends the reason trimmed, and refuses more than 500 characters before sending', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, reason: '  INC-42  ' }, 'ready')).toEqual({
      options: { reason: 'INC-42' },
    });
    expect(toCommandOptions({ ...EMPTY_FORM, reason: 'x'.repeat(500) }, 'drain')).toEqual({
      options: { reason: 'x'.repeat(500) },
    });
    expect(toCommandOptions({ ...EMPTY_FORM, reason: 'x'.repeat(501) }, 'drain')).toEqual({
      field: 'reason',
      problem: 'At most 500 characters (501 now)',
    });
  });

  it.each([
    ['30m', 1800],
    ['1h', 3600],
    ['4h', 14400],
  ] as const)('a %s window is duration_s %d', (window, seconds) => {
    expect(toCommandOptions({ ...EMPTY_FORM, window, reason: 'deploy' }, 'maint')).toEqual({
      options: { reason: 'deploy', duration_s: seconds },
    });
  });

  it('"until a time" sends the chosen local time as an ISO instant, and needs one', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, window: 'until', until: '2030-05-01T14:30' }, 'drain')).toEqual({
      options: { until: new Date('2030-05-01T14:30').toISOString() },
    });
    expect(toCommandOptions({ ...EMPTY_FORM, window: 'until', until: '' }, 'drain')).toEqual({
      field: 'until',
      problem: 'Choose when the window ends',
    });
  });

  it('ready takes no window, whatever the form holds', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, window: '1h' }, 'ready')).toEqual({ options: {} });
  });

  it('force past a budget needs a reason, and is sent with it', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, force: true }, 'drain')).toEqual({
      field: 'reason',
      problem: 'Forcing past a disruption budget needs a reason (it is audited as forced)',
    });
    expect(toCommandOptions({ ...EMPTY_FORM, force: true, reason: 'INC-7' }, 'drain')).toEqual({
      options: { reason: 'INC-7', force: true },
    });
  });
});
