import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/**
 * A replica whose own lease on a job ran out while it kept running it (its heartbeats failed: PostgreSQL
 * restarting for longer than the lease) claims the job again once the database is back: it must go on with the
 * one loop it has, not start a second one beside it (every look and command twice, the callback sent twice).
 */
const h = useHarness({}, { protocol: 'extended' });

test('a job re-claimed by the replica already running it runs once: one look per poll, one callback', async () => {
  const got: string[] = [];
  const receiver = createServer((req, res) => {
    got.push(req.url ?? '');
    // Slow to answer, as a real receiver may be: a second loop would find the callback still pending.
    setTimeout(() => res.writeHead(204).end(), 300);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    const name = 'reclaimed';
    const f = await fleet(h, name, { web: [extendedServer('j1', 'ready', true, { current_sessions: 3 })] });
    const res = await h.t.call('POST', '/api/haproxy/operations', {
      token: h.t.tokens.operator,
      body: { action: 'drain', server_ids: [f.servers['web/j1'].id], callback_url: `${base}/done` },
    });
    expect(res.status).toBe(202);
    const id = res.body.id;
    const get = async () => (await h.t.call('GET', `/api/haproxy/operations/${id}`)).body;
    const end = Date.now() + 10_000;
    while ((await get()).servers[0].sessions !== 3 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Its lease ran out without another replica taking it: the next claim (every poll) is this replica's own.
    await h.t.db.ds.query(`UPDATE haproxy_operations SET lease_until = now() - interval '1 second' WHERE id = $1`, [
      id,
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const reads = () => h.agent.requests.filter((r) => r.route !== 'command' && r.segments[2] === name).length;
    const before = reads();
    await new Promise((r) => setTimeout(r, 1000));
    // The poll is 100 ms: one loop reads about 10 times a second, two about 20.
    expect(reads() - before).toBeLessThanOrEqual(14);

    h.agent.server(name, 'web', 'j1').current_sessions = 0;
    while ((await get()).callback?.state !== 'sent' && Date.now() < end + 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 800));
    expect(await get()).toMatchObject({ state: 'succeeded', callback: { state: 'sent' } });
    expect(got).toEqual(['/done']);
  } finally {
    await new Promise((r) => receiver.close(r));
  }
});
