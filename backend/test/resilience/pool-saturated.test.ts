import { startTestService, TestService } from '../support/service';

/**
 * Syncs hold connections of the main pool through their agent reads: a busy cycle may hold all of them. The
 * health probes are not the service's health to report then, nor a reason to take it out of a load balancer.
 */
let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t?.stop());

test('with every connection of the main pool held, /healthz says ok and /readyz ready', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const holders = Array.from({ length: 40 }, () =>
    t.service.db.connection(async (conn) => {
      await conn.query('SELECT 1');
      await gate;
    })
  );
  try {
    // Let the pool hand out what it has; the rest of the holders wait in its queue.
    await new Promise((r) => setTimeout(r, 300));
    const get = async (path: string) => {
      const res = await fetch(t.url + path, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: await res.json() };
    };
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', database: 'up' } });
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
  } finally {
    release();
    await Promise.all(holders);
  }
});
