import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeApiAddress } from '../../src/agent/runtime-api';
import { RunningAgent, startAgentServer } from '../../src/agent/server';
import { startHaproxy, startUpstream, stopAllHaproxies, TestHaproxy, Upstream } from '../support/haproxy';
import { SilentSocket, startSilentSocket } from './silent-socket';

const TOKEN = 'test-token-0123456789abcdef';
const TIMEOUT_MS = 1000;
const unix = (path: string): RuntimeApiAddress => ({ kind: 'unix', path });

/** The agent as a busy fleet and sloppy clients use it, over real HAProxy processes. */
describe('agent HTTP edge', () => {
  let upstream: Upstream;
  let lb: TestHaproxy;
  let narrow: TestHaproxy;
  let silent: SilentSocket;
  let agent: RunningAgent;

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${agent.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });

  beforeAll(async () => {
    upstream = await startUpstream();
    const servers = Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, address: upstream.address }));
    [lb, narrow] = await Promise.all([
      startHaproxy({ backends: [{ name: 'web', servers }] }),
      // One connection at a time on its stats socket, and a short queue behind it.
      startHaproxy({ backends: [{ name: 'web', servers: servers.slice(0, 1) }], extra: 'global\n  stats maxconn 1' }),
    ]);
    silent = await startSilentSocket(join(lb.dir, 'silent.sock'));
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: TIMEOUT_MS,
      instances: new Map([
        ['lb', unix(lb.socketPath)],
        ['narrow', unix(narrow.socketPath)],
        ['silent', unix(silent.address)],
      ]),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await silent?.close();
    await stopAllHaproxies();
    await upstream?.stop();
  });

  it('answers bursts of concurrent commands and reads on one stats socket without refusing any', async () => {
    // The second round reuses the client's keep-alive connections, so all of it arrives at once.
    for (const action of ['drain', 'maint']) {
      const commands = Array.from({ length: 50 }, (_, i) =>
        call(`/api/haproxy/lb/backends/web/servers/s${i}/${action}`, { method: 'POST' })
      );
      // /info is one exchange per request: nothing shared between them.
      const reads = Array.from({ length: 50 }, () => call('/api/haproxy/lb/info'));
      const answers = await Promise.all([...commands, ...reads]);
      const failures = await Promise.all(answers.filter((r) => r.status !== 200).map((r) => r.text()));
      expect(failures).toEqual([]);
    }
    expect((await lb.serverStats()).filter((s) => s.status === 'MAINT')).toHaveLength(50);
  });

  it('waits, within its deadline, for room on a stats socket other clients have filled', async () => {
    const held = await fillSocket(narrow.socketPath);
    setTimeout(() => held.forEach((s) => s.destroy()), 300);
    const res = await call('/api/haproxy/narrow/info');
    expect(await res.json()).toMatchObject({ success: true, pid: narrow.pid });
  });

  it('times out a burst against a hung socket once, not once per connection slot', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 12 }, () => call('/api/haproxy/silent/info')));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(504));
    expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS);
  });
});

describe('agent HTTP edge: methods and requests Node refuses', () => {
  let lb: TestHaproxy;
  let agent: RunningAgent;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    lb = await startHaproxy({ backends: [{ name: 'web', servers: [{ name: 's1', address: '127.0.0.1:1' }] }] });
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: TIMEOUT_MS,
      instances: new Map([['lb', unix(lb.socketPath)]]),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await stopAllHaproxies();
  });

  it('answers HEAD on a read as GET without the body, and a 405 with the methods that work', async () => {
    const head = await fetch(`${agent.url}/api/haproxy/lb/info`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await head.text()).toBe('');

    for (const [method, path, allow] of [
      ['OPTIONS', '/api/haproxy/lb/backends', 'GET, HEAD'],
      ['POST', '/api/haproxy/lb/state', 'GET, HEAD'],
      ['GET', '/api/haproxy/lb/backends/web/servers/s1/drain', 'POST'],
      ['HEAD', '/api/haproxy/lb/backends/web/servers/s1/drain', 'POST'],
    ]) {
      const res = await fetch(`${agent.url}${path}`, { method, headers: auth });
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
    }
    expect(await lb.serverStatus('web', 's1')).not.toMatch(/DRAIN|MAINT/);
  });

  it.each([
    ['malformed', 'NOT HTTP AT ALL\r\n\r\n', 400, /malformed HTTP request/],
    [
      'too large headers',
      `GET /api/haproxy/lb/info HTTP/1.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      /too large/,
    ],
  ])('answers a %s request with JSON and closes the connection', async (_label, request, status, error) => {
    const reply = await rawExchange(agent.port, request as string);
    const [head, body] = reply.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(body)).toEqual({ success: false, error: expect.stringMatching(error as RegExp) });
  });
});

/** Sends raw bytes to the agent and reads until it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}

/** Opens connections to a unix socket until it refuses one (EAGAIN: HAProxy's queue is full); returns those open. */
async function fillSocket(path: string): Promise<Socket[]> {
  const held: Socket[] = [];
  for (;;) {
    const socket = connect({ path });
    const refused = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(false));
      socket.once('error', () => resolve(true));
    });
    if (refused) {
      return held;
    }
    held.push(socket);
  }
}

it('stopping answers the requests in flight within its grace, rather than cutting them off', async () => {
  const silent = await startSilentSocket(join(tmpdir(), `agent-stop-${process.pid}.sock`));
  const agent = await startAgentServer({
    token: TOKEN,
    requestTimeoutMs: 300,
    instances: new Map([['hung', unix(silent.address)]]),
  });
  try {
    // HAProxy hangs: the command is answered (504) when its exchange times out, after the stop began.
    const inFlight = fetch(`${agent.url}/api/haproxy/hung/backends/web/servers/s1/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    while (silent.connections === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stopped = agent.stop(5000);
    const res = await inFlight;
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ success: false });
    await stopped;
    await expect(fetch(`${agent.url}/api/haproxy/hung/info`)).rejects.toThrow();
  } finally {
    await agent.stop();
    await silent.close();
  }
});
