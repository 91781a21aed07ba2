import { extendedServer } from '../support/fake-fagent';
import { startReplica } from '../support/replica';
import { startTestService } from '../support/service';
import { actions, fleet, useHarness } from '../api/helpers';

/**
 * A replica killed (SIGKILL) while its job's command is at the agent: its command claim on the server outlives
 * it (until the claim's lease), and the replica that takes the job over must wait for it, not end the server
 * `failed` with "another command is still running: try again" and go on to the next one.
 */
const h = useHarness({ operationPollMs: 0 }, { protocol: 'extended' });
// Short deadlines: the dead replica's claim on the server (twice the deadline + 10 s) ends within the test.
const FAST = { operationPollMs: 100, operationLeaseMs: 2000, syncDeadlineMs: 1000 };

const get = async (id: string) => (await h.t.call('GET', `/api/haproxy/operations/${id}`)).body;

test('a drain job whose replica is killed mid-command: another replica finishes it, every server drained then maint', async () => {
  const name = 'takeover';
  const f = await fleet(h, name, { web: [extendedServer('j1'), extendedServer('j2')] });
  const ids = [f.servers['web/j1'].id, f.servers['web/j2'].id];
  const first = await startReplica(h.t.db.url, { ...FAST, minAvailable: { count: 0 } });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const isDrainOfJ1 = (r: { route: string; segments: string[] }) =>
    r.route === 'command' && r.segments[2] === name && r.segments[6] === 'j1' && r.segments[7] === 'drain';
  // The agent applies the drain when it arrives; its answer never reaches the killed replica.
  h.agent.inject(isDrainOfJ1, { kind: 'hold', until: held }, 1);
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: ids, max_parallel: 1 },
  });
  expect(res.status).toBe(202);
  await h.agent.arrived(isDrainOfJ1);
  const exited = new Promise((r) => first.process.once('exit', r));
  first.process.kill('SIGKILL');
  await exited;
  release();

  const second = await startTestService(FAST, h.t.db);
  try {
    const end = Date.now() + 40_000;
    let op = await get(res.body.id);
    while (!['succeeded', 'failed', 'cancelled'].includes(op.state) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      op = await get(res.body.id);
    }
    expect(op).toMatchObject({ state: 'succeeded', servers: [{ state: 'done' }, { state: 'done' }] });
    expect(['j1', 'j2'].map((s) => h.agent.server(name, 'web', s).admin_state)).toEqual(['maint', 'maint']);
    // No attempt refused for a busy server: the claim of the dead replica was waited for.
    const audit = await actions(h, `operation_id=${res.body.id}`);
    expect(audit.actions.filter((a) => a.result === 'failure')).toEqual([]);
  } finally {
    await second.stop();
  }
}, 60_000);
