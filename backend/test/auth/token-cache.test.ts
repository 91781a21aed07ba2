import { TOKEN_CHANNEL, TokenCache } from '../../src/auth/token-cache';
import { TokenStore } from '../../src/auth/tokens';
import type { Db } from '../../src/db/db';
import { createTestDatabase, TestDatabase } from '../support/db';
import { silentLog } from '../support/fixtures';
import { until } from '../support/stuck-reads';

/**
 * Checked tokens kept in memory only while the service hears every change to them: a check served from memory,
 * a revocation from anywhere refused, a lost listener turning the cache off.
 */
let db: TestDatabase;
let cache: TokenCache;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());
const OPTIONS = { ttlMs: 60_000, retryMs: 100, maxEntries: 100, pingMs: 500, heartbeatMs: 200 };
/** Pings through the pool, as the service sends them, unless `deaf` (a proxy that loses notifications). */
let deaf = false;
const ping = (payload: string) =>
  deaf ? Promise.resolve() : db.pool.query(`SELECT pg_notify($1, $2)`, [TOKEN_CHANNEL, payload]);
beforeEach(async () => {
  deaf = false;
  cache = new TokenCache(db.url, ping, silentLog, OPTIONS);
  await cache.start();
});
afterEach(() => cache.stop());

/** The pool, counting the checks that reach PostgreSQL; `during` runs inside a check, after its read. */
function countingChecks(during?: () => Promise<void>) {
  const counter = { reads: 0, during };
  const checks: Db = {
    query: async (sql, params) => {
      counter.reads++;
      const rows = await db.pool.query(sql, params);
      await counter.during?.();
      return rows as never;
    },
    execute: (sql, params) => db.pool.execute(sql, params),
    transaction: (work) => db.pool.transaction(work),
  };
  return { counter, store: new TokenStore(db.pool, { checks, cache }) };
}

/** Revoked as the CLI or another replica would: plain SQL, nothing of this process told. */
const revokeElsewhere = (name: string) =>
  db.pool.execute(`UPDATE api_tokens SET revoked_at = now() WHERE name = $1`, [name]);

test('a checked token is answered from memory, and a revocation elsewhere is heard', async () => {
  const { counter, store } = countingChecks();
  const { token } = await store.create('cached', 'viewer');
  expect(await store.verify(token)).toMatchObject({ name: 'cached' });
  expect(await store.verify(token)).toMatchObject({ name: 'cached' });
  expect(counter.reads).toBe(1);
  await revokeElsewhere('cached');
  await until(async () => (await store.verify(token)) === null, 2000);
  expect(counter.reads).toBeGreaterThan(1);
});

test('a revocation through any store of this process is refused at once', async () => {
  const { store } = countingChecks();
  const { token } = await store.create('here', 'operator');
  expect(await store.verify(token)).toMatchObject({ name: 'here' });
  expect(await new TokenStore(db.pool).revoke('here')).toBe(true);
  expect(await store.verify(token)).toBeNull();
});

test('unknown tokens are never kept', async () => {
  const { counter, store } = countingChecks();
  expect(await store.verify('not-a-token')).toBeNull();
  expect(await store.verify('not-a-token')).toBeNull();
  expect(counter.reads).toBe(2);
});

test('a check that a change overtook is not kept', async () => {
  const { counter, store } = countingChecks();
  const { token } = await store.create('overtaken', 'viewer');
  // The row is read active, then revoked elsewhere before the check ends (its NOTIFY arrives meanwhile).
  counter.during = async () => {
    counter.during = undefined;
    await revokeElsewhere('overtaken');
    await new Promise((r) => setTimeout(r, 300));
  };
  expect(await store.verify(token)).toMatchObject({ name: 'overtaken' });
  expect(await store.verify(token)).toBeNull();
});

test('without its listener the cache is off; listening again, it starts from nothing', async () => {
  const { counter, store } = countingChecks();
  const { token } = await store.create('unheard', 'viewer');
  expect(await store.verify(token)).toMatchObject({ name: 'unheard' });
  expect(cache.active).toBe(true);
  await db.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'haproxy-control-token-listener' AND datname = current_database()`
  );
  await until(async () => !cache.active);
  // A change nobody hears: the check reads it.
  await revokeElsewhere('unheard');
  const reads = counter.reads;
  expect(await store.verify(token)).toBeNull();
  expect(counter.reads).toBe(reads + 1);
  // Back, it caches again.
  await until(async () => cache.active);
  const { token: next } = await store.create('heard', 'viewer');
  await store.verify(next);
  const after = counter.reads;
  expect(await store.verify(next)).toMatchObject({ name: 'heard' });
  expect(counter.reads).toBe(after);
});

test('a listener that does not hear its pings never turns the cache on', async () => {
  await cache.stop();
  deaf = true;
  cache = new TokenCache(db.url, ping, silentLog, OPTIONS);
  await cache.start();
  expect(cache.active).toBe(false);
  const { counter, store } = countingChecks();
  const { token } = await store.create('unproved', 'viewer');
  await store.verify(token);
  await store.verify(token);
  expect(counter.reads).toBe(2);
});

test('a listener that stops hearing its pings turns the cache off within a heartbeat', async () => {
  const { counter, store } = countingChecks();
  const { token } = await store.create('stalled', 'viewer');
  await store.verify(token);
  expect(cache.active).toBe(true);
  deaf = true;
  await until(async () => !cache.active, 3000);
  const reads = counter.reads;
  await store.verify(token);
  expect(counter.reads).toBe(reads + 1);
  // Hearing again, it comes back on.
  deaf = false;
  await until(async () => cache.active, 3000);
});
