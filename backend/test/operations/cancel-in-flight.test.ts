import { extendedServer } from '../support/fake-fagent';
import { actions, fleet, useHarness } from '../api/helpers';

/**
 * A cancel that comes while a job's command is at the agent: the cancel cannot take it back, so the job must
 * say what HAProxy got (drained), not what the server was before the command ("cancelled before it started").
 */
const h = useHarness({}, { protocol: 'extended' });

const get = async (id: string) => (await h.t.call('GET', `/api/haproxy/operations/${id}`)).body;

test.each([
  ['drain', 'drain', 'ready', 'cancelled while drain was being sent: applied'],
  ['ready', 'ready', 'maint', 'cancelled while ready was being sent: applied'],
])(
  'a %s job cancelled while its %s is at the agent: the server says it was applied',
  async (action, cmd, from, note) => {
    const name = `cancel-flight-${action}`;
    const f = await fleet(h, name, {
      web: [extendedServer('j1', from as 'ready' | 'maint', true, { weight: 100, current_sessions: 5 })],
    });
    const serverId = f.servers['web/j1'].id;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The agent applies the command when it arrives and answers when the test says.
    h.agent.inject((r) => r.route === 'command' && r.segments[2] === name, { kind: 'hold', until: held }, 1);
    const res = await h.t.call('POST', '/api/haproxy/operations', {
      token: h.t.tokens.operator,
      body: { action, server_ids: [serverId] },
    });
    expect(res.status).toBe(202);
    await h.agent.arrived((r) => r.route === 'command' && r.segments[2] === name);
    const cancelled = await h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`, {
      token: h.t.tokens.operator,
    });
    expect(cancelled.body).toMatchObject({ state: 'cancelled', servers: [{ state: 'cancelled' }] });
    release();

    const end = Date.now() + 5000;
    let op = await get(res.body.id);
    while (op.servers[0].note !== note && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      op = await get(res.body.id);
    }
    expect(op).toMatchObject({ state: 'cancelled', servers: [{ state: 'cancelled', note }] });
    expect(h.agent.server(name, 'web', 'j1').admin_state).toBe(cmd);
    const audit = await actions(h, `operation_id=${res.body.id}`);
    expect(audit.actions).toEqual([expect.objectContaining({ command: cmd, success: true })]);
  }
);
