import { extendedServer, Recorded } from '../support/fake-fagent';
import { fleet, useHarness } from '../api/helpers';

/** The service stops once however often it is asked (a signal, then its supervisor's message): each caller waits. */
const h = useHarness({ windowCheckIntervalMs: 100 }, { protocol: 'extended' });

test('a second stop (a signal, then a supervisor) waits for the first to end', async () => {
  const name = 'stop-twice';
  const f = await fleet(h, name, { win: [extendedServer('w1')] });
  let release!: () => void;
  const ready = (r: Recorded) => r.route === 'command' && r.segments[2] === name && r.segments[7] === 'ready';
  h.agent.inject(ready, { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const win = await h.t.call('POST', `/api/haproxy/servers/${f.servers['win/w1'].id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', until: new Date(Date.now() + 300).toISOString() },
  });
  expect(win.status).toBe(200);
  await h.agent.arrived(ready);

  const first = h.t.service.stop();
  let secondEnded = false;
  const second = h.t.service.stop().then(() => (secondEnded = true));
  await new Promise((r) => setTimeout(r, 300));
  // The window's end is still at the agent: the stop is not over, for either caller.
  expect(secondEnded).toBe(false);
  release();
  await Promise.all([first, second]);
  expect(secondEnded).toBe(true);
});
