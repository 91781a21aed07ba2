import { extendedServer } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi } from '../operations/job-api';

/**
 * A ready with a ramp is a ready: never refused by a budget. Its steps after the first raise the weight from one
 * that kept the server in, so they take nothing out, even from an agent that does not say the configured weight
 * (where a lone percentage below 100 might come to 0).
 */
const h = useHarness({}, { protocol: 'extended' });
const jobs = jobApi(h);

test('a ramp at the edge of its budget, the configured weight unknown, rises to 100% without a refusal', async () => {
  const f = await fleet(h, 'budget-ramp', {
    web: [extendedServer('r1', 'maint', true, { weight: 100 }), extendedServer('r2', 'ready', true, { weight: 100 })],
  });
  const put = await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 2 } });
  expect(put.body).toMatchObject({ available: 1, effective_min: 2 });
  const r1 = f.servers['web/r1'].id;
  const created = await jobs.create({
    action: 'ready',
    server_ids: [r1],
    ramp: { steps: [10, 50, 100], interval_s: 1 },
  });
  expect(created.status).toBe(202);
  const op = await jobs.until(created.body.id, final, 15_000);
  expect(op.servers[0]).toMatchObject({ state: 'done', error: null });
  expect(op.state).toBe('succeeded');
  expect(h.agent.server('budget-ramp', 'web', 'r1')).toMatchObject({ admin_state: 'ready' });
  const audit = await h.t.db.ds.query(`SELECT command, result FROM haproxy_actions WHERE server_id = $1 ORDER BY id`, [
    r1,
  ]);
  expect(audit).toEqual(['weight', 'ready', 'weight', 'weight'].map((command) => ({ command, result: 'success' })));
});
