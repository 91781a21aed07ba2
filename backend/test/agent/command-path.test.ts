import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningAgent, startAgentServer } from '../../src/agent/server';
import { startHaproxy, startUpstream, stopAllHaproxies, TestHaproxy, Upstream } from '../support/haproxy';
import { capturedReply } from './captured';

const TOKEN = 'test-token-0123456789abcdef';
const SNAPSHOT_BATCH = 'show info;show stat;show servers state';

interface ScriptedSocket {
  /** Every command line received, in order. */
  commands: string[];
  close(): Promise<void>;
}

/**
 * A runtime API on a unix socket that answers the agent's snapshot batch with a real HAProxy 2.6's
 * output (fixtures/lb) and any other command with `reply(command)`: text to send before closing, or
 * null to close without sending anything.
 */
function startScriptedSocket(path: string, reply: (command: string) => string | null): Promise<ScriptedSocket> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (!received.endsWith('\n')) {
        return;
      }
      const command = received.trimEnd();
      commands.push(command);
      const text = command === SNAPSHOT_BATCH ? capturedReply('lb') : reply(command);
      if (text === null) {
        socket.end();
      } else {
        socket.end(text);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () =>
      resolve({
        commands,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) {
              s.destroy();
            }
            server.close(() => done());
          }),
      })
    );
  });
}

describe('agent commands: the runtime API closes before its reply is complete', () => {
  let dir: string;
  let agent: RunningAgent;
  let scripted: ScriptedSocket;
  let nextReply: string | null = null;

  const post = async (action: string) => {
    const res = await fetch(`${agent.url}/api/haproxy/scripted/backends/api/servers/a1/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-command-path-'));
    scripted = await startScriptedSocket(join(dir, 'scripted.sock'), () => nextReply);
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: 1000,
      instances: new Map([['scripted', { kind: 'unix', path: join(dir, 'scripted.sock') }]]),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await scripted?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['drain', 'set server api/a1 state drain'],
    ['ready', 'set server api/a1 state ready'],
    ['maint', 'set server api/a1 state maint'],
    ['shutdown-sessions', 'shutdown sessions server api/a1'],
  ])('answers 502, not success, when %s gets no reply at all', async (action, sent) => {
    nextReply = null;
    const answer = await post(action);
    expect(answer).toEqual({
      status: 502,
      body: { success: false, error: expect.stringMatching(/without a complete reply.*unknown/) },
    });
    expect(scripted.commands[scripted.commands.length - 1]).toBe(sent);
  });

  it('answers 502 for a reply cut off mid-line, and still reads a complete one', async () => {
    nextReply = 'No such ser';
    expect(await post('maint')).toEqual({
      status: 502,
      body: { success: false, error: expect.stringMatching(/without a complete reply .*No such ser/) },
    });
    nextReply = 'No such server.\n\n';
    expect(await post('maint')).toEqual({ status: 404, body: { success: false, error: 'HAProxy: No such server.' } });
    nextReply = '\n';
    expect(await post('maint')).toMatchObject({ status: 200, body: { success: true, action: 'maint' } });
  });
});

describe('agent commands over a real HAProxy: its replies are complete', () => {
  let upstream: Upstream;
  let lb: TestHaproxy;
  let agent: RunningAgent;

  beforeAll(async () => {
    upstream = await startUpstream();
    lb = await startHaproxy({
      backends: [{ name: 'api', servers: [{ name: 'a1', address: upstream.address }] }],
    });
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: 2000,
      instances: new Map([['lb', { kind: 'unix', path: lb.socketPath }]]),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await stopAllHaproxies();
    await upstream?.stop();
  });

  it.each([
    ['drain', 'DRAIN'],
    ['maint', 'MAINT'],
    ['ready', 'no check'],
    ['shutdown-sessions', 'no check'],
  ])('%s succeeds', async (action, status) => {
    const res = await fetch(`${agent.url}/api/haproxy/lb/backends/api/servers/a1/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, action });
    expect(await lb.serverStatus('api', 'a1')).toBe(status);
  });
});
