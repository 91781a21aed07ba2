import { Limiter } from '../../src/concurrency/limiter';
import { PoolDb } from '../../src/db/db';
import { nextSyncLimit, RAISE_AFTER, ReaderPriority } from '../../src/sync/reader-priority';
import { SyncScheduler } from '../../src/sync/scheduler';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent } from '../support/fake-fagent';
import { insertInstance, silentLog, testClient, testSync } from '../support/fixtures';

/**
 * Syncs give way to the API's readers: while requests come in and the event loop runs late, a cycle runs
 * fewer syncs at once, climbing back slowly once the loop is on time, and all of them when nobody reads.
 */

const o = { lagMs: 10, min: 2 };
const check = (lateMs: number, reading: boolean, onTimeBefore = 0) => ({ lateMs, reading, onTimeBefore });

test('late while read: the fewest at once; on time: one more only after RAISE_AFTER on-time checks', () => {
  expect(nextSyncLimit(16, 16, o, check(25, true))).toBe(2);
  expect(nextSyncLimit(5, 16, o, check(11, true, 50))).toBe(2);
  expect(nextSyncLimit(2, 16, o, check(1, true, 0))).toBe(2);
  expect(nextSyncLimit(2, 16, o, check(1, true, RAISE_AFTER - 2))).toBe(2);
  expect(nextSyncLimit(2, 16, o, check(1, true, RAISE_AFTER - 1))).toBe(3);
  expect(nextSyncLimit(16, 16, o, check(1, true, RAISE_AFTER))).toBe(16);
  // A limit of 1 is never raised to the minimum of 2.
  expect(nextSyncLimit(1, 1, o, check(50, true))).toBe(1);
});

test('nobody reading: all of them at once, however late the loop', () => {
  expect(nextSyncLimit(2, 16, o, check(200, false))).toBe(16);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // the event loop is held, as a sync's planning holds it
  }
};

test('pace: a late loop under requests lowers the limit at once; on time it climbs back; stop restores it', async () => {
  const readers = new ReaderPriority({ ...o, checkMs: 5, readingMs: 10_000 });
  const limiter = new Limiter(8);
  const stop = readers.pace(limiter);
  try {
    await sleep(30);
    expect(limiter.limit).toBe(8); // nobody has asked anything yet
    readers.noteRequest();
    busy(40);
    await sleep(8);
    expect(limiter.limit).toBe(2);
    // On time from here (checks of 5 ms): one more after every RAISE_AFTER checks on time.
    const deadline = Date.now() + 5000;
    while (limiter.limit < 3 && Date.now() < deadline) {
      await sleep(5);
    }
    expect(limiter.limit).toBeGreaterThanOrEqual(3);
  } finally {
    expect(stop()).toBe(2);
  }
  expect(limiter.limit).toBe(8);
});

describe('a cycle', () => {
  let db: TestDatabase;
  let agent: FakeFagent;
  beforeAll(async () => {
    db = await createTestDatabase();
    agent = await new FakeFagent().start();
    for (let n = 0; n < 12; n++) {
      agent.setBackend(`rp${n}`, 'web', [{ name: 'a', status: 'UP' }]);
      await insertInstance(db.ds, agent.url, `rp${n}`);
    }
    // Each sync takes a while, so the cycle lasts long enough for its pace to be checked.
    agent.inject(() => true, { kind: 'delay', ms: 60 });
  });
  afterAll(async () => {
    await agent?.stop();
    await db?.drop();
  });

  const run = (readers: ReaderPriority) =>
    new SyncScheduler(new PoolDb(db.ds), testSync(db.ds, testClient()), silentLog, {
      pollingIntervalSec: 60,
      concurrency: 6,
      hostConcurrency: 6,
      replicaSkipMs: 0,
      readers,
    }).runCycle();

  test('read while its loop runs late: fewer syncs at once, and every sync still done', async () => {
    const readers = new ReaderPriority({ ...o, checkMs: 5 });
    // A reader's requests, and work that holds the loop 15 ms at a time.
    const load = setInterval(() => {
      readers.noteRequest();
      busy(15);
    }, 20);
    try {
      const report = await run(readers);
      expect(report.fewestAtOnce).toBe(2);
      expect(report.outcomes.map((x) => x.status)).toEqual(Array(12).fill('ok'));
    } finally {
      clearInterval(load);
    }
  });

  test('nobody reading: every sync it may run at once', async () => {
    const report = await run(new ReaderPriority({ ...o, checkMs: 5 }));
    expect(report.fewestAtOnce).toBe(6);
    expect(report.outcomes.map((x) => x.status)).toEqual(Array(12).fill('ok'));
  });
});
