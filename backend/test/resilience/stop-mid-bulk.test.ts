import { FakeFagent, on } from '../support/fake-fagent';
import { checked } from '../support/openapi';
import { startTestService } from '../support/service';
import { fleet, Harness } from '../api/helpers';

/**
 * A stop (SIGTERM, a deploy) while a long bulk command runs: the command in flight ends and is recorded, the rest
 * of the bulk is not sent and its answer says so per server, within the stop's grace rather than cut off at its
 * end, with nothing left pending and no server left claimed.
 */
const h = {} as Harness;

beforeAll(async () => {
  h.agent = await new FakeFagent().start();
  h.t = checked(await startTestService());
});

afterAll(async () => {
  await h.t?.stop(); // stopped by the test already: drops the database
  await h.agent?.stop();
});

test('a stop mid-bulk sends none of the rest, answers for every server and leaves nothing pending', async () => {
  const f = await fleet(h, 'stop-bulk', {
    web: Array.from({ length: 20 }, (_, i) => ({ name: `s${i + 1}`, status: 'UP' })),
  });
  const ids = Object.values(f.servers).map((s) => s.id);
  h.agent.inject(on.command(), { kind: 'delay', ms: 400 });
  const answered = h.t.call('POST', '/api/haproxy/commands/bulk', {
    token: h.t.tokens.operator,
    body: { command: 'drain', server_ids: ids, concurrency: 1 },
  });
  await h.agent.arrived(on.command());
  const started = Date.now();
  await h.t.service.stop();
  expect(Date.now() - started).toBeLessThan(3000); // the command in flight, not the bulk's 8 s nor the grace's 10

  const res = await answered;
  expect(res.status).toBe(200);
  const sent = h.agent.requests.filter(on.command()).length;
  expect(res.body.succeeded).toBe(sent);
  expect(sent).toBeLessThan(3);
  const notSent = res.body.results.filter((r: { ok: boolean }) => !r.ok);
  expect(notSent).toHaveLength(ids.length - sent);
  for (const r of notSent) {
    expect(r).toMatchObject({
      action_id: null,
      error_code: 'not_ready',
      error: 'drain was not sent: the service is stopping; try again',
    });
  }
  const rows = await h.t.db.pool.query<{ result: string }>(
    `SELECT result FROM haproxy_actions WHERE server_id = ANY($1::int[])`,
    [ids]
  );
  expect(rows.map((r) => r.result)).toEqual(Array(sent).fill('success'));
  const [held] = await h.t.db.pool.query<{ claims: number; marks: number }>(
    `SELECT (SELECT count(*)::int FROM haproxy_servers WHERE command_claim IS NOT NULL) AS claims,
            (SELECT count(*)::int FROM haproxy_taking_out) AS marks`
  );
  expect(held).toEqual({ claims: 0, marks: 0 });
}, 30_000);
