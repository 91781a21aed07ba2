import { setTimeZoneResolver } from '@grafana/data';
import { EMPTY_FORM, parseWeight, toCommandOptions } from './CommandModal.utils';

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

  describe("in Grafana's time zone, the one the window's end is shown in, whatever the browser's", () => {
    afterEach(() => setTimeZoneResolver(() => 'browser'));
    it.each([
      ['Asia/Kolkata', '2030-05-01T09:00:00.000Z'],
      ['America/New_York', '2030-05-01T18:30:00.000Z'],
      ['utc', '2030-05-01T14:30:00.000Z'],
    ])('%s', (zone, instant) => {
      setTimeZoneResolver(() => zone);
      for (const until of ['2030-05-01T14:30', '2030-05-01T14:30:00']) {
        expect(toCommandOptions({ ...EMPTY_FORM, window: 'until', until }, 'maint')).toEqual({
          options: { until: instant },
        });
      }
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

describe('parseWeight', () => {
  it.each([
    ['0', 0],
    ['50', 50],
    [' 256 ', 256],
    ['007', 7],
    ['50%', '50%'],
    ['0%', '0%'],
    ['00 %', '0%'],
    ['100%', '100%'],
  ] as const)('%j is sent as %j', (typed, weight) => {
    expect(parseWeight(typed)).toEqual({ weight });
  });

  it.each([
    ['', 'Enter a weight: 0 to 256, or a percentage of the configured weight such as 50%'],
    ['257', 'A weight is at most 256 (257 now)'],
    ['101%', 'A percentage of the configured weight is at most 100% (101% now)'],
    ['-1', 'A weight is a whole number from 0 to 256, or a percentage such as 50% ("-1")'],
    ['1.5', 'A weight is a whole number from 0 to 256, or a percentage such as 50% ("1.5")'],
    ['half', 'A weight is a whole number from 0 to 256, or a percentage such as 50% ("half")'],
  ])('%j is refused: %s', (typed, problem) => {
    expect(parseWeight(typed)).toEqual({ problem });
  });
});

describe('toCommandOptions for the agent commands', () => {
  it('weight sends the parsed weight, and refuses a bad one on its field before anything else', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, weight: '25%', reason: 'canary' }, 'weight')).toEqual({
      options: { weight: '25%', reason: 'canary' },
    });
    expect(toCommandOptions({ ...EMPTY_FORM, weight: '300', reason: 'x'.repeat(501) }, 'weight')).toEqual({
      field: 'weight',
      problem: 'A weight is at most 256 (300 now)',
    });
  });

  it('other commands never send a weight, nor a window for shutdown-sessions', () => {
    expect(toCommandOptions({ ...EMPTY_FORM, weight: '50' }, 'drain')).toEqual({ options: {} });
    expect(toCommandOptions({ ...EMPTY_FORM, window: '1h' }, 'shutdown-sessions')).toEqual({ options: {} });
  });
});
