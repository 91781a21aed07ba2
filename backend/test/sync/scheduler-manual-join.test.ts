import { PoolDb } from '../../src/db/db';
import type { InstanceSync, SyncOptions, SyncOutcome } from '../../src/sync/instance-sync';
import { SyncScheduler } from '../../src/sync/scheduler';
import { createTestDatabase, TestDatabase } from '../support/db';
import { insertInstance, silentLog } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
}, 10_000);
afterAll(async () => {
  await db?.drop();
}, 10_000);

/** An InstanceSync whose syncs end when the test says, recording the options each was given. */
function gatedSync() {
  const calls: Array<{ instanceId: number; o: SyncOptions; release: (s: SyncOutcome['status']) => void }> = [];
  const sync = {
    sync: (instanceId: number, o: SyncOptions = {}) =>
      new Promise<SyncOutcome>((resolve) => {
        calls.push({ instanceId, o, release: (status) => resolve({ instanceId, status, durationMs: 1 }) });
      }),
  } as unknown as InstanceSync;
  return { sync, calls };
}

const until = async (check: () => boolean) => {
  for (let n = 0; n < 200 && !check(); n++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(check()).toBe(true);
};

test('a manual (fresh) sync during a scheduled sync of the instance runs after it, fresh, and is not its outcome', async () => {
  const { instanceId } = await insertInstance(db.ds, 'http://127.0.0.1:9', 'manual-join');
  const { sync, calls } = gatedSync();
  const s = new SyncScheduler(new PoolDb(db.ds), sync, silentLog, {
    pollingIntervalSec: 60,
    concurrency: 4,
    hostConcurrency: 2,
  });
  const cycle = s.runCycle();
  await until(() => calls.some((c) => c.instanceId === instanceId));
  const scheduled = calls.find((c) => c.instanceId === instanceId)!;
  expect(scheduled.o.fresh).toBeFalsy();

  const manual = s.syncInstance(instanceId, { fresh: true });
  const again = s.syncInstance(instanceId, { fresh: true });
  // The scheduled one may answer from the cache or skip ("synced recently by another process").
  scheduled.release('skipped');
  await cycle;
  await until(() => calls.filter((c) => c.instanceId === instanceId).length === 2);
  const fresh = calls.filter((c) => c.instanceId === instanceId)[1];
  expect(fresh.o.fresh).toBe(true);
  fresh.release('ok');
  await expect(manual).resolves.toMatchObject({ instanceId, status: 'ok' });
  await expect(again).resolves.toMatchObject({ instanceId, status: 'ok' });
  // Both manual requests shared the one fresh sync.
  expect(calls.filter((c) => c.instanceId === instanceId)).toHaveLength(2);

  await s.stop();
}, 10_000);

test('manual syncs of many instances at once run at most HAPROXY_SYNC_CONCURRENCY at a time', async () => {
  const ids: number[] = [];
  for (let n = 0; n < 5; n++) {
    ids.push((await insertInstance(db.ds, 'http://127.0.0.1:9', `manual-many-${n}`)).instanceId);
  }
  const { sync, calls } = gatedSync();
  const s = new SyncScheduler(new PoolDb(db.ds), sync, silentLog, {
    pollingIntervalSec: 60,
    concurrency: 2,
    hostConcurrency: 2,
  });
  const runs = ids.map((id) => s.syncInstance(id, { fresh: true }));
  await new Promise((r) => setTimeout(r, 50));
  // Each sync holds a database connection throughout: the rest wait for a slot.
  expect(calls).toHaveLength(2);
  for (let released = 0; released < ids.length; released++) {
    await until(() => calls.length === Math.min(released + 2, ids.length));
    calls[released].release('ok');
  }
  expect((await Promise.all(runs)).map((o) => o.instanceId)).toEqual(ids);
  await s.stop();
}, 10_000);
