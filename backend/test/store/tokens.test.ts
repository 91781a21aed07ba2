import { PoolDb } from '../../src/db/db';
import { findActiveToken, insertToken, revokeToken } from '../../src/store/tokens';
import { createTestDatabase, TestDatabase } from '../support/db';

/** The token every API request verifies: found when active, its use recorded at most once a minute. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const lastUsed = async (name: string): Promise<Date | null> =>
  (await db.ds.query(`SELECT last_used_at FROM api_tokens WHERE name = $1`, [name]))[0].last_used_at;

test('an active token is found and its use recorded once a minute; a revoked or unknown one is not found', async () => {
  const store = new PoolDb(db.ds);
  await insertToken(store, 'reader', 'viewer', 'hash-reader', false);
  expect(await lastUsed('reader')).toBeNull();
  expect(await findActiveToken(store, 'hash-reader')).toMatchObject({ name: 'reader', role: 'viewer', grafana: false });
  const first = await lastUsed('reader');
  expect(first).toBeInstanceOf(Date);
  // Within the minute: found, the recorded use left as it was.
  expect(await findActiveToken(store, 'hash-reader')).toMatchObject({ name: 'reader' });
  expect(await lastUsed('reader')).toEqual(first);
  // A minute later it is recorded again.
  await db.ds.query(`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE name = 'reader'`);
  const stale = await lastUsed('reader');
  await findActiveToken(store, 'hash-reader');
  expect((await lastUsed('reader'))!.getTime()).toBeGreaterThan(stale!.getTime());

  expect(await findActiveToken(store, 'hash-unknown')).toBeNull();
  await revokeToken(store, 'reader');
  expect(await findActiveToken(store, 'hash-reader')).toBeNull();
});
