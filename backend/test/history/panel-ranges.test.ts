import { HistoryQuery, HistoryQueryItem } from '../../src/history/query';
import { HOUR, MINUTE } from '../../src/history/partitions';
import type { TestDatabase } from '../support/db';
import { Fleet, historyFixture, insertChange, insertSample, maintenance } from './fixtures';

/** Ranges as Grafana panels send them: unaligned starts, servers renamed long ago, commands with their reasons. */
let db: TestDatabase;
let fleet: Fleet;
let history: HistoryQuery;

beforeAll(async () => ({ db, fleet, history } = await historyFixture({ oldestCacheMs: 0 })), 120_000);

afterAll(() => db?.drop());

const frameOf = async (q: Omit<HistoryQueryItem, 'refId'>, from: number, to: number, maxDataPoints: number) =>
  (
    await history.run({
      range: { from: new Date(from), to: new Date(to) },
      maxDataPoints,
      queries: [{ refId: 'A', ...q }],
    })
  ).results.A.frames[0];

test('a range starting inside a bucket keeps that bucket, whole and the same before and after its roll-up', async () => {
  // One sample a minute of edge-1/shop for an hour: s1 UP with minute-of-hour sessions, s2 DOWN.
  const start = Date.UTC(2026, 3, 1, 10);
  for (let m = 0; m < 60; m++) {
    await insertSample(db.ds, fleet, start + m * MINUTE, 'edge-1/shop', [
      { server: 's1', status: 'UP', weight: 100, sessions: m },
      { server: 's2', status: 'DOWN', weight: 50, sessions: 0 },
    ]);
  }
  // "Last 53 minutes" at 10 points: 10-minute buckets from the 5-minute tier, the first one holding `from`.
  const from = start + 7 * MINUTE;
  const to = start + HOUR;
  const read = async () => {
    const sessions = await frameOf({ type: 'sessions', scope: { server: 's1' } }, from, to, 10);
    const counts = await frameOf({ type: 'status_counts', scope: {} }, from, to, 10);
    return {
      meta: [sessions.schema.meta?.custom, counts.schema.meta?.custom],
      sessions: sessions.data.values,
      counts: counts.data.values.slice(0, 3),
    };
  };
  const buckets = Array.from({ length: 6 }, (_, i) => start + i * 10 * MINUTE);
  const exact = {
    meta: [
      { resolution: '5m', intervalMs: 10 * MINUTE },
      { resolution: '5m', intervalMs: 10 * MINUTE },
    ],
    sessions: [buckets, [4.5, 14.5, 24.5, 34.5, 44.5, 54.5]],
    counts: [buckets, Array(6).fill(1), Array(6).fill(1)],
  };
  expect(await read()).toEqual(exact);
  const report = await maintenance(db.ds, () => start + HOUR + 3 * MINUTE).run();
  expect(report.rolledUp['5m']).toBe(12);
  expect(await read()).toEqual(exact);
});

test('servers removed before the range are no series of it, nor do they crowd current servers out of the cap', async () => {
  // api held a1 and, long ago, ten servers since renamed away (removed); one more was removed during the range.
  const start = Date.UTC(2026, 3, 2, 10);
  const backend = fleet.backends['edge-1/api'];
  for (let i = 0; i < 10; i++) {
    await db.ds.query(
      `INSERT INTO haproxy_servers (backend_id, server_name, status, removed_at) VALUES ($1, $2, 'UP', $3)`,
      [backend, `a0-old${i}`, new Date(start - 30 * 24 * HOUR)]
    );
  }
  const [during] = await db.ds.query(
    `INSERT INTO haproxy_servers (backend_id, server_name, status, removed_at) VALUES ($1, 'a0-renamed', 'UP', $2) RETURNING id`,
    [backend, new Date(start + 20 * MINUTE)]
  );
  await insertChange(db.ds, during.id, start - HOUR, null, 'UP');
  const capped = new HistoryQuery(db.pool, { maxSeries: 2, oldestCacheMs: 0 });
  const [timeline] = (
    await capped.run({
      range: { from: new Date(start), to: new Date(start + HOUR) },
      maxDataPoints: 60,
      queries: [{ refId: 'A', type: 'status_timeline', scope: { backend: 'api' } }],
    })
  ).results.A.frames;
  expect(timeline.schema.fields.map((f) => f.config.displayName)).toEqual([undefined, 'a0-renamed', 'a1']);
  expect(timeline.schema.meta?.notices).toBeUndefined();
  expect(timeline.data.values[1]).toEqual(['UP', null]);
  const sessions = await frameOf({ type: 'sessions', scope: { backend: 'api' } }, start, start + HOUR, 60);
  expect(sessions.schema.fields.map((f) => f.config.displayName)).toEqual([undefined, 'a0-renamed', 'a1']);
});

test('a command annotation says why: its reason, its window end and a forced take-out', async () => {
  const start = Date.UTC(2026, 3, 3, 10);
  await db.ds.query(
    `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor, source,
                                  success, result, status_before, status_after, reason, until, forced, note, started_at, duration_ms)
     VALUES ($1, $2, 'edge-1', 'shop', 's1', 'maint', 'grafana:alice', 'ui', true, 'success', 'UP', 'MAINT',
             'kernel update <CVE-1>', $3, true, 'forced past the budget: shop needs 2 available', $4, 40),
            ($1, $2, 'edge-1', 'shop', 's1', 'ready', 'grafana:alice', 'ui', true, 'success', 'MAINT', 'UP',
             NULL, NULL, false, NULL, $5, 30)`,
    [
      fleet.servers.s1,
      fleet.instances['edge-1'],
      new Date(start + HOUR),
      new Date(start + MINUTE),
      new Date(start + 2 * MINUTE),
    ]
  );
  const frame = await frameOf({ type: 'commands', scope: { server: 's1' } }, start, start + HOUR, 100);
  const column = (name: string) => frame.data.values[frame.schema.fields.findIndex((f) => f.name === name)];
  expect(column('text')).toEqual([
    'grafana:alice ran maint on edge-1/shop/s1 (ui): ok, UP -> MAINT\n' +
      'forced past the budget: shop needs 2 available\nuntil 2026-04-03T11:00:00.000Z\nreason: kernel update <CVE-1>',
    'grafana:alice ran ready on edge-1/shop/s1 (ui): ok, MAINT -> UP',
  ]);
  expect(column('reason')).toEqual(['kernel update <CVE-1>', null]);
});

test('servers per status of a backend or a server count those in its last sample of each bucket, as the fleet counts do', async () => {
  // edge-2/shop's x1 is renamed to x1-new at minute 7 of a 5-minute bucket.
  const start = Date.UTC(2026, 3, 4, 10);
  const [renamed] = await db.ds.query(
    `INSERT INTO haproxy_servers (backend_id, server_name, status) VALUES ($1, 'x1-new', 'UP') RETURNING id`,
    [fleet.backends['edge-2/shop']]
  );
  fleet.servers['x1-new'] = renamed.id;
  for (let m = 0; m < 10; m++) {
    const server = m < 7 ? 'x1' : 'x1-new';
    await insertSample(db.ds, fleet, start + m * MINUTE, 'edge-2/shop', [
      { server, status: 'UP', weight: 1, sessions: 0 },
    ]);
  }
  const up = async (scope: HistoryQueryItem['scope']) =>
    (await frameOf({ type: 'status_counts', scope }, start, start + 10 * MINUTE, 2)).data.values.slice(0, 2);
  const buckets = [start, start + 5 * MINUTE];
  expect(await up({ instance: 'edge-2' })).toEqual([buckets, [1, 1]]);
  expect(await up({ instance: 'edge-2', backend: 'shop' })).toEqual([buckets, [1, 1]]);
  expect(await up({ server: 'x1*' })).toEqual([buckets, [1, 1]]);
  // x1 left before the second bucket's end: none of it is UP then.
  expect(await up({ server: 'x1' })).toEqual([buckets, [1, 0]]);
});
