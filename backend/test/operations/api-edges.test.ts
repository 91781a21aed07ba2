import { expectError, fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/** Edges of the jobs API: whose an idempotency key is. */
const h = useHarness({}, { protocol: 'extended' });
const { create, until } = jobApi(h);
let seq = 0;

const newFleet = (n: number, extra = {}) => fleet(h, `edges-${++seq}`, { web: jobServers(n, extra) });

test("an idempotency key is its caller's: another caller with the same key gets a job of its own, never the first's", async () => {
  const mine = await newFleet(1, { current_sessions: 1 });
  const theirs = await newFleet(1, { current_sessions: 1 });
  const key = 'deploy-42';
  const first = await create({ action: 'drain', backend_id: mine.backendIds.web, idempotency_key: key });
  expect(first.status).toBe(202);

  const alice = { token: h.t.grafanaTokens.operator, headers: { 'x-grafana-user': 'alice' } };
  const asAlice = (body: Record<string, unknown>) =>
    h.t.call('POST', '/api/haproxy/operations', { ...alice, body: { ...body, idempotency_key: key } });
  const other = await asAlice({ action: 'drain', backend_id: theirs.backendIds.web });
  expect(other.status).toBe(202);
  expect(other.body).toMatchObject({ actor: 'grafana:alice', selection: { backend_id: theirs.backendIds.web } });
  expect(other.body.id).not.toBe(first.body.id);
  // Her retry answers her job; the first caller's retry still answers the first.
  expect((await asAlice({ action: 'drain', backend_id: theirs.backendIds.web })).body.id).toBe(other.body.id);
  const again = await create({ action: 'drain', backend_id: mine.backendIds.web, idempotency_key: key });
  expect([again.status, again.body.id]).toEqual([200, first.body.id]);
  // The same key with another request by the same caller: 409, saying so.
  const reused = await create({ action: 'drain', backend_id: theirs.backendIds.web, idempotency_key: key });
  expectError(reused, 409, 'conflict');
  expect(reused.body.error.message).toMatch(/idempotency_key "deploy-42" was used for another request/);

  for (const id of [first.body.id, other.body.id]) {
    await h.t.call('POST', `/api/haproxy/operations/${id}/cancel`, { token: h.t.tokens.operator });
    await until(id, final);
  }
});
