import { on } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/** What a drain job does with servers the disruption budget holds back, when someone else acts on them meanwhile. */
const h = useHarness({}, { protocol: 'extended' });
const { create, until } = jobApi(h);

const LEFT_IN_MAINT = /^set maint by .* while the budget held it back: left in maint$/;

/**
 * A drain job on two servers with `sessions` each, both at once, of a backend that must keep one available: one
 * drains, the budget holds the other back.
 */
async function heldBack(instance: string, sessions = 0) {
  const f = await fleet(h, instance, { web: jobServers(2, { current_sessions: sessions }) });
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 1 } });
  const res = await create({ action: 'drain', backend_id: f.backendIds.web, max_parallel: 2, then: null });
  // Both started: the other one's drain is recorded too (its row may be written after the waiting one's).
  const held = await until(
    res.body.id,
    (op) => op.servers.some((s: any) => s.state === 'waiting') && !op.servers.some((s: any) => s.state === 'pending')
  );
  return {
    id: res.body.id as string,
    fake: (s: string) => h.agent.server(instance, 'web', s),
    waiting: held.servers.find((s: any) => s.state === 'waiting'),
    draining: held.servers.find((s: any) => s.state === 'draining'),
  };
}

/** The operator takes a server out for another reason (past the budget, which the job's drain holds). */
async function operatorMaint(serverId: number) {
  const maint = await h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', force: true, reason: 'disk failure' },
  });
  expect(maint.status).toBe(200);
}

test('a server set to maint while the budget holds it back is left in maint: the job does not bring it back to drain', async () => {
  const { id, fake, waiting } = await heldBack('held-1');
  await operatorMaint(waiting.server_id);

  const op = await until(id, final);
  expect(fake(waiting.server_name).admin_state).toBe('maint');
  expect(op.servers.find((s: any) => s.server_id === waiting.server_id)).toMatchObject({
    state: 'done',
    error: null,
    note: expect.stringMatching(LEFT_IN_MAINT),
  });
  expect(op.state).toBe('succeeded');
});

test("a maint set while the job's look plans is newer intent: the budget-held server is not drained over it", async () => {
  const { id, fake, waiting, draining } = await heldBack('held-2', 3);

  // The job's next look has read its servers from PostgreSQL and waits for the agent's answer on the draining
  // one: the operator's maint lands in between, so the look plans from a desired state that is no longer so.
  let release!: () => void;
  const from = h.agent.requests.length;
  h.agent.inject(on.servers('web'), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  while (!h.agent.requests.slice(from).some(on.servers('web'))) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await operatorMaint(waiting.server_id);
  fake(draining.server_name).current_sessions = 0;
  release();

  const op = await until(id, final);
  expect(fake(waiting.server_name).admin_state).toBe('maint');
  expect(op.servers.find((s: any) => s.server_id === waiting.server_id)).toMatchObject({
    state: 'done',
    note: expect.stringMatching(LEFT_IN_MAINT),
  });
});
