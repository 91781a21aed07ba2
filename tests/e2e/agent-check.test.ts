import net, { type AddressInfo } from 'node:net';
import { adminStates, Stack, startStack, webBackend } from './support';

/**
 * HAProxy's own agent-check (`agent-check agent-port ...`): a program beside the server answers "drain" or
 * "ready", and HAProxy sets the admin state at every check, as an operator at the socket would. Followed, not
 * fought: an operator's ready that the agent-check undoes is adopted with why, and nothing is re-sent over it.
 */
describe("a server drained by HAProxy's agent-check", () => {
  let stack: Stack;
  let reply = 'ready\n';
  const agentCheck = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(reply);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => agentCheck.listen(0, '127.0.0.1', resolve));
    const port = (agentCheck.address() as AddressInfo).port;
    stack = await startStack({
      haproxy: webBackend((u) => [
        { name: 'a', address: u.healthy.address, options: `check agent-check agent-port ${port} agent-inter 200ms` },
        { name: 'b', address: u.healthy.address, options: 'check' },
      ]),
    });
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    await stack.sync();
  });

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => agentCheck.close(resolve));
  });

  it('is adopted as a drain made outside, saying it may be the agent-check; a ready it undoes is not re-sent', async () => {
    reply = 'drain\n';
    await stack.haproxy.waitForStatus('web', 'a', 'DRAIN (agent)');
    await stack.sync();
    const drained = await stack.server('web', 'a');
    expect([drained.status, drained.raw_status, drained.admin_state]).toEqual(['DRAIN', 'DRAIN (agent)', 'drain']);
    expect(drained.desired).toMatchObject({
      admin_state: 'drain',
      actor: 'external',
      source: 'external',
      reason: `drained while HAProxy's agent-check runs on it: its agent answered drain, or someone drained it at the stats socket (HAProxy shows "DRAIN (agent)" for both)`,
    });
    expect(drained.drift).toBeNull();

    // An operator's ready: HAProxy takes it, and the agent-check drains the server again at its next check.
    expect((await stack.command(drained.id, 'ready', { reason: 'back please' })).status).toBe(200);
    await stack.haproxy.waitForStatus('web', 'a', 'DRAIN (agent)');
    const answer = await stack.sync();
    expect(answer.drifting).toBe(0);
    const after = await stack.server('web', 'a');
    expect(after.desired).toMatchObject({ admin_state: 'drain', actor: 'external' });
    expect(after.drift).toBeNull();
    // Nothing fights the agent-check: the operator's ready is the last command sent.
    await stack.sync();
    expect((await stack.actions(drained.id)).map((a) => a.command)).toEqual(['ready']);

    // When the agent-check answers ready again, HAProxy lifts its drain, and that is adopted too.
    reply = 'ready\n';
    await stack.haproxy.waitForStatus('web', 'a', 'UP');
    await stack.sync();
    expect(await adminStates(stack.haproxy, 'web')).toMatchObject({ a: 'ready' });
    expect((await stack.server('web', 'a')).desired).toMatchObject({ admin_state: 'ready', reason: null });
  });
});
