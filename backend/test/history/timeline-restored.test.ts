import { HistoryQuery } from '../../src/history/query';
import { HOUR, MINUTE } from '../../src/history/partitions';
import { restoreRemovedBackend, restoreRemovedServer } from '../../src/registry/removed';
import { softDelete } from '../../src/sync/sync-store';
import { createTestDatabase, TestDatabase } from '../support/db';
import { createFleet, Fleet, insertChange, T0 } from './fixtures';

/**
 * The status timeline is documented as "null before a server's first change and from its removal". A removal
 * writes a `removed` history row holding the last status, and a restore a `restored` one; once restored the
 * server's row has no removed_at any more, so only those rows still tell that it was gone in between.
 */
let db: TestDatabase;
let fleet: Fleet;
let history: HistoryQuery;
const at = (minutes: number) => T0 + minutes * MINUTE;

beforeAll(async () => {
  db = await createTestDatabase();
  fleet = await createFleet(db.ds);
  history = new HistoryQuery(db.pool);
  for (const s of ['s1', 's2', 'a1'] as const) {
    await insertChange(db.ds, fleet.servers[s], at(-10), null, 'UP');
  }
  // s1 alone goes at 10 and comes back at 20 (the removed lists' restore).
  await softDelete(db.pool, [], [fleet.servers.s1], new Date(at(10)), 'missing_from_agent');
  await restoreRemovedServer(db.pool, fleet.servers.s1, new Date(at(20)));
  // edge-1/api (a1 with it) goes at 30 and comes back at 40.
  await softDelete(db.pool, [fleet.backends['edge-1/api']], [], new Date(at(30)), null);
  await restoreRemovedBackend(db.pool, fleet.backends['edge-1/api'], new Date(at(40)));
}, 120_000);

afterAll(() => db?.drop());

const timeline = async (from: number, to: number, maxDataPoints = 1000) => {
  const res = await history.run({
    range: { from: new Date(from), to: new Date(to) },
    maxDataPoints,
    queries: [{ refId: 'A', type: 'status_timeline', scope: { server: ['s1', 's2', 'a1'] } }],
  });
  const frame = res.results.A.frames[0];
  const names = frame.schema.fields.map((f) => f.config.displayName);
  return { names, values: frame.data.values };
};

test('a server removed and restored since has a null between its removal and its restore', async () => {
  const { names, values } = await timeline(T0, T0 + HOUR);
  expect(names).toEqual([undefined, 'api/a1', 'shop/s1', 'shop/s2']);
  expect(values).toEqual([
    [at(0), at(10), at(20), at(30), at(40)],
    ['UP', 'UP', 'UP', null, 'UP'],
    ['UP', null, 'UP', 'UP', 'UP'],
    ['UP', 'UP', 'UP', 'UP', 'UP'],
  ]);
});

test('a range that starts while the server was away starts with null, not its status before the removal', async () => {
  const { values } = await timeline(at(15), at(25));
  expect(values[0]).toEqual([at(15), at(20)]);
  expect(values[2]).toEqual([null, 'UP']);
});

test('in a bucket wider than the gap the server is shown as it was (being away is the mildest state)', async () => {
  // 1 point over the hour: one bucket; the worst of what each server showed is UP, never a gap.
  const { values } = await timeline(T0, T0 + HOUR, 1);
  expect(values).toEqual([[T0], ['UP'], ['UP'], ['UP']]);
});
