import { PoolDb } from '../../src/db/db';
import { SyncScheduler } from '../../src/sync/scheduler';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent } from '../support/fake-fagent';
import { insertInstance, silentLog, testClient, testSync } from '../support/fixtures';

/**
 * A stop (SIGTERM) during a sync cycle over many instances: the syncs in flight end, the ones the cycle has not
 * started yet are not started, so a stop takes one sync at most, not the rest of the cycle (minutes for a fleet
 * whose agents time out).
 */
let db: TestDatabase;
let agent: FakeFagent;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = await new FakeFagent().start();
});
afterAll(async () => {
  await agent?.stop();
  await db?.drop();
});

test('a stop mid-cycle waits for the sync in flight only, and starts no other', async () => {
  const INSTANCES = 8;
  for (let n = 0; n < INSTANCES; n++) {
    agent.setBackend(`slow${n}`, 'web', [{ name: 'a', status: 'UP' }]);
    await insertInstance(db.ds, agent.url, `slow${n}`);
  }
  // Every agent answer takes 400 ms (a sync 1-2 s): the cycle, one sync at a time, would take over 10 s.
  agent.inject(() => true, { kind: 'delay', ms: 400 });
  const s = new SyncScheduler(new PoolDb(db.ds), testSync(db.ds, testClient()), silentLog, {
    pollingIntervalSec: 60,
    concurrency: 1,
    hostConcurrency: 1,
  });
  const cycle = s.runCycle();
  await agent.arrived(() => true);
  const started = Date.now();
  await s.stop();
  const stopMs = Date.now() - started;
  const synced = new Set(agent.requests.map((r) => r.segments[2])).size;
  await cycle.catch(() => undefined);
  expect({ stopMs: stopMs < 5000, synced }).toEqual({ stopMs: true, synced: 1 });
  // What was not synced is not reported as failed: the next cycle (another replica's, or after the restart) does it.
  const [{ n }] = await db.ds.query(
    `SELECT count(*)::int AS n FROM haproxy_instances WHERE last_sync_success IS NOT NULL`
  );
  expect(n).toBe(1);
});
