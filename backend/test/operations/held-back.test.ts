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
