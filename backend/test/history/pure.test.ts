import { displayNames, timelinePoints } from '../../src/history/frames';
import {
  DAY,
  expiredStarts,
  HOUR,
  MINUTE,
  partitionName,
  partitionStart,
  wantedStarts,
} from '../../src/history/partitions';
import { bucketCount, chooseResolution } from '../../src/history/resolution';
import { globToRegex } from '../../src/domain/glob';
import { compileMatcher, isInstanceLevel } from '../../src/domain/scope';
import { COUNT_ORDER, STATUS_BY_CODE, worstCode } from '../../src/history/status';
import { STATUS_CODE } from '../../src/domain/status';

const T = Date.UTC(2026, 0, 31, 12);

describe('partitions', () => {
  test('names carry the UTC start to the hour and parse back', () => {
    expect(partitionName('haproxy_metric_samples', T)).toBe('haproxy_metric_samples_p2026013112');
    expect(partitionStart('haproxy_metric_samples', 'haproxy_metric_samples_p2026013112')).toBe(T);
    expect(partitionStart('haproxy_metric_samples', 'haproxy_metric_samples_default')).toBeUndefined();
    expect(partitionStart('haproxy_metric_samples', 'other_p2026013112')).toBeUndefined();
  });

  test('wanted ranges run from the one holding now - retention to the one holding now + ahead', () => {
    expect(wantedStarts(T + 30 * MINUTE, 2 * HOUR, HOUR, HOUR)).toEqual([T - 2 * HOUR, T - HOUR, T, T + HOUR]);
    expect(wantedStarts(T, 3 * DAY, 2 * DAY, DAY)).toHaveLength(6);
  });

  test('a partition expires only when its whole range is past the cutoff', () => {
    expect(expiredStarts([T, T - HOUR, T - 2 * HOUR], HOUR, T)).toEqual([T - 2 * HOUR, T - HOUR]);
    expect(expiredStarts([T], HOUR, T + HOUR - 1)).toEqual([]);
  });
});

describe('resolution', () => {
  const all = { raw: null, '5m': null, '1h': null };
  test('raw for a day on a wide panel, 5m for a week, 1h for a month', () => {
    expect(chooseResolution({ fromMs: T - DAY, toMs: T, maxDataPoints: 1500, oldest: all })).toEqual({
      tier: 'raw',
      intervalMs: 58_000,
    });
    expect(chooseResolution({ fromMs: T - 7 * DAY, toMs: T, maxDataPoints: 1000, oldest: all })).toEqual({
      tier: '5m',
      intervalMs: 15 * MINUTE,
    });
    expect(chooseResolution({ fromMs: T - 30 * DAY, toMs: T, maxDataPoints: 1000, oldest: all })).toEqual({
      tier: '5m',
      intervalMs: 45 * MINUTE,
    });
    expect(chooseResolution({ fromMs: T - 30 * DAY, toMs: T, maxDataPoints: 700, oldest: all })).toEqual({
      tier: '1h',
      intervalMs: 2 * HOUR,
    });
  });

  test('a tier that no longer holds the start is skipped; Grafana interval is a floor', () => {
    const oldest = { raw: T - DAY, '5m': T - 7 * DAY, '1h': T - 30 * DAY };
    expect(chooseResolution({ fromMs: T - 2 * DAY, toMs: T - 2 * DAY + HOUR, maxDataPoints: 1000, oldest })).toEqual({
      tier: '5m',
      intervalMs: 5 * MINUTE,
    });
    expect(chooseResolution({ fromMs: T - 20 * DAY, toMs: T - 19 * DAY, maxDataPoints: 1000, oldest })).toEqual({
      tier: '1h',
      intervalMs: HOUR,
    });
    expect(chooseResolution({ fromMs: T - 90 * DAY, toMs: T, maxDataPoints: 1000, oldest }).tier).toBe('1h');
    expect(chooseResolution({ fromMs: T - HOUR, toMs: T, maxDataPoints: 1000, intervalMs: 60_000, oldest })).toEqual({
      tier: 'raw',
      intervalMs: 60_000,
    });
    expect(
      chooseResolution({ fromMs: T - HOUR, toMs: T, maxDataPoints: 1000, oldest: { '5m': null, '1h': null } })
    ).toEqual({ tier: '5m', intervalMs: 5 * MINUTE });
  });

  test('never more buckets than maxDataPoints, also for unaligned ranges', () => {
    for (const maxDataPoints of [1, 2, 3, 7, 100, 1000]) {
      for (const [from, to] of [
        [T - 7 * MINUTE, T + 3 * HOUR + 1],
        [T + 1, T + 30 * DAY - 1],
        [T - 13, T + 17],
      ]) {
        const r = chooseResolution({ fromMs: from, toMs: to, maxDataPoints, oldest: all });
        expect(bucketCount(from, to, r.intervalMs)).toBeLessThanOrEqual(maxDataPoints);
      }
    }
  });
});

describe('scope', () => {
  test('numbers are ids, strings names or patterns, All and empty mean no filter', () => {
    expect(compileMatcher(undefined)).toBeUndefined();
    expect(compileMatcher('All')).toBeUndefined();
    expect(compileMatcher(['$__all'])).toBeUndefined();
    expect(compileMatcher([])).toBeUndefined();
    expect(compileMatcher([7, 'edge-1', 'edge-*'])).toEqual({
      ids: [7],
      names: ['edge-1', 'edge-*'],
      patterns: [globToRegex('edge-*')],
    });
    expect(isInstanceLevel({ instance: 'a', backend: 'All' })).toBe(true);
    expect(isInstanceLevel({ server: 's1' })).toBe(false);
  });
});

describe('statuses and frames', () => {
  test('codes map both ways; DOWN is the worst, UP the mildest', () => {
    for (const s of COUNT_ORDER) {
      expect(STATUS_BY_CODE[STATUS_CODE[s]]).toBe(s);
    }
    expect(worstCode(STATUS_CODE.UP, STATUS_CODE.DOWN)).toBe(STATUS_CODE.DOWN);
    expect(worstCode(STATUS_CODE.MAINT, STATUS_CODE.DRAIN)).toBe(STATUS_CODE.MAINT);
    expect(worstCode(null, STATUS_CODE.NOLB)).toBe(STATUS_CODE.NOLB);
  });

  test('timeline points: the worst state of each bucket, a point only where it changes, null once removed', () => {
    const m = MINUTE;
    // 5-minute buckets over [0, 60m): DOWN for one minute inside the 10-15 bucket, MAINT from 22m, removed at 41m
    const changes = [
      { t: 11 * m, status: 'DOWN' as const },
      { t: 12 * m, status: 'UP' as const },
      { t: 22 * m, status: 'MAINT' as const },
      { t: 41 * m, status: null },
    ];
    expect([...timelinePoints('UP', changes, 0, 60 * m, 5 * m)]).toEqual([
      [0, 'UP'],
      [10 * m, 'DOWN'],
      [15 * m, 'UP'],
      [20 * m, 'MAINT'],
      [45 * m, null],
    ]);
    // Unaligned range, no history before it, one change
    expect([...timelinePoints(null, [{ t: 7 * m, status: 'DRAIN' }], 3 * m, 20 * m, 5 * m)]).toEqual([
      [5 * m, 'DRAIN'],
    ]);
    // A change right at a bucket's start: the state before it is not part of that bucket
    expect([...timelinePoints('DOWN', [{ t: 5 * m, status: 'UP' }], 0, 10 * m, 5 * m)]).toEqual([
      [0, 'DOWN'],
      [5 * m, 'UP'],
    ]);
    // Nothing happens: one point
    expect([...timelinePoints('UP', [], 0, 60 * m, m)]).toEqual([[0, 'UP']]);
    // Never more points than buckets, however many changes
    const flaps = [...Array(1000).keys()].map((i) => ({
      t: i * 1000,
      status: i % 2 ? ('DOWN' as const) : ('UP' as const),
    }));
    expect(timelinePoints('UP', flaps, 0, 1000 * 1000, 100_000).size).toBeLessThanOrEqual(10);
  });

  test('display names are as short as the series allow', () => {
    const k = (instance: string, backend: string, server?: string) => ({ key: 0, instance, backend, server });
    expect(displayNames([k('i', 'b', 's1'), k('i', 'b', 's2')])).toEqual(['s1', 's2']);
    expect(displayNames([k('i', 'b', 's1'), k('i', 'c', 's1')])).toEqual(['b/s1', 'c/s1']);
    expect(displayNames([k('i', 'b', 's1'), k('j', 'b', 's1')])).toEqual(['i/b/s1', 'j/b/s1']);
    expect(displayNames([k('i', 'b'), k('i', 'c')])).toEqual(['b', 'c']);
    expect(displayNames([k('i', 'b'), k('j', 'b')])).toEqual(['i/b', 'j/b']);
  });
});
