import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/**
 * A replica whose lease on a job ran out (paused, cut off from PostgreSQL) while another took the job over:
 * it stops running it at its next look, instead of planning, reading the agent and trying to write in a loop
 * without a pause until its heartbeat notices (and sending a finished job's callback a second time).
 */
const h = useHarness({}, { protocol: 'extended' });

const get = async (id: string) => (await h.t.call('GET', `/api/haproxy/operations/${id}`)).body;

test('a job taken over by another replica: this one stops at its next look, nothing more read, written or sent', async () => {
  const name = 'lease-lost';
  const f = await fleet(h, name, { web: [extendedServer('j1', 'ready', true, { weight: 100, current_sessions: 5 })] });
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: [f.servers['web/j1'].id] },
  });
  expect(res.status).toBe(202);
  const id = res.body.id;
  const end = Date.now() + 10_000;
  while ((await get(id)).servers[0].sessions !== 5) {
    if (Date.now() > end) {
      throw new Error(`the job did not start draining: ${JSON.stringify(await get(id))}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(h.t.service.operationWorker.running).toContain(id);

  // Another replica claims it (this one's lease had run out); then the sessions change, so a look would write.
  await h.t.db.ds.query(
    `UPDATE haproxy_operations SET lease_owner = 'other-replica', lease_until = now() + interval '1 hour' WHERE id = $1`,
    [id]
  );
  h.agent.requests.length = 0;
  h.agent.server(name, 'web', 'j1').current_sessions = 4;
  // Well within the heartbeat (a third of the 3 s lease): the worker must notice by itself.
  await new Promise((r) => setTimeout(r, 600));

  expect(h.t.service.operationWorker.running).not.toContain(id);
  // At most the look that was under way (the poll is 100 ms): a loop without a pause read dozens of times.
  expect(h.agent.requests.filter((r) => r.segments[2] === name).length).toBeLessThanOrEqual(2);
  const [row] = await h.t.db.ds.query(`SELECT lease_owner, state FROM haproxy_operations WHERE id = $1`, [id]);
  expect(row).toEqual({ lease_owner: 'other-replica', state: 'running' });
  expect((await get(id)).servers[0]).toMatchObject({ state: 'draining', sessions: 5 });
  // Let the test's service stop without the job (its lease is the other replica's).
  await h.t.call('POST', `/api/haproxy/operations/${id}/cancel`, { token: h.t.tokens.operator });
});
