import { parseShowInfo, ShowInfoFormatError, ShowInfo, toProcessInfo } from '../../src/agent/show-info';
import { capturedSnapshot } from './captured';

describe('parseShowInfo on real HAProxy 2.6 output', () => {
  it('reads version, pid, start time and uptime', () => {
    expect(parseShowInfo(capturedSnapshot('lb').info)).toEqual({
      version: '2.6.12-1+deb12u4',
      pid: 13756,
      startTimeSec: 1796132362,
      uptimeSec: 0,
    });
  });

  it('refuses output without Version or Pid', () => {
    expect(() => parseShowInfo('Permission denied\n')).toThrow(ShowInfoFormatError);
    expect(() => parseShowInfo('Version: 2.6\nPid: x\n')).toThrow(/Version or Pid/);
  });
});

describe('toProcessInfo', () => {
  const base: ShowInfo = { version: '2.6.12', pid: 100, startTimeSec: 1_800_000_000, uptimeSec: 60 };

  it("takes HAProxy's exact start time when it has one", () => {
    expect(toProcessInfo(base, 1_800_000_060_700)).toEqual({
      version: '2.6.12',
      pid: 100,
      startedAt: new Date('2027-01-15T08:00:00.000Z'),
      uptimeSec: 60,
    });
  });

  it('derives the start time from the uptime once per pid, so it does not move between calls', () => {
    const noStart = { ...base, startTimeSec: null };
    const first = toProcessInfo(noStart, 1_800_000_060_900);
    expect(first.startedAt.toISOString()).toBe('2027-01-15T08:00:00.000Z');
    // 0.2 s later HAProxy still says 60 s of uptime; now - uptime would be a second later.
    const second = toProcessInfo(noStart, 1_800_000_061_100, first);
    expect(second.startedAt).toEqual(first.startedAt);
    const reloaded = toProcessInfo({ ...noStart, pid: 101, uptimeSec: 1 }, 1_800_000_061_100, second);
    expect(reloaded.startedAt.toISOString()).toBe('2027-01-15T08:01:00.000Z');
  });

  it('sees a restart that kept the pid (a container) by its uptime going back', () => {
    // HAProxy before Start_time_sec; in a container the restarted process has the same pid.
    const running = toProcessInfo({ ...base, startTimeSec: null, uptimeSec: 86_400 }, 1_800_086_400_000);
    const restarted = toProcessInfo({ ...base, startTimeSec: null, uptimeSec: 5 }, 1_800_086_460_000, running);
    expect(restarted.startedAt.toISOString()).toBe('2027-01-16T08:00:55.000Z');
    expect(restarted.startedAt).not.toEqual(running.startedAt);
    // Two reads parsed out of order (a second apart) are still the same process.
    const late = toProcessInfo({ ...base, startTimeSec: null, uptimeSec: 86_399 }, 1_800_086_400_000, running);
    expect(late.startedAt).toEqual(running.startedAt);
  });

  it('refuses a show info with neither start time nor uptime', () => {
    expect(() => toProcessInfo({ ...base, startTimeSec: null, uptimeSec: null }, 0)).toThrow(ShowInfoFormatError);
  });
});
