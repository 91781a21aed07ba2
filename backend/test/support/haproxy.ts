/**
 * Real HAProxy processes for tests: a generated config with a `level admin` stats socket in a temp
 * dir, started in the foreground, reloaded with `-sf`, stopped in afterAll (or by stopAllHaproxies).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseShowStat, ServerStat } from '../../src/agent/show-stat';
import { HaproxyConfigSpec, renderHaproxyConfig } from '../../src/demo/haproxy-config';
import { findHaproxyBinary, HaproxyProcess } from '../../src/demo/haproxy-process';

export type { HaproxyBackendSpec, HaproxyServerSpec, HaproxyFrontendSpec } from '../../src/demo/haproxy-config';
export { freePort } from '../../src/demo/ports';
export { startUpstream } from '../../src/demo/upstream';
export type { Upstream } from '../../src/demo/upstream';
export type { ServerStat } from '../../src/agent/show-stat';

/** Everything of a config except the stats socket, which the helper owns. */
export type TestHaproxyConfig = Omit<HaproxyConfigSpec, 'socketPath'>;

export interface TestHaproxy {
  dir: string;
  socketPath: string;
  configPath: string;
  pid: number;
  /** The config text currently in use. */
  configText: string;
  /** One runtime-API command, HAProxy's reply as text. */
  runtime(command: string): Promise<string>;
  /** Server rows of `show stat`, parsed. */
  serverStats(): Promise<ServerStat[]>;
  /** HAProxy's status string for one server, undefined when HAProxy does not know it. */
  serverStatus(backend: string, server: string): Promise<string | undefined>;
  /** Polls until the server's status matches (checks take up to an interval to run). */
  waitForStatus(backend: string, server: string, expected: string | RegExp, timeoutMs?: number): Promise<string>;
  /** New config (or the same) and an `-sf` reload; runtime state set by commands is lost. */
  reload(config?: TestHaproxyConfig): Promise<void>;
  /** A full stop and a fresh start on the same config and socket (a crash or `systemctl restart`). */
  restart(): Promise<void>;
  /** Stops the process and removes its temp dir. */
  stop(): Promise<void>;
}

const running = new Set<TestHaproxy>();

/** The binary, or a clear failure telling how to install it. */
export function haproxyBinary(): string {
  const bin = findHaproxyBinary();
  if (!bin) {
    throw new Error('haproxy is not installed: apt-get install haproxy (or set HAPROXY_BIN)');
  }
  return bin;
}

/** Starts HAProxy with the given proxies; health checks every 200 ms unless the config says otherwise. */
export async function startHaproxy(config: TestHaproxyConfig = {}): Promise<TestHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-test-'));
  const socketPath = join(dir, 'admin.sock');
  const render = (c: TestHaproxyConfig) => renderHaproxyConfig({ checkIntervalMs: 200, ...c, socketPath });
  let configText = render(config);
  let proc: HaproxyProcess;
  const spawn = () =>
    HaproxyProcess.start({ configPath: join(dir, 'haproxy.cfg'), socketPath, configText, binary: haproxyBinary() });
  try {
    proc = await spawn();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const serverStats = async () => parseShowStat(await proc.runtime('show stat'));
  const serverStatus = async (backend: string, server: string) =>
    (await serverStats()).find((s) => s.backend === backend && s.name === server)?.status;

  const handle: TestHaproxy = {
    dir,
    socketPath,
    configPath: proc.configPath,
    get pid() {
      return proc.pid;
    },
    get configText() {
      return configText;
    },
    runtime: (command) => proc.runtime(command),
    serverStats,
    serverStatus,
    async waitForStatus(backend, server, expected, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      let last: string | undefined;
      for (;;) {
        last = await serverStatus(backend, server);
        const ok = last !== undefined && (typeof expected === 'string' ? last === expected : expected.test(last));
        if (ok) {
          return last as string;
        }
        if (Date.now() > deadline) {
          throw new Error(`${backend}/${server} is "${last}", expected ${String(expected)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async reload(next) {
      if (next) {
        configText = render(next);
      }
      await proc.reload(configText);
    },
    async restart() {
      await proc.stop();
      proc = await spawn();
    },
    async stop() {
      running.delete(handle);
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(handle);
  return handle;
}

/** Safety net for afterAll: stops whatever a test file left running. */
export async function stopAllHaproxies(): Promise<void> {
  await Promise.all([...running].map((h) => h.stop()));
}
