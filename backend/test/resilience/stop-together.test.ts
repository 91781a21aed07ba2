import { extendedServer, Recorded } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/**
 * A stop stops all the background work at once: the job worker does not go on acting (sending commands during
 * the shutdown) while the window worker waits for its command in flight, and a stop takes the longest of them,
 * not their sum.
 */
const h = useHarness({ windowCheckIntervalMs: 100, operationPollMs: 100 }, { protocol: 'extended' });

test('while a window end holds the stop, the job worker has stopped already: it sends nothing more', async () => {
  const name = 'stop-together';
  const f = await fleet(h, name, {
    win: [extendedServer('w1')],
    job: [extendedServer('j1', 'ready', true, { current_sessions: 3 })],
  });
  let release!: () => void;
  const ready = (r: Recorded) => r.route === 'command' && r.segments[2] === name && r.segments[7] === 'ready';
  h.agent.inject(ready, { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const job = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', server_ids: [f.servers['job/j1'].id] },
  });
  expect(job.status).toBe(202);
  const win = await h.t.call('POST', `/api/haproxy/servers/${f.servers['win/w1'].id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', until: new Date(Date.now() + 500).toISOString() },
  });
  expect(win.status).toBe(200);
  await h.agent.arrived(ready);
  await h.agent.arrived((r) => r.route === 'command' && r.segments[6] === 'j1' && r.segments[7] === 'drain');

  const stopped = h.t.service.stop();
  await new Promise((r) => setTimeout(r, 300));
  // The job's server is drained now: a running worker would set it to maint at its next look.
  h.agent.server(name, 'job', 'j1').current_sessions = 0;
  await new Promise((r) => setTimeout(r, 500));
  const maints = h.agent.requests.filter((r) => r.route === 'command' && r.segments[7] === 'maint');
  release();
  await stopped;
  expect(maints.filter((r) => r.segments[6] === 'j1')).toEqual([]);
});
