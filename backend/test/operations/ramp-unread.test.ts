import { on } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';
import { final, jobApi, jobServers } from './job-api';

/**
 * A ready job has no deadline: a ramping or paused server whose agent cannot be read any more is tried again for
 * HAPROXY_OPERATION_RETRY_S (1.5 s here), then ends failed where it was left, so the job ends and frees its place.
 * A server read fine but down keeps its ramp paused, as documented.
 */
const RETRY_MS = 1500;
const h = useHarness({ operationRetryMs: RETRY_MS }, { protocol: 'extended' });
const { create, until } = jobApi(h);
let seq = 0;

/** A server of configured weight 10 in maint, returned with a ramp whose steps are an hour apart: it stays ramping. */
async function ramping() {
  const name = `ramp-unread-${++seq}`;
  const f = await fleet(h, name, { web: jobServers(1, { admin_state: 'maint', status: 'MAINT', initial_weight: 10 }) });
  const res = await create({
    action: 'ready',
    server_ids: [f.servers['web/j1'].id],
    ramp: { steps: [10, 50, 100], interval_s: 3600 },
  });
  expect(res.status).toBe(202);
  await until(res.body.id, (op) => op.servers[0].state === 'ramping');
  return { name, id: res.body.id as string };
}

const reads = (name: string) => (r: Parameters<ReturnType<typeof on.servers>>[0]) =>
  on.servers()(r) && r.segments[2] === name;

afterEach(() => h.agent.clearFaults());

/** The fake agent's server j1 of the fleet, down (checks failing): a ramp pauses on it. */
const setDown = (name: string) =>
  Object.assign(h.agent.server(name, 'web', 'j1'), { status: 'DOWN', operational_state: 'down' });

test.each([
  ['ramping', false],
  ['paused (the server down)', true],
])(
  'a %s server whose agent cannot be read ends failed after the retry window, left at its weight',
  async (_, paused) => {
    const { name, id } = await ramping();
    if (paused) {
      setDown(name);
      await until(id, (op) => op.servers[0].state === 'waiting');
    }
    h.agent.inject(reads(name), { kind: 'status', status: 500 });
    await until(id, (op) => /could not read the server/.test(op.servers[0].error ?? ''));
    const t0 = Date.now();
    const op = await until(id, final);
    expect(Date.now() - t0).toBeGreaterThan(RETRY_MS - 500);
    expect(op.state).toBe('failed');
    expect(op.servers[0]).toMatchObject({ state: 'failed', weight: 1 });
    expect(op.servers[0].error).toMatch(/^its agent could not be read for \d+ s: left at weight 1$/);
  }
);

test('a paused server read fine but down keeps pausing past the retry window', async () => {
  const { name, id } = await ramping();
  setDown(name);
  await until(id, (op) => op.servers[0].state === 'waiting');
  await new Promise((r) => setTimeout(r, 2 * RETRY_MS));
  const op = await until(id, () => true);
  expect(op).toMatchObject({ state: 'running', servers: [{ state: 'waiting', error: null }] });
  await h.t.call('POST', `/api/haproxy/operations/${id}/cancel`, { token: h.t.tokens.operator });
});
