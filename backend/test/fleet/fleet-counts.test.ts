import { FleetCounts } from '../../src/fleet/fleet-counts';
import { createTestDatabase, TestDatabase } from '../support/db';
import { dataTables, lockTables } from '../support/stuck-reads';

/** Whether a promise settles within `ms` (the reads below either answer at once or wait on a lock for ever). */
const settles = (p: Promise<unknown>, ms = 1500) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

const TTL = 100;
const pastTtl = () => new Promise((r) => setTimeout(r, TTL * 2));

describe('the summary counts', () => {
  let db: TestDatabase;
  let closed = false;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (!closed) {
      await db.drop();
    }
  });

  test('past their time they still answer while one read renews them; a dropped value waits for a fresh read', async () => {
    const counts = new FleetCounts(db.pool, TTL, 10 * TTL);
    const first = await counts.get();
    await pastTtl();
    const release = await lockTables(db.pool, await dataTables(db.pool));
    try {
      // The database is busy (locked): the old value answers at once, the renewal waits.
      expect(await settles(counts.get())).toBe(true);
      expect(await counts.get()).toEqual(first);
      counts.invalidate();
      const fresh = counts.get();
      expect(await settles(fresh, 500)).toBe(false);
      await release();
      expect(await fresh).toEqual(first);
    } finally {
      await release();
    }
  });

  test('aged at once (a cycle ended), they still answer while one read renews them', async () => {
    const counts = new FleetCounts(db.pool, 60_000);
    const first = await counts.get();
    const release = await lockTables(db.pool, await dataTables(db.pool));
    try {
      counts.expire();
      // Well within its TTL, yet renewed: the old value answers at once while the renewal waits on the lock.
      expect(await settles(counts.get())).toBe(true);
      expect(await counts.get()).toBe(first);
    } finally {
      await release();
    }
    // The renewal lands: a later request gets the value it read (a new one) without another expire.
    let later = await counts.get();
    for (let until = Date.now() + 10_000; later === first && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 20));
      later = await counts.get();
    }
    expect(later).not.toBe(first);
  });

  test('read long ago (nobody asked since, a command on another replica since), they wait for a fresh read', async () => {
    const counts = new FleetCounts(db.pool, TTL);
    const first = await counts.get();
    await new Promise((r) => setTimeout(r, TTL * 5));
    expect(await counts.get()).not.toBe(first);
    // Aged by a cycle's end, the same.
    const second = await counts.get();
    await new Promise((r) => setTimeout(r, TTL * 5));
    counts.expire();
    expect(await counts.get()).not.toBe(second);
  });

  test('once the database fails, the next request gets the error, not the old value', async () => {
    const counts = new FleetCounts(db.pool, TTL, 10 * TTL);
    const first = await counts.get();
    await db.drop();
    closed = true;
    await pastTtl();
    // The first request past the time still gets the old value, and starts the renewal that fails ...
    expect(await counts.get()).toEqual(first);
    await new Promise((r) => setTimeout(r, 200));
    // ... after which nothing old is served.
    await expect(counts.get()).rejects.toThrow();
  });
});
