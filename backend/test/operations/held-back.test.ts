import { on } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/** What a drain job does with servers the disruption budget holds back, when someone else acts on them meanwhile. */
const h = useHarness({}, { protocol: 'extended' });
const { create, until } = jobApi(h);

test('a server set to maint while the budget holds it back is left in maint: the job does not bring it back to drain', async () => {
  const f = await fleet(h, 'held-1', { web: jobServers(2) });
  const fake = (s: string) => h.agent.server('held-1', 'web', s);
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 1 } });
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 2, then: null });
  const held = await until(res.body.id, (op) => op.servers.some((s: any) => s.state === 'waiting'));
  const waiting = held.servers.find((s: any) => s.state === 'waiting');

  // The operator takes it out for another reason (past the budget, which the job's drain holds).
  const maint = await h.t.call('POST', `/api/haproxy/servers/${waiting.server_id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', force: true, reason: 'disk failure' },
  });
  expect(maint.status).toBe(200);

  const op = await until(res.body.id, final);
  expect(fake(waiting.server_name).admin_state).toBe('maint');
  expect(op.servers.find((s: any) => s.server_id === waiting.server_id)).toMatchObject({
    state: 'done',
    error: null,
    note: expect.stringMatching(/^set maint by .* while the budget held it back: left in maint$/),
  });
  expect(op.state).toBe('succeeded');
});

test("a maint set while the job's look plans is newer intent: the budget-held server is not drained over it", async () => {
  const f = await fleet(h, 'held-2', { web: jobServers(2, { current_sessions: 3 }) });
  const fake = (s: string) => h.agent.server('held-2', 'web', s);
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 1 } });
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 2, then: null });
  const held = await until(res.body.id, (op) => op.servers.some((s: any) => s.state === 'waiting'));
  const waiting = held.servers.find((s: any) => s.state === 'waiting');
  const draining = held.servers.find((s: any) => s.state === 'draining');

  // The job's next look has read its servers from PostgreSQL and waits for the agent's answer on the draining
  // one: the operator's maint lands in between, so the look plans from a desired state that is no longer so.
  let release!: () => void;
  const from = h.agent.requests.length;
  h.agent.inject(on.servers('web'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  while (!h.agent.requests.slice(from).some(on.servers('web'))) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const maint = await h.t.call('POST', `/api/haproxy/servers/${waiting.server_id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', force: true, reason: 'disk failure' },
  });
  expect(maint.status).toBe(200);
  fake(draining.server_name).current_sessions = 0;
  release();

  const op = await until(res.body.id, final);
  expect(fake(waiting.server_name).admin_state).toBe('maint');
  expect(op.servers.find((s: any) => s.server_id === waiting.server_id)).toMatchObject({
    state: 'done',
    note: expect.stringMatching(/^set maint by .* while the budget held it back: left in maint$/),
  });
});
