import { startReplica } from '../support/replica';
import { createTestDatabase, TestDatabase } from '../support/db';
import { startTestService, TestService } from '../support/service';

/**
 * Replicas started at the same moment on an empty database (a first deploy, or an upgrade that brings
 * migrations): each migrates or waits for the one that does; none fails to start.
 */
let db: TestDatabase;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  for (const r of running.splice(0).reverse()) {
    await r.stop();
  }
  await db?.drop();
});

test('four replicas starting at once on an empty database all start, and the schema is migrated once', async () => {
  const started = await Promise.allSettled([
    startReplica(db.url),
    startTestService({}, db),
    startTestService({}, db),
    startTestService({}, db),
  ]);
  for (const s of started) {
    if (s.status === 'fulfilled') {
      running.push(s.value);
    }
  }
  expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(
    started.map(() => 'started')
  );
  const t = (started[1] as PromiseFulfilledResult<TestService>).value;
  const migrations = await db.ds.query(`SELECT name, count(*)::int AS n FROM migrations GROUP BY name`);
  expect(migrations.length).toBeGreaterThan(10);
  expect(migrations.every((m: { n: number }) => m.n === 1)).toBe(true);
  expect((await t.call('GET', '/api/haproxy/summary')).status).toBe(200);
});
