import { HistoryQuery, HistoryQueryItem } from '../../src/history/query';
import { DAY, HOUR, MINUTE } from '../../src/history/partitions';
import type { TestDatabase } from '../support/db';
import { Fleet, historyFixture, insertSample, maintenance, ServerSample } from './fixtures';

/** The metric history over its lifetime: what a range reads before and after its roll-ups, and across a year. */
let db: TestDatabase;
let fleet: Fleet;
let history: HistoryQuery;

beforeAll(async () => ({ db, fleet, history } = await historyFixture({ oldestCacheMs: 0 })), 120_000);

afterAll(() => db?.drop());

const values = async (q: Omit<HistoryQueryItem, 'refId'>, from: number, to: number, maxDataPoints: number) => {
  const [frame] = (
    await history.run({
      range: { from: new Date(from), to: new Date(to) },
      maxDataPoints,
      queries: [{ refId: 'A', ...q }],
    })
  ).results.A.frames;
  return {
    resolution: (frame.schema.meta as { custom: { resolution: string } }).custom.resolution,
    values: frame.data.values,
  };
};

/** One sample a minute of edge-1/shop for [from, to): s1 UP with minute-of-hour sessions, s2 UP with 3 unless left out. */
async function minutes(from: number, to: number, s2Missing: (minute: number) => boolean = () => false) {
  for (let t = from; t < to; t += MINUTE) {
    const minute = new Date(t).getUTCMinutes();
    const servers: ServerSample[] = [{ server: 's1', status: 'UP', weight: 100, sessions: minute }];
    if (!s2Missing(minute)) {
      servers.push({ server: 's2', status: 'UP', weight: 50, sessions: 3 });
    }
    await insertSample(db.ds, fleet, t, 'edge-1/shop', servers);
  }
}

test('servers per status read the same before and after the roll-up: a server gone at a bucket end is not counted', async () => {
  // s2 is missing from the last sample of the first 5 minutes and of the hour (removed, restored a minute later).
  const start = Date.UTC(2026, 2, 1, 10);
  await minutes(start, start + HOUR, (minute) => minute === 4 || minute === 59);
  const read = async () => ({
    fiveMinutes: (await values({ type: 'status_counts', scope: {} }, start, start + HOUR, 12)).values.slice(0, 3),
    hour: (await values({ type: 'status_counts', scope: { instance: 'edge-1' } }, start, start + HOUR, 1)).values.slice(
      0,
      3
    ),
  });
  const exact = {
    fiveMinutes: [
      Array.from({ length: 12 }, (_, i) => start + i * 5 * MINUTE),
      [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1],
      Array(12).fill(0),
    ],
    hour: [[start], [1], [0]],
  };
  expect(await read()).toEqual(exact);
  const report = await maintenance(db.ds, () => start + HOUR + 3 * MINUTE).run();
  expect(report.rolledUp).toEqual({ '5m': 12, '1h': 1 });
  expect(await read()).toEqual(exact);
});

test('a range read from a roll-up tier reaches its end: the minutes not rolled up yet come from the raw samples', async () => {
  const start = Date.UTC(2026, 2, 2, 10);
  await minutes(start, start + 33 * MINUTE);
  // Rolled up to start + 30 minutes: the last three samples are raw only.
  await maintenance(db.ds, () => start + 33 * MINUTE).run();
  const fiveMinutes = await values({ type: 'sessions', scope: { server: 's1' } }, start, start + 35 * MINUTE, 7);
  expect(fiveMinutes).toEqual({
    resolution: '5m',
    values: [Array.from({ length: 7 }, (_, i) => start + i * 5 * MINUTE), [2, 7, 12, 17, 22, 27, 31]],
  });
  const counts = await values({ type: 'status_counts', scope: { backend: 'shop' } }, start, start + 35 * MINUTE, 7);
  expect(counts.values.slice(0, 2)).toEqual([fiveMinutes.values[0], Array(7).fill(2)]);
  // The hour is not rolled up at all yet: its one 1-hour point is every sample's average.
  const hour = await values({ type: 'sessions', scope: { server: 's1' }, aggregate: 'max' }, start, start + HOUR, 1);
  expect(hour).toEqual({ resolution: '1h', values: [[start], [32]] });
});

test('partitions are made ahead across a year end, and samples after a longer outage are kept and rolled up', async () => {
  const newYear = Date.UTC(2027, 0, 1);
  const m = maintenance(db.ds, () => now);
  let now = newYear - 30 * MINUTE;
  const created = (await m.run()).created;
  for (const name of [
    'haproxy_metric_samples_p2027010100',
    'haproxy_metric_samples_p2027010223',
    'haproxy_metric_rollup_5m_p2027010200',
    'haproxy_status_counts_1h_p2027010200',
  ]) {
    expect(created).toContain(name);
  }
  // Down for four days: the samples after the outage are past every partition made ahead.
  const back = newYear + 4 * DAY + 50 * MINUTE;
  await minutes(back, back + 20 * MINUTE);
  const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM haproxy_metric_samples_default`);
  expect(n).toBe(20);
  now = back + 23 * MINUTE;
  const report = await m.run();
  expect(report.movedRows).toBe(20);
  const [{ rows }] = await db.ds.query(
    `SELECT (SELECT count(*) FROM haproxy_metric_samples_default) + (SELECT count(*) FROM haproxy_metric_rollup_5m_default)
            + (SELECT count(*) FROM haproxy_metric_rollup_1h_default) AS rows`
  );
  expect(Number(rows)).toBe(0);
  const sessions = await values({ type: 'sessions', scope: { server: 's1' } }, back, back + 20 * MINUTE, 4);
  expect(sessions.values).toEqual([
    [back, back + 5 * MINUTE, back + 10 * MINUTE, back + 15 * MINUTE],
    [52, 57, 2, 7],
  ]);
  const [hourRow] = await db.ds.query(
    `SELECT samples, sessions_max FROM haproxy_metric_rollup_1h WHERE bucket_start = $1`,
    [new Date(back - 50 * MINUTE)]
  );
  expect(hourRow).toEqual({ samples: 10, sessions_max: [59, 3] });
});
