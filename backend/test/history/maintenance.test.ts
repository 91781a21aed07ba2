import { HistoryQuery } from '../../src/history/query';
import { DAY, floorTo, HOUR, MINUTE, partitionName } from '../../src/history/partitions';
import { TIERS } from '../../src/history/tiers';
import { createTestDatabase, TestDatabase } from '../support/db';
import { createFleet, Fleet, maintenance, retention, T0 } from './fixtures';

/**
 * A simulated month: samples every 5 minutes for edge-1/shop (s1 UP with minute-of-hour sessions, s2 DOWN
 * during 03:00-04:00 UTC each day, s3 MAINT), maintenance every 12 simulated hours. Nothing waits.
 */
let db: TestDatabase;
let fleet: Fleet;
let now = T0;
const DAYS = 34;
const reports: Array<Awaited<ReturnType<ReturnType<typeof maintenance>['run']>>> = [];

async function insertSamples(from: number, to: number) {
  await db.ds.query(
    `INSERT INTO haproxy_metric_samples (sampled_at, instance_id, backend_id, server_ids, statuses, weights, sessions)
     SELECT t, $3, $4, $5::int[],
            ARRAY[1, CASE WHEN extract(hour FROM t AT TIME ZONE 'UTC') = 3 THEN 2 ELSE 1 END, 4]::smallint[],
            ARRAY[100, 50, 0], ARRAY[extract(minute FROM t AT TIME ZONE 'UTC')::int, 5, 0]
       FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 second', interval '5 minutes') t`,
    [
      new Date(from),
      new Date(to),
      fleet.instances['edge-1'],
      fleet.backends['edge-1/shop'],
      [fleet.servers.s1, fleet.servers.s2, fleet.servers.s3],
    ]
  );
}

const partitionStarts = async (table: string) => {
  const rows: Array<{ name: string }> = await db.ds.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table]
  );
  return rows.map((r) => r.name);
};

beforeAll(async () => {
  db = await createTestDatabase();
  fleet = await createFleet(db.ds);
  const m = maintenance(db.ds, () => now);
  for (let step = 0; step < DAYS * 2; step++) {
    const from = T0 + step * 12 * HOUR;
    await insertSamples(from, from + 12 * HOUR);
    now = from + 12 * HOUR + 3 * MINUTE;
    reports.push(await m.run());
  }
}, 300_000);

afterAll(() => db?.drop());

test('the first run moved the rows written before any partition existed out of DEFAULT', () => {
  expect(reports[0].movedRows).toBe(12 * 12);
  expect(reports[0].created).toContain(partitionName('haproxy_metric_samples', T0));
});

test('every table has partitions from its retention window to two days ahead, and an empty DEFAULT', async () => {
  const windows = [
    [TIERS.raw.table, HOUR, retention.rawRetentionMs],
    [TIERS['5m'].table, DAY, retention.rollup5mRetentionMs],
    [TIERS['5m'].counts!.table, DAY, retention.rollup5mRetentionMs],
    [TIERS['1h'].table, DAY, retention.rollup1hRetentionMs],
    [TIERS['1h'].counts!.table, DAY, retention.rollup1hRetentionMs],
  ] as const;
  for (const [table, width, keep] of windows) {
    const expected = [];
    for (let t = floorTo(now - keep, width); t <= floorTo(now + 2 * DAY, width); t += width) {
      expected.push(partitionName(table, t));
    }
    expect([table, await partitionStarts(table)]).toEqual([table, [...expected, `${table}_default`].sort()]);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM ${table}_default`);
    expect([table, n]).toEqual([table, 0]);
  }
});

test('expired partitions were dropped whole, not emptied', async () => {
  for (const name of [
    partitionName(TIERS.raw.table, T0),
    partitionName(TIERS['5m'].table, T0),
    partitionName(TIERS['1h'].table, T0),
  ]) {
    const [{ exists }] = await db.ds.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]);
    expect([name, exists]).toEqual([name, false]);
  }
  const dropped = reports.flatMap((r) => r.dropped);
  expect(dropped).toContain(partitionName(TIERS['1h'].table, T0 - (T0 % DAY)));
  expect(dropped).toContain(partitionName(TIERS.raw.table, T0 + 5 * HOUR));
  // Nothing older than the windows is left anywhere.
  const [{ raw }] = await db.ds.query(`SELECT min(sampled_at) AS raw FROM haproxy_metric_samples`);
  expect(raw.getTime()).toBe(floorTo(now - retention.rawRetentionMs, HOUR));
  const [{ h }] = await db.ds.query(`SELECT min(bucket_start) AS h FROM haproxy_metric_rollup_1h`);
  expect(h.getTime()).toBe(floorTo(now - retention.rollup1hRetentionMs, DAY));
});

test('roll-ups are complete up to the grace period and hold the right values', async () => {
  const [{ d5 }] = await db.ds.query(`SELECT done_until AS d5 FROM haproxy_metric_rollup_state WHERE tier = '5m'`);
  const [{ d1 }] = await db.ds.query(`SELECT done_until AS d1 FROM haproxy_metric_rollup_state WHERE tier = '1h'`);
  expect([d5.getTime(), d1.getTime()]).toEqual([now - 3 * MINUTE, now - 3 * MINUTE]);

  const day = floorTo(now, DAY) - 5 * DAY;
  const row = (table: string, t: number) =>
    db.ds.query(
      `SELECT samples, server_ids, last_statuses, worst_statuses, sessions_avg, sessions_max, weight_avg FROM ${table} WHERE bucket_start = $1`,
      [new Date(t)]
    );
  const ids = [fleet.servers.s1, fleet.servers.s2, fleet.servers.s3];
  expect(await row('haproxy_metric_rollup_1h', day + 3 * HOUR)).toEqual([
    {
      samples: 12,
      server_ids: ids,
      last_statuses: [1, 2, 4],
      worst_statuses: [1, 2, 4],
      sessions_avg: [27.5, 5, 0],
      sessions_max: [55, 5, 0],
      weight_avg: [100, 50, 0],
    },
  ]);
  expect(await row('haproxy_metric_rollup_1h', day + 4 * HOUR)).toEqual([
    {
      samples: 12,
      server_ids: ids,
      last_statuses: [1, 1, 4],
      worst_statuses: [1, 1, 4],
      sessions_avg: [27.5, 5, 0],
      sessions_max: [55, 5, 0],
      weight_avg: [100, 50, 0],
    },
  ]);
  expect(await row('haproxy_metric_rollup_5m', floorTo(now, DAY) - DAY + 3 * HOUR + 55 * MINUTE)).toEqual([
    {
      samples: 1,
      server_ids: ids,
      last_statuses: [1, 2, 4],
      worst_statuses: [1, 2, 4],
      sessions_avg: [55, 5, 0],
      sessions_max: [55, 5, 0],
      weight_avg: [100, 50, 0],
    },
  ]);
  // One 1-hour row per hour kept, each from twelve 5-minute rows.
  const [{ hours, short }] = await db.ds.query(
    `SELECT count(*)::int AS hours, count(*) FILTER (WHERE samples <> 12)::int AS short FROM haproxy_metric_rollup_1h`
  );
  expect({ hours, short }).toEqual({
    hours: (floorTo(now, HOUR) - floorTo(now - retention.rollup1hRetentionMs, DAY)) / HOUR,
    short: 0,
  });
  expect(
    await db.ds.query(`SELECT counts FROM haproxy_status_counts_1h WHERE bucket_start = $1`, [new Date(day + 3 * HOUR)])
  ).toEqual([{ counts: [0, 1, 1, 0, 1, 0] }]);
});

test('a second run at the same time changes nothing', async () => {
  const before = await db.ds.query(
    `SELECT (SELECT count(*) FROM haproxy_metric_rollup_5m) AS a, (SELECT count(*) FROM haproxy_metric_rollup_1h) AS b`
  );
  const report = await maintenance(db.ds, () => now).run();
  expect(report).toEqual({ created: [], movedRows: 0, rolledUp: { '5m': 0, '1h': 0 }, dropped: [] });
  expect(
    await db.ds.query(
      `SELECT (SELECT count(*) FROM haproxy_metric_rollup_5m) AS a, (SELECT count(*) FROM haproxy_metric_rollup_1h) AS b`
    )
  ).toEqual(before);
});

test('queries pick the tier that still holds the range: 5m three days back, raw recently, 1h for the month', async () => {
  const history = new HistoryQuery(db.pool);
  const s2Counts = (from: number, to: number, maxDataPoints: number) =>
    history.run({
      range: { from: new Date(from), to: new Date(to) },
      maxDataPoints,
      queries: [{ refId: 'A', type: 'status_counts', scope: { server: 's2' } }],
    });
  const threeDaysBack = floorTo(now, DAY) - 3 * DAY;
  const old = (await s2Counts(threeDaysBack + 2 * HOUR, threeDaysBack + 5 * HOUR, 1000)).results.A.frames[0];
  expect(old.schema.meta).toEqual({ custom: { resolution: '5m', intervalMs: 5 * MINUTE } });
  const hourOf = (t: unknown) => new Date(t as number).getUTCHours();
  expect(old.data.values[0]).toHaveLength(36);
  // UP and DOWN columns: s2 is DOWN in the buckets of 03:00-04:00 only
  expect(old.data.values[1]).toEqual(old.data.values[0].map((t) => (hourOf(t) === 3 ? 0 : 1)));
  expect(old.data.values[2]).toEqual(old.data.values[0].map((t) => (hourOf(t) === 3 ? 1 : 0)));
  const recent = (await s2Counts(now - 2 * HOUR, now, 1000)).results.A.frames[0];
  expect(recent.schema.meta).toEqual({ custom: { resolution: 'raw', intervalMs: 8000 } });
  expect(recent.data.values[0]).toHaveLength(23); // one sample every 5 minutes, the last 8 minutes ago

  const month = await history.run({
    range: { from: new Date(now - 30 * DAY), to: new Date(now) },
    maxDataPoints: 1000,
    queries: [{ refId: 'A', type: 'status_counts', scope: {} }],
  });
  const frame = month.results.A.frames[0];
  expect(frame.schema.meta).toEqual({ custom: { resolution: '1h', intervalMs: HOUR } });
  expect(frame.data.values[0].length).toBeGreaterThan(29 * 24);
  // DOWN once a day, at 03:00
  const down = frame.data.values[0].filter((_, i) => frame.data.values[2][i] === 1) as number[];
  expect(down.every((t) => new Date(t).getUTCHours() === 3)).toBe(true);
  expect(down.length).toBeGreaterThanOrEqual(29);
});
