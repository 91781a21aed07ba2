import { mkdtempSync, rmSync } from 'node:fs';
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

  const call = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${agent.url}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
  const json = async (path: string, init?: RequestInit, token?: string | null) => {
    const res = await call(path, init, token);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const command = (instance: string, backend: string, server: string, action: string) =>
    json(`/api/haproxy/${seg(instance)}/backends/${seg(backend)}/servers/${seg(server)}/${action}`, { method: 'POST' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
    upstream = await startUpstream();
    const closed = await freePort();
    const operatorSocket = join(dir, 'operator.sock');
    tcpPort = await freePort();
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
            ],
          },
          { name: 'api', servers: [{ name: 'a1', address: upstream.address }] },
          { name: 'empty', servers: [] },
        ],
        // A second socket below admin level: HAProxy itself refuses commands on it.
        extra: `global\n  stats socket ${operatorSocket} mode 600 level operator`,
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
        ['silent', unix(silent.path)],
        ['gone', unix(join(dir, 'nothing-here.sock'))],
      ]),
    });
    await lb.waitForStatus(WEB, 'down', 'DOWN');
  });

  afterAll(async () => {
    await agent?.stop();
    await stopAllHaproxies();
    await silent?.close();
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
    it('lists backends that have servers, names kept as HAProxy has them', async () => {
      expect(await json(`/api/haproxy/${seg('lb-1.eu:main')}/backends`)).toEqual({
        status: 200,
        body: { success: true, backends: [WEB, 'api'] },
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
      });
      expect(body.servers[4].backup).toBe(true);
    });

    it('answers 404 for an unknown backend, and for a backend without servers', async () => {
      for (const backend of ['nope', 'empty']) {
        const { status, body } = await json(`/api/haproxy/lb-1.eu:main/backends/${backend}/servers`);
        expect(status).toBe(404);
        expect(body).toEqual({ success: false, error: expect.stringContaining(`no such backend "${backend}"`) });
      }
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

      expect((await command('lb-1.eu:main', WEB, SRV, 'ready')).body).toMatchObject({
        success: true,
        status_before: 'MAINT',
      });
      await lb.waitForStatus(WEB, SRV, 'UP');
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
      expect(silent.received).toContain('show stat\n');
    });

    it('keeps serving after HAProxy goes away and comes back through a reload', async () => {
      await other.reload();
      expect((await json('/api/haproxy/other/backends')).status).toBe(200);
    });
  });
});
