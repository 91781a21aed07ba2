import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningAgent, startAgentServer } from '../../backend/src/agent/server';
import { runtimeApiExchange } from '../../backend/src/agent/runtime-api';
import { parseShowStat } from '../../backend/src/agent/show-stat';
import { haproxyBinary, startUpstream, Upstream } from '../../backend/test/support/haproxy';
import { registerInstance, startTestService, TestService } from '../../backend/test/support/service';
import type { StoredServer, SyncAnswer } from './support';

/**
 * HAProxy in master-worker mode (`-W`, two threads): the stats socket of `global` is the worker's, and a reload
 * (SIGUSR2 to the master) starts a new worker with the new configuration. The backend keeps syncing through the
 * reload: every sync is ok or failed, never a half-read wipe, and once the new worker answers the store is what its
 * `show stat` says (a renamed server added, the old name and a deleted server removed), and commands reach it.
 */

const TOKEN = 'e2e-master-worker-token-0123456789';

describe('HAProxy in master-worker mode, reloaded while the backend polls', () => {
  let dir: string;
  let socketPath: string;
  let configPath: string;
  let master: ChildProcess;
  let upstream: Upstream;
  let service: TestService;
  let agent: RunningAgent;
  let instanceId: number;

  const config = (servers: string[]) =>
    [
      'global',
      '  master-worker',
      '  nbthread 2',
      `  stats socket ${socketPath} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'backend web',
      ...servers.map((s) => `  server ${s} ${upstream.address}`),
      '',
    ].join('\n');

  const runtime = (command: string) => runtimeApiExchange({ kind: 'unix', path: socketPath }, command, 2000);
  const workerPid = async () => Number(/^Pid: (\d+)$/m.exec(await runtime('show info'))?.[1]);
  /** Until the worker answering on the socket is not `old` (a reload done), or any worker (at start). */
  async function newWorker(old = 0): Promise<number> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const pid = await workerPid().catch(() => 0);
      if (pid !== 0 && pid !== old && pid !== master.pid) {
        return pid;
      }
      if (Date.now() > deadline) {
        throw new Error('no new HAProxy worker within 10 s');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const sync = async (): Promise<SyncAnswer> => {
    const res = await service.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
      token: service.tokens.operator,
    });
    expect(res.status).toBe(200);
    return res.body;
  };
  const stored = async () =>
    ((await service.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers as StoredServer[])
      .map((s) => [s.server_name, s.raw_status, s.address])
      .sort();
  const shown = async () =>
    parseShowStat(await runtime('show stat'))
      .map((s) => [s.name, s.status, s.address])
      .sort();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haproxy-mw-'));
    socketPath = join(dir, 'admin.sock');
    configPath = join(dir, 'haproxy.cfg');
    upstream = await startUpstream({ label: 'mw' });
    writeFileSync(configPath, config(['w1', 'w2', 'w3', 'w4']));
    master = spawn(haproxyBinary(), ['-W', '-db', '-f', configPath], { stdio: 'ignore' });
    await newWorker();
    service = await startTestService({ requestTimeoutMs: 1000, maxRetries: 0, syncDeadlineMs: 3000 });
    agent = await startAgentServer({
      token: TOKEN,
      requestTimeoutMs: 1000,
      instances: new Map([['mw', { kind: 'unix' as const, path: socketPath }]]),
      host: '127.0.0.1',
    });
    const ids = await registerInstance(service, agent.url, 'mw');
    instanceId = ids.instanceId;
    expect((await service.call('PATCH', `/api/hosts/${ids.hostId}`, { body: { fagent_token: TOKEN } })).status).toBe(
      200
    );
  });

  afterAll(async () => {
    await agent?.stop();
    await service?.stop();
    if (master && master.exitCode === null) {
      const exited = new Promise((r) => master.once('exit', r));
      master.kill('SIGTERM');
      await exited;
    }
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("syncs the worker's servers and commands them", async () => {
    expect(await sync()).toMatchObject({ status: 'ok', backends: 1, servers: 4 });
    expect(await stored()).toEqual(await shown());
    const w1 = (
      (await service.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers as StoredServer[]
    ).find((s) => s.server_name === 'w1')!;
    const res = await service.call('POST', `/api/haproxy/servers/${w1.id}/command`, {
      token: service.tokens.operator,
      body: { command: 'maint' },
    });
    expect(res.status).toBe(200);
    expect((await shown()).find(([name]) => name === 'w1')?.[1]).toBe('MAINT');
  });

  it('a reload that renames and deletes servers, synced through: never a wipe, then exactly the new worker', async () => {
    const before = await workerPid();
    writeFileSync(configPath, config(['w1', 'w2b', 'w4']));
    const results: SyncAnswer[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        results.push(await sync());
        // Whatever a sync in the middle of the reload saw, the store never loses the servers both configs have.
        const names = (await stored()).map(([name]) => name);
        expect(names).toEqual(expect.arrayContaining(['w1', 'w4']));
      }
    })();
    master.kill('SIGUSR2');
    const after = await newWorker(before);
    // A few syncs against the new worker while the poller runs.
    await new Promise((r) => setTimeout(r, 500));
    polling = false;
    await poller;

    expect(results.length).toBeGreaterThan(1);
    for (const r of results) {
      expect(['ok', 'failed']).toContain(r.status);
    }
    // The new worker is a new process (pid and start time): told once, by the first sync that read it.
    expect(results.filter((r) => r.restarted)).toHaveLength(1);
    const last = await sync();
    expect(last).toMatchObject({ status: 'ok', servers: 3, removals_held: false });
    expect(await stored()).toEqual(await shown());
    expect(after).not.toBe(before);
    // The reload lost w1's maint (a new worker starts from the configuration) and the store says so.
    expect((await stored()).find(([name]) => name === 'w1')?.[1]).toBe((await shown()).find(([n]) => n === 'w1')?.[1]);
  });
});
