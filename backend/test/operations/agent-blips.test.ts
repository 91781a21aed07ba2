import { on } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/** A job's servers when their agent could not be read for a while and then answers again. */
const h = useHarness({}, { protocol: 'extended' });
const { create, until } = jobApi(h);

test.each([
  ['a drain to maint', { web: jobServers(1, { current_sessions: 2 }) }, { action: 'drain' }, 'draining'],
  [
    'a ready with a ramp',
    { web: jobServers(1, { admin_state: 'maint', status: 'MAINT' }) },
    { action: 'ready', ramp: { steps: [50, 100], interval_s: 1 } },
    'ramping',
  ],
])(
  '%s whose agent could not be read for a while ends done without the error of those looks',
  async (_, backends, body, active) => {
    const instance = `blip-${String(body.action)}`;
    const f = await fleet(h, instance, backends);
    const res = await create({ ...body, server_ids: Object.values(f.servers).map((s) => s.id) });
    await until(res.body.id, (op) => op.servers[0].state === active);
    h.agent.inject(on.servers(), { kind: 'status', status: 500 });
    await until(res.body.id, (op) => /could not read the server/.test(op.servers[0].error ?? ''));
    h.agent.server(instance, 'web', 'j1').current_sessions = 0;
    h.agent.clearFaults();
    const op = await until(res.body.id, final);
    expect(op.state).toBe('succeeded');
    expect(op.servers[0]).toMatchObject({ state: 'done', error: null });
  }
);
