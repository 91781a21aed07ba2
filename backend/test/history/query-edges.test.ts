import { HistoryQuery, HistoryQueryItem } from '../../src/history/query';
import { HOUR, MINUTE } from '../../src/history/partitions';
import type { TestDatabase } from '../support/db';
import { Fleet, historyFixture, insertSample, maintenance, T0 } from './fixtures';

/** Edges of the trend queries as real panels meet them. */
let db: TestDatabase;
let fleet: Fleet;
let history: HistoryQuery;

beforeAll(async () => ({ db, fleet, history } = await historyFixture()), 120_000);

afterAll(() => db?.drop());

const run = async (q: Omit<HistoryQueryItem, 'refId'>, from: number, to: number, maxDataPoints = 100) =>
  (
    await history.run({
      range: { from: new Date(from), to: new Date(to) },
      maxDataPoints,
      queries: [{ refId: 'A', ...q }],
    })
  ).results.A.frames;

describe('commands', () => {
  test('a running command and one whose outcome is unknown are not annotated as failed', async () => {
    await db.ds.query(
      `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor, source,
                                    success, result, error, status_before, started_at, duration_ms)
       VALUES ($1, $2, 'edge-1', 'shop', 's1', 'maint', 'grafana:bob', 'ui', false, 'pending', NULL, 'UP', $3, 0),
              ($1, $2, 'edge-1', 'shop', 's1', 'drain', 'grafana:bob', 'ui', false, 'unknown', 'FAgent timeout', 'UP', $4, 5000),
              ($1, $2, 'edge-1', 'shop', 's1', 'ready', 'grafana:bob', 'ui', false, 'failure', NULL, 'UP', $5, 10)`,
      [
        fleet.servers.s1,
        fleet.instances['edge-1'],
        new Date(T0 + 3 * MINUTE),
        new Date(T0 + 2 * MINUTE),
        new Date(T0 + MINUTE),
      ]
    );
    const [frame] = await run({ type: 'commands', scope: { server: 's1' } }, T0, T0 + HOUR);
    const column = (name: string) => frame.data.values[frame.schema.fields.findIndex((f) => f.name === name)];
    expect(column('title')).toEqual(['ready s1 failed', 'drain s1 (outcome unknown)', 'maint s1 (running)']);
    expect(column('text')).toEqual([
      'grafana:bob ran ready on edge-1/shop/s1 (ui): failed: unknown error',
      'grafana:bob ran drain on edge-1/shop/s1 (ui): outcome unknown, HAProxy may have applied it: FAgent timeout',
      'grafana:bob ran maint on edge-1/shop/s1 (ui): running, no outcome yet',
    ]);
    expect(column('tags')).toEqual(['haproxy,ready,failed,ui', 'haproxy,drain,unknown,ui', 'haproxy,maint,pending,ui']);
    expect(column('success')).toEqual([false, null, null]);
  });
});

describe('status_counts of the whole fleet', () => {
  test('the minutes not rolled up yet come from the raw samples: the last buckets are there, exact', async () => {
    // A day later than the other tests' rows: samples every minute for 30 minutes, maintenance run at the end.
    const start = T0 + 24 * HOUR;
    const end = start + 30 * MINUTE;
    for (let m = 0; m < 30; m++) {
      await insertSample(db.ds, fleet, start + m * MINUTE, 'edge-1/shop', [
        { server: 's1', status: 'UP', weight: 1, sessions: 0 },
        { server: 's2', status: m >= 27 ? 'DOWN' : 'UP', weight: 1, sessions: 0 },
      ]);
      await insertSample(db.ds, fleet, start + m * MINUTE, 'edge-2/shop', [
        { server: 'x1', status: 'DRAIN', weight: 1, sessions: 0 },
      ]);
    }
    await maintenance(db.ds, () => end).run();
    // Rolled up until 25 minutes (2 minutes of grace); the last 5 are raw samples only.
    const [frame] = await run({ type: 'status_counts', scope: {} }, end - 15 * MINUTE, end, 3);
    expect(frame.data.values.slice(0, 4)).toEqual([
      [start + 15 * MINUTE, start + 20 * MINUTE, start + 25 * MINUTE],
      [2, 2, 1],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const [edge2] = await run({ type: 'status_counts', scope: { instance: 'edge-2' } }, end - 2 * MINUTE, end, 10);
    expect(edge2.data.values.slice(0, 4)).toEqual([[start + 25 * MINUTE], [0], [0], [1]]);
  });
});
