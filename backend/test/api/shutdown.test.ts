import { FakeFagent, on } from '../support/fake-fagent';
import { checked } from '../support/openapi';
import { startTestService } from '../support/service';
import { fleet, Harness } from './helpers';

/**
 * A stop (SIGTERM, a deploy) while an operator's command is in flight: the request finishes and its audit row is
 * completed before the database closes, so the row is not left pending (later "unknown") with the server claimed.
 */
const h = {} as Harness;

beforeAll(async () => {
  h.agent = await new FakeFagent().start();
  h.t = checked(await startTestService());
});

afterAll(async () => {
  await h.t?.stop();
  await h.agent?.stop();
});

test('a command in flight when the service stops is answered and audited before the database closes', async () => {
  const f = await fleet(h, 'stop-cmd', { web: [{ name: 's1', status: 'UP' }] });
  const id = f.servers['web/s1'].id;
  let release!: () => void;
  h.agent.inject(on.command(), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);

  const answered = h.t.call('POST', `/api/haproxy/servers/${id}/command`, { body: { command: 'drain' } });
  await h.agent.arrived(on.command());
  let stoppedAt = 0;
  const stopped = h.t.service.stop().then(() => (stoppedAt = Date.now()));
  await new Promise((r) => setTimeout(r, 300));
  expect(stoppedAt).toBe(0); // it waits for the command
  release();

  const res = await answered;
  const answeredAt = Date.now();
  expect(res.status).toBe(200);
  expect(res.body.action).toMatchObject({ command: 'drain', success: true });
  await stopped;
  // The answered request's keep-alive connection does not hold the stop until it times out.
  expect(stoppedAt - answeredAt).toBeLessThan(3000);

  const rows = await h.t.db.pool.query<{ result: string }>(`SELECT result FROM haproxy_actions WHERE server_id = $1`, [
    id,
  ]);
  expect(rows.map((r) => r.result)).toEqual(['success']);
  const [server] = await h.t.db.pool.query<{ command_claim: string | null }>(
    `SELECT command_claim FROM haproxy_servers WHERE id = $1`,
    [id]
  );
  expect(server.command_claim).toBeNull(); // the next command on it need not wait for a lease to end
});
