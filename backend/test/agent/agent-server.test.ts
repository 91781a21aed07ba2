import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeApiAddress } from '../../src/agent/runtime-api';
import { RunningAgent, startAgentServer } from '../../src/agent/server';
import { freePort, startHaproxy, startUpstream, stopAllHaproxies, TestHaproxy, Upstream } from '../support/haproxy';
import { SilentSocket, startSilentSocket } from './silent-socket';

const TOKEN = 'test-token-0123456789abcdef';
const TIMEOUT_MS = 400;
const WEB = 'web.front-end_v2:blue';
const SRV = 'srv-1.a_b:c';

const unix = (path: string): RuntimeApiAddress => ({ kind: 'unix', path });
const seg = encodeURIComponent;

describe('agent HTTP server over real HAProxy', () => {
  let dir: string;
  let upstream: Upstream;
  let lb: TestHaproxy;
  let other: TestHaproxy;
  let silent: SilentSocket;
  let agent: RunningAgent;
  let tcpPort: number;
  let holder: SilentSocket;
  let holdPort: number;

  const call = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${agent.url}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
  const json = async (path: string, init?: RequestInit, token?: string | null) => {
    const res = await call(path, init, token);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const command = (instance: string, backend: string, server: string, action: string, body?: string) =>
    json(`/api/haproxy/${seg(instance)}/backends/${seg(backend)}/servers/${seg(server)}/${action}`, {
      method: 'POST',
      ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }),
    });
  const servers = async (instance: string, backend: string) => {
    const { status, body } = await json(`/api/haproxy/${seg(instance)}/backends/${seg(backend)}/servers`);
    expect(status).toBe(200);
    return Object.fromEntries((body.servers as Array<Record<string, any>>).map((s) => [s.name, s]));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
    upstream = await startUpstream();
    const closed = await freePort();
    const operatorSocket = join(dir, 'operator.sock');
    tcpPort = await freePort();
    holdPort = await freePort();
    holder = await startSilentSocket();
    [lb, other, silent] = await Promise.all([
      startHaproxy({
        backends: [
          {
            name: WEB,
            lines: ['option httpchk GET /health'],
            servers: [
              { name: SRV, address: upstream.address, options: 'check maxconn 50' },
              { name: 'down', address: `127.0.0.1:${closed}`, options: 'check' },
              { name: 'off', address: upstream.address, options: 'disabled' },
              { name: 'plain', address: upstream.address },
              { name: 'spare', address: upstream.address, options: 'check backup' },
              { name: 'follower', address: upstream.address, options: `track ${WEB}/${SRV}` },
            ],
          },
          {
            name: 'api',
            servers: [
              { name: 'a1', address: upstream.address },
              { name: 'a2', address: upstream.address, options: 'weight 10' },
            ],
          },
          // A static algorithm: HAProxy refuses weights other than 0% and 100%.
          { name: 'static', lines: ['balance static-rr'], servers: [{ name: 'st1', address: upstream.address }] },
          { name: 'empty', servers: [] },
        ],
        extra: [
          // A second socket below admin level: HAProxy itself refuses commands on it.
          `global\n  stats socket ${operatorSocket} mode 600 level operator`,
          // TCP sessions to a server that never answers stay open until someone shuts them down.
          `listen hold\n  mode tcp\n  bind 127.0.0.1:${holdPort}\n  server h1 ${holder.address}`,
        ].join('\n\n'),
      }),
      startHaproxy({
        backends: [{ name: 'other', servers: [{ name: 'o1', address: upstream.address }] }],
        extra: `global\n  stats socket ipv4@127.0.0.1:${tcpPort} level admin`,
      }),
      startSilentSocket(join(dir, 'silent.sock')),
    ]);
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: TIMEOUT_MS,
      instances: new Map([
        ['lb-1.eu:main', unix(lb.socketPath)],
        ['other', unix(other.socketPath)],
        ['other-tcp', { kind: 'tcp', host: '127.0.0.1', port: tcpPort }],
        ['operator', unix(operatorSocket)],
        ['silent', unix(silent.address)],
        ['gone', unix(join(dir, 'nothing-here.sock'))],
      ]),
    });
    await lb.waitForStatus(WEB, 'down', 'DOWN');
  });

  afterAll(async () => {
    await agent?.stop();
    await stopAllHaproxies();
    await silent?.close();
    await holder?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('auth', () => {
    it('answers 401 without, with a wrong or a non-bearer token', async () => {
      for (const token of [null, 'wrong-token-0123456789abcdef']) {
        const res = await call('/api/haproxy/other/backends', {}, token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.json()).toEqual({ success: false, error: expect.any(String) });
      }
      const basic = await call('/api/haproxy/other/backends', { headers: { authorization: `Basic ${TOKEN}` } }, null);
      expect(basic.status).toBe(401);
    });
  });

  describe('GET backends', () => {
    it('lists every backend, those without servers too, names kept as HAProxy has them', async () => {
      expect(await json(`/api/haproxy/${seg('lb-1.eu:main')}/backends`)).toEqual({
        status: 200,
        body: { success: true, backends: [WEB, 'api', 'static', 'empty', 'hold'] },
      });
    });

    it('reaches a runtime API over TCP too', async () => {
      expect(await json('/api/haproxy/other-tcp/backends')).toEqual({
        status: 200,
        body: { success: true, backends: ['other'] },
      });
      expect((await command('other-tcp', 'other', 'o1', 'drain')).status).toBe(200);
      expect(await other.serverStatus('other', 'o1')).toBe('DRAIN');
      expect((await command('other-tcp', 'other', 'o1', 'ready')).status).toBe(200);
    });

    it('answers 404 for an unknown instance', async () => {
      expect(await json('/api/haproxy/nope/backends')).toEqual({
        status: 404,
        body: { success: false, error: 'no such instance "nope"' },
      });
    });
  });

  describe('GET servers', () => {
    it('answers the seed shape with HAProxy statuses as they are', async () => {
      const { status, body } = await json(`/api/haproxy/lb-1.eu:main/backends/${seg(WEB)}/servers`);
      expect(status).toBe(200);
      expect(body.success).toBe(true);
      expect(body.servers.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
        [SRV, 'UP'],
        ['down', 'DOWN'],
        ['off', 'MAINT'],
        ['plain', 'no check'],
        ['spare', 'UP'],
        ['follower', 'UP'],
      ]);
      expect(body.servers[0]).toEqual({
        name: SRV,
        address: upstream.address,
        status: 'UP',
        weight: 1,
        current_sessions: 0,
        max_sessions: 50,
        session_limit: 50,
        max_sessions_observed: 0,
        check_status: expect.any(String),
        last_change_seconds: expect.any(Number),
        backup: false,
        tracks: null,
        id: 1,
        admin_state: 'ready',
        maint_source: null,
        operational_state: 'up',
        initial_weight: 1,
      });
      expect(body.servers[4].backup).toBe(true);
      const state = (s: Record<string, unknown>) => [s.name, s.admin_state, s.maint_source, s.operational_state];
      expect(body.servers.map(state)).toEqual([
        [SRV, 'ready', null, 'up'],
        ['down', 'ready', null, 'down'],
        ['off', 'maint', 'config', 'down'],
        ['plain', 'ready', null, 'up'],
        ['spare', 'ready', null, 'up'],
        ['follower', 'ready', null, 'up'],
      ]);
      // Which server each one follows through `track`: taking that one out takes it out too.
      expect(body.servers.map((s: Record<string, unknown>) => [s.name, s.tracks])).toEqual([
        [SRV, null],
        ['down', null],
        ['off', null],
        ['plain', null],
        ['spare', null],
        ['follower', `${WEB}/${SRV}`],
      ]);
    });

    it('answers an empty list for a backend without servers, 404 for an unknown one', async () => {
      expect(await json('/api/haproxy/lb-1.eu:main/backends/empty/servers')).toEqual({
        status: 200,
        body: { success: true, servers: [] },
      });
      expect(await json('/api/haproxy/lb-1.eu:main/backends/nope/servers')).toEqual({
        status: 404,
        body: { success: false, error: 'no such backend "nope"' },
      });
    });

    it('decodes path segments once', async () => {
      const { status } = await json(`/api/haproxy/lb-1.eu%3Amain/backends/${seg(seg(WEB))}/servers`);
      expect(status).toBe(400); // "%3A" left after one decoding is not a HAProxy name
    });
  });

  describe('POST commands', () => {
    it('drain, maint and ready really change the state HAProxy reports', async () => {
      const drained = await command('lb-1.eu:main', WEB, SRV, 'drain');
      expect(drained).toEqual({
        status: 200,
        body: {
          success: true,
          instance: 'lb-1.eu:main',
          backend: WEB,
          server: SRV,
          action: 'drain',
          status_before: 'UP',
        },
      });
      expect(await lb.serverStatus(WEB, SRV)).toBe('DRAIN');

      expect((await command('lb-1.eu:main', WEB, SRV, 'maint')).status).toBe(200);
      expect(await lb.serverStatus(WEB, SRV)).toBe('MAINT');
      // The next read sees the command, and the server that tracks this one inherits it.
      const inMaint = await servers('lb-1.eu:main', WEB);
      expect([inMaint[SRV].admin_state, inMaint[SRV].maint_source]).toEqual(['maint', 'forced']);
      expect(inMaint.follower).toMatchObject({
        status: `MAINT (via ${WEB}/${SRV})`,
        admin_state: 'maint',
        maint_source: 'inherited',
      });

      expect((await command('lb-1.eu:main', WEB, SRV, 'ready')).body).toMatchObject({
        success: true,
        status_before: 'MAINT',
      });
      await lb.waitForStatus(WEB, SRV, 'UP');
      await lb.waitForStatus(WEB, 'follower', 'UP');
    });

    it('answers 404 for an unknown server, backend or action, and 405 for GET', async () => {
      expect(await command('lb-1.eu:main', WEB, 'nope', 'drain')).toEqual({
        status: 404,
        body: { success: false, error: `no such server "nope" in backend "${WEB}"` },
      });
      expect((await command('lb-1.eu:main', 'nope', SRV, 'drain')).status).toBe(404);
      expect((await command('lb-1.eu:main', WEB, SRV, 'restart')).status).toBe(404);
      expect((await json(`/api/haproxy/other/backends/other/servers/o1/drain`)).status).toBe(405);
      expect((await json('/api/haproxy/other/backends', { method: 'POST' })).status).toBe(405);
      expect((await json('/metrics')).status).toBe(404);
    });

    it("returns HAProxy's refusal as success:false with its text", async () => {
      const { status, body } = await command('operator', 'api', 'a1', 'maint');
      expect(status).toBe(502);
      expect(body).toEqual({
        success: false,
        error: expect.stringMatching(/^HAProxy: Permission denied.*level admin/),
      });
      expect(await lb.serverStatus('api', 'a1')).toBe('no check');
    });
  });

  describe('GET info and state', () => {
    it("answers the process's version, pid and start time, the same on every call", async () => {
      const first = await json('/api/haproxy/lb-1.eu:main/info');
      expect(first).toEqual({
        status: 200,
        body: {
          success: true,
          version: expect.stringMatching(/^2\.\d+\./),
          pid: lb.pid,
          started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
          uptime_s: expect.any(Number),
        },
      });
      const startedAt = Date.parse(first.body.started_at);
      expect(Math.abs(startedAt + first.body.uptime_s * 1000 - Date.now())).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await json('/api/haproxy/lb-1.eu:main/info')).body.started_at).toBe(first.body.started_at);
    });

    it('answers a reload with a new pid', async () => {
      const before = (await json('/api/haproxy/other/info')).body;
      await other.reload();
      const after = (await json('/api/haproxy/other/info')).body;
      expect(after.pid).toBe(other.pid);
      expect(after.pid).not.toBe(before.pid);
    });

    it('answers every backend with its servers and the process info in one request', async () => {
      const { status, body } = await json('/api/haproxy/lb-1.eu:main/state');
      expect(status).toBe(200);
      // The uptime ticks between the two reads; the process identity must not move.
      const { success: _success, uptime_s: uptime, ...info } = (await json('/api/haproxy/lb-1.eu:main/info')).body;
      expect(body.info).toEqual({ ...info, uptime_s: expect.any(Number) });
      expect(uptime - body.info.uptime_s).toBeGreaterThanOrEqual(0);
      expect(uptime - body.info.uptime_s).toBeLessThanOrEqual(1);
      expect(body.backends.map((b: { name: string }) => b.name)).toEqual([WEB, 'api', 'static', 'empty', 'hold']);
      for (const backend of body.backends as Array<{ name: string; servers: Array<Record<string, unknown>> }>) {
        const alone = await servers('lb-1.eu:main', backend.name);
        expect(Object.keys(alone)).toEqual(backend.servers.map((s) => s.name));
        for (const server of backend.servers) {
          // Counters and check timing move between two reads; the identity and the state must not.
          const stable = ({
            name,
            id,
            status,
            admin_state,
            weight,
            initial_weight,
            address,
          }: Record<string, unknown>) => ({ name, id, status, admin_state, weight, initial_weight, address });
          expect(stable(server)).toEqual(stable(alone[server.name as string]));
        }
      }
      expect(body.backends[3]).toEqual({ name: 'empty', servers: [] });
    });

    it('answers 502 when HAProxy is away and 504 when it hangs', async () => {
      expect((await json('/api/haproxy/gone/state')).status).toBe(502);
      expect((await json('/api/haproxy/gone/info')).status).toBe(502);
      expect((await json('/api/haproxy/silent/info')).status).toBe(504);
    });
  });

  describe('POST weight', () => {
    it('sets an absolute weight and a percentage of the initial weight, and answers the weight after', async () => {
      expect(await command('lb-1.eu:main', 'api', 'a2', 'weight', '{"weight": 3}')).toEqual({
        status: 200,
        body: {
          success: true,
          instance: 'lb-1.eu:main',
          backend: 'api',
          server: 'a2',
          action: 'weight',
          status_before: 'no check',
          weight: 3,
        },
      });
      expect(await lb.runtime('get weight api/a2')).toBe('3 (initial 10)\n\n');
      expect((await servers('lb-1.eu:main', 'api')).a2).toMatchObject({ weight: 3, initial_weight: 10 });

      expect((await command('lb-1.eu:main', 'api', 'a2', 'weight', '{"weight": "50%"}')).body.weight).toBe(5);
      expect((await command('lb-1.eu:main', 'api', 'a2', 'weight', '{"weight": 0}')).body.weight).toBe(0);
      expect((await servers('lb-1.eu:main', 'api')).a2).toMatchObject({ weight: 0, admin_state: 'ready' });
      expect((await command('lb-1.eu:main', 'api', 'a2', 'weight', '{"weight": "100%"}')).body.weight).toBe(10);
    });

    it.each([
      ['no body', undefined, /JSON body is required/],
      ['broken JSON', '{"weight": ', /not valid JSON/],
      ['an array', '[5]', /must be a JSON object/],
      ['no weight', '{"wieght": 5}', /weight must be an integer 0\.\.256/],
      ['a weight over 256', '{"weight": 257}', /weight must be/],
      ['a negative weight', '{"weight": -1}', /weight must be/],
      ['a fraction', '{"weight": 2.5}', /weight must be/],
      ['a number as text', '{"weight": "5"}', /weight must be/],
      ['a percentage over 100', '{"weight": "101%"}', /weight must be/],
      ['a command in the value', '{"weight": "5%;shutdown sessions server api/a1"}', /weight must be/],
    ])('refuses %s with 400 and sends nothing', async (_label, body, message) => {
      const before = silent.connections;
      for (const instance of ['silent', 'lb-1.eu:main']) {
        const answer = await command(instance, 'api', 'a2', 'weight', body);
        expect(answer).toEqual({ status: 400, body: { success: false, error: expect.stringMatching(message) } });
      }
      expect(silent.connections).toBe(before);
      expect(await lb.runtime('get weight api/a2')).toBe('10 (initial 10)\n\n');
    });

    it('refuses a body larger than a few KB with 413', async () => {
      const padded = JSON.stringify({ weight: 5, padding: 'x'.repeat(8000) });
      const answer = await command('lb-1.eu:main', 'api', 'a2', 'weight', padded);
      expect(answer).toEqual({
        status: 413,
        body: { success: false, error: 'request body is larger than 4096 bytes' },
      });
      expect(await lb.runtime('get weight api/a2')).toBe('10 (initial 10)\n\n');
    });

    it("answers HAProxy's refusal with 409 and its text, 404 for unknown names", async () => {
      expect(await command('lb-1.eu:main', 'static', 'st1', 'weight', '{"weight": 3}')).toEqual({
        status: 409,
        body: { success: false, error: expect.stringMatching(/^HAProxy: Backend is using a static LB algorithm/) },
      });
      expect((await command('lb-1.eu:main', 'static', 'st1', 'weight', '{"weight": "0%"}')).body.weight).toBe(0);
      expect((await command('lb-1.eu:main', 'api', 'nope', 'weight', '{"weight": 3}')).status).toBe(404);
      expect((await command('lb-1.eu:main', 'nope', 'a2', 'weight', '{"weight": 3}')).status).toBe(404);
      expect((await command('operator', 'api', 'a2', 'weight', '{"weight": 3}')).status).toBe(502);
    });
  });

  describe('POST shutdown-sessions', () => {
    it("closes the server's sessions, and the next read shows them gone", async () => {
      const client = await openSession(holdPort);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      for (let i = 0; (await servers('lb-1.eu:main', 'hold')).h1.current_sessions !== 1; i++) {
        expect(i).toBeLessThan(100);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await command('lb-1.eu:main', 'hold', 'h1', 'shutdown-sessions')).toEqual({
        status: 200,
        body: {
          success: true,
          instance: 'lb-1.eu:main',
          backend: 'hold',
          server: 'h1',
          action: 'shutdown-sessions',
          status_before: 'no check',
        },
      });
      await closed;
      expect((await servers('lb-1.eu:main', 'hold')).h1.current_sessions).toBe(0);
    });

    it('answers 404 for an unknown server or backend', async () => {
      expect((await command('lb-1.eu:main', 'hold', 'nope', 'shutdown-sessions')).status).toBe(404);
      expect((await command('lb-1.eu:main', 'nope', 'h1', 'shutdown-sessions')).status).toBe(404);
    });
  });

  describe('one dump per instance', () => {
    it('shares one dump between concurrent reads of an instance', async () => {
      const before = silent.connections;
      const answers = await Promise.all([
        json('/api/haproxy/silent/backends'),
        json('/api/haproxy/silent/state'),
        json('/api/haproxy/silent/backends/web/servers'),
      ]);
      expect(answers.map((a) => a.status)).toEqual([504, 504, 504]);
      expect(silent.connections).toBe(before + 1);
    });

    it('reuses a dump for snapshot_reuse_ms, and a command makes the next read fresh', async () => {
      const reusing = await startAgentServer({
        token: TOKEN,
        requestTimeoutMs: TIMEOUT_MS,
        snapshotReuseMs: 60_000,
        instances: new Map([['lb', unix(lb.socketPath)]]),
      });
      const get = async () => {
        const res = await fetch(`${reusing.url}/api/haproxy/lb/backends/api/servers`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = (await res.json()) as { servers: Array<{ name: string }> };
        return Object.fromEntries(body.servers.map((s) => [s.name, s]));
      };
      try {
        expect((await get()).a1).toMatchObject({ status: 'no check', admin_state: 'ready' });
        // Changed behind the agent's back: the kept dump still answers.
        expect(await lb.runtime('set server api/a1 state drain')).toBe('\n');
        expect((await get()).a1).toMatchObject({ status: 'no check', admin_state: 'ready' });
        // A command through the agent: the next read is a fresh dump, with both changes.
        const res = await fetch(`${reusing.url}/api/haproxy/lb/backends/api/servers/a2/weight`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: '{"weight": 4}',
        });
        expect(res.status).toBe(200);
        const after = await get();
        expect(after.a1).toMatchObject({ status: 'DRAIN', admin_state: 'drain' });
        expect(after.a2).toMatchObject({ weight: 4 });
      } finally {
        await reusing.stop();
        await lb.runtime('set server api/a1 state ready');
        await lb.runtime('set server api/a2 weight 100%');
      }
    });
  });

  describe('names that could change the runtime-API command', () => {
    const attempts = [
      ['newline', `${SRV}\nset server api/a1 state maint`],
      ['semicolon', `${SRV};set server api/a1 state maint`],
      ['space', `${SRV} state maint`],
      ['slash', 'api/a1'],
      ['control character', `${SRV}\u0000`],
      ['carriage return', `${SRV}\r`],
    ];

    it.each(attempts)('refuses a %s with 400 and sends nothing', async (_label, name) => {
      const before = silent.connections;
      for (const instance of ['silent', 'lb-1.eu:main']) {
        const asServer = await command(instance, 'api', name, 'maint');
        const asBackend = await command(instance, name, 'a1', 'maint');
        for (const { status, body } of [asServer, asBackend]) {
          expect(status).toBe(400);
          expect(body).toEqual({ success: false, error: expect.stringMatching(/name .* may only contain/) });
        }
      }
      expect(silent.connections).toBe(before);
      expect(await lb.serverStatus('api', 'a1')).toBe('no check');
      expect(await lb.serverStatus(WEB, SRV)).toBe('UP');
    });
  });

  describe('HAProxy unreachable or hung', () => {
    it('answers 502 for a socket nobody listens on while another instance still answers', async () => {
      const gone = await json('/api/haproxy/gone/backends');
      expect(gone.status).toBe(502);
      expect(gone.body).toEqual({ success: false, error: expect.stringMatching(/not reachable.*ENOENT/) });
      expect(await json('/api/haproxy/other/backends')).toEqual({
        status: 200,
        body: { success: true, backends: ['other'] },
      });
    });

    it('times a hung runtime API out without blocking another instance', async () => {
      const started = Date.now();
      const hung = json('/api/haproxy/silent/backends').then((r) => ({ ...r, ms: Date.now() - started }));
      const fast = json('/api/haproxy/other/backends/other/servers').then((r) => ({ ...r, ms: Date.now() - started }));
      const [h, f] = await Promise.all([hung, fast]);
      expect(f.status).toBe(200);
      expect(f.ms).toBeLessThan(TIMEOUT_MS / 2);
      expect(h.status).toBe(504);
      expect(h.body).toEqual({ success: false, error: expect.stringMatching(/did not answer within 400 ms/) });
      expect(h.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(h.ms).toBeLessThan(TIMEOUT_MS + 1000);
      expect(silent.received).toContain('show info;show stat;show servers state\n');
    });

    it('keeps serving after HAProxy goes away and comes back through a reload', async () => {
      await other.reload();
      expect((await json('/api/haproxy/other/backends')).status).toBe(200);
    });
  });
});

function openSession(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
