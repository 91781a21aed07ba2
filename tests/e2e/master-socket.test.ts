import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningAgent, startAgentServer } from '../../backend/src/agent/server';
import { runtimeApiExchange } from '../../backend/src/agent/runtime-api';
import { renderHaproxyConfig } from '../../backend/src/demo/haproxy-config';
import { haproxyBinary } from '../../backend/test/support/haproxy';
import { eventually } from './support';

/**
 * HAProxy in master-worker mode with a master CLI (`-S`) and a worker socket that hands its listeners over
 * (`expose-fd listeners`): the agent reads the worker's socket as any other; pointed at the master CLI, which
 * runs none of these commands, every read and command says so instead of failing on what it answered.
 */

const TOKEN = 'e2e-master-socket-token-0123456789';

describe('the master CLI and a worker socket with expose-fd listeners', () => {
  let dir: string;
  let master: ChildProcess;
  let agent: RunningAgent;

  const call = async (method: 'GET' | 'POST', path: string) => {
    const res = await fetch(`${agent.url}/api/haproxy/${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haproxy-master-cli-'));
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      renderHaproxyConfig({
        socketPath: join(dir, 'plain.sock'),
        backends: [{ name: 'web', servers: [{ name: 'a', address: '127.0.0.1:1' }] }],
        // The socket the agent reads hands its listeners over, as a seamless reload needs.
        extra: `global\n  nbthread 2\n  stats socket ${join(dir, 'admin.sock')} mode 600 level admin expose-fd listeners`,
      })
    );
    master = spawn(haproxyBinary(), ['-W', '-db', '-S', join(dir, 'master.sock'), '-f', config], { stdio: 'ignore' });
    await eventually(
      () =>
        runtimeApiExchange({ kind: 'unix', path: join(dir, 'admin.sock') }, 'show info', 1000).catch(() => undefined),
      'the worker to answer',
      10_000
    );
    // The master accepts on its CLI only once its own loop runs, which may be after the worker answers (a CI run
    // read ECONNREFUSED there): the tests are about what it answers, not when it starts.
    await eventually(
      () =>
        runtimeApiExchange({ kind: 'unix', path: join(dir, 'master.sock') }, 'show proc', 1000).catch(() => undefined),
      'the master CLI to answer',
      10_000
    );
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: 2000,
      instances: new Map([
        ['worker', { kind: 'unix' as const, path: join(dir, 'admin.sock') }],
        ['master', { kind: 'unix' as const, path: join(dir, 'master.sock') }],
      ]),
      host: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await agent?.stop();
    if (master && master.exitCode === null) {
      const exited = new Promise((r) => master.once('exit', r));
      master.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the worker's socket", async () => {
    const { status, body } = await call('GET', 'worker/state');
    expect(status).toBe(200);
    expect(body.backends).toEqual([{ name: 'web', servers: [expect.objectContaining({ name: 'a' })] }]);
    expect((await call('POST', 'worker/backends/web/servers/a/drain')).status).toBe(200);
  });

  it.each([
    ['GET', 'master/state'],
    ['GET', 'master/info'],
    ['GET', 'master/backends'],
    ['POST', 'master/backends/web/servers/a/drain'],
  ] as const)('%s %s names the master socket, as a 502', async (method, path) => {
    const { status, body } = await call(method, path);
    expect([status, body.success]).toEqual([502, false]);
    expect(body.error).toMatch(
      /is HAProxy's master socket, which does not run these commands; give the agent a worker's stats socket/
    );
  });
});
