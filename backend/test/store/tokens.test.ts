import { PoolDb } from '../../src/db/db';
import { TokenStore } from '../../src/auth/tokens';
import { findActiveToken, insertToken, recordTokenUse, revokeToken } from '../../src/store/tokens';
import { createTestDatabase, TestDatabase } from '../support/db';

/** The token every API request verifies: found when active, its use recorded at most once a minute. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const lastUsed = async (name: string): Promise<Date | null> =>
  (await db.ds.query(`SELECT last_used_at FROM api_tokens WHERE name = $1`, [name]))[0].last_used_at;

test('an active token is found with its last use; a revoked or unknown one is not found', async () => {
  const store = new PoolDb(db.ds);
  await insertToken(store, { name: 'reader', role: 'viewer', hash: 'hash-reader', grafana: false, createdBy: 'test' });
  expect(await findActiveToken(store, 'hash-reader')).toMatchObject({
    name: 'reader',
    role: 'viewer',
    grafana: false,
    lastUsedAt: null,
  });
  expect(await lastUsed('reader')).toBeNull(); // a check reads only
  expect(await findActiveToken(store, 'hash-unknown')).toBeNull();
  await revokeToken(store, 'reader', 'test');
  expect(await findActiveToken(store, 'hash-reader')).toBeNull();
});

test('a use is recorded at most once a minute', async () => {
  const store = new PoolDb(db.ds);
  await insertToken(store, {
    name: 'writer',
    role: 'operator',
    hash: 'hash-writer',
    grafana: false,
    createdBy: 'test',
  });
  const { id } = (await findActiveToken(store, 'hash-writer'))!;
  await recordTokenUse(store, id);
  const first = await lastUsed('writer');
  expect(first).toBeInstanceOf(Date);
  // Within the minute: left as it was.
  await recordTokenUse(store, id);
  expect(await lastUsed('writer')).toEqual(first);
  // A minute later it is recorded again.
  await db.ds.query(`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE name = 'writer'`);
  const stale = await lastUsed('writer');
  await recordTokenUse(store, id);
  expect((await lastUsed('writer'))!.getTime()).toBeGreaterThan(stale!.getTime());
});

test("a request's check records the use after it, once a minute, and sees a revocation at once", async () => {
  const pool = new PoolDb(db.ds);
  const tokens = new TokenStore(pool, { checks: pool });
  const { token } = await tokens.create('checked', 'viewer');
  expect(await tokens.verify(token)).toMatchObject({ name: 'checked', role: 'viewer' });
  await tokens.settled();
  const first = await lastUsed('checked');
  expect(first).toBeInstanceOf(Date);
  expect(await tokens.verify(token)).toMatchObject({ name: 'checked' });
  await tokens.settled();
  expect(await lastUsed('checked')).toEqual(first);
  // Revoked by another store (the CLI, another replica): refused on the next check.
  expect(await new TokenStore(pool).revoke('checked')).toBe(true);
  expect(await tokens.verify(token)).toBeNull();
});
