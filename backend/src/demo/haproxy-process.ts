import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runtimeApiExchange } from '../agent/runtime-api';

/** The haproxy binary: HAPROXY_BIN, then PATH, then Debian's /usr/sbin (not on a user's PATH). */
export function findHaproxyBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [
    env.HAPROXY_BIN,
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'haproxy')),
    '/usr/sbin/haproxy',
    '/usr/local/sbin/haproxy',
  ];
  for (const candidate of candidates) {
    if (!candidate) {
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there; next
    }
  }
  return null;
}

export interface HaproxyProcessOptions {
  /** Where the config file is written. */
  configPath: string;
  /** The stats socket path the config declares; used to know when HAProxy is ready. */
  socketPath: string;
  configText: string;
  binary?: string;
  /** How long start and reload may take. */
  readyTimeoutMs?: number;
}

/**
 * One HAProxy process run in the foreground (`-db`) as our child, so it dies with `stop()` and
 * its config errors reach us. Reload is HAProxy's classic `-sf`: a new process takes over and
 * the old one finishes; runtime state (drain, maint set by commands) is lost, as in production.
 */
export class HaproxyProcess {
  private constructor(
    private readonly options: Required<HaproxyProcessOptions>,
    private current: Spawned
  ) {}

  static async start(options: HaproxyProcessOptions): Promise<HaproxyProcess> {
    const full: Required<HaproxyProcessOptions> = {
      ...options,
      binary: options.binary ?? findHaproxyBinary() ?? 'haproxy',
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    };
    writeFileSync(full.configPath, full.configText);
    const spawned = spawnHaproxy(full, []);
    await waitReady(spawned, full);
    return new HaproxyProcess(full, spawned);
  }

  get pid(): number {
    return this.current.child.pid ?? -1;
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  get configPath(): string {
    return this.options.configPath;
  }

  /** Sends one runtime-API command and returns HAProxy's reply. */
  runtime(command: string, timeoutMs = 2000): Promise<string> {
    return runtimeApiExchange({ kind: 'unix', path: this.options.socketPath }, command, timeoutMs);
  }

  /** Writes the new config (if given) and replaces the process with `-sf`; resolves when the old one is gone. */
  async reload(configText?: string): Promise<void> {
    if (configText !== undefined) {
      writeFileSync(this.options.configPath, configText);
    }
    const old = this.current.child;
    const next = spawnHaproxy(this.options, ['-sf', String(old.pid)]);
    await waitReady(next, this.options);
    this.current = next;
    await waitExit(old, this.options.readyTimeoutMs).catch(() => stopChild(old));
  }

  /** Hard stop (SIGTERM), then SIGKILL if it lingers. Safe to call twice. */
  stop(): Promise<void> {
    return stopChild(this.current.child);
  }
}

interface Spawned {
  child: ChildProcess;
  /** The tail of stderr: where HAProxy writes why it would not start. */
  stderr(): string;
}

function spawnHaproxy(options: Required<HaproxyProcessOptions>, extraArgs: string[]): Spawned {
  const child = spawn(options.binary, ['-db', '-f', options.configPath, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    tail = (tail + text).slice(-8000);
  });
  child.on('error', (err) => {
    tail += `\n${err.message}`; // e.g. ENOENT: reported by waitReady once it sees the exit
  });
  return { child, stderr: () => tail.trim() };
}

/** Ready means the stats socket answers and this process (not the one it replaces) is answering. */
async function waitReady(spawned: Spawned, options: Required<HaproxyProcessOptions>): Promise<void> {
  const { child } = spawned;
  const deadline = Date.now() + options.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || (child.pid === undefined && spawned.stderr() !== '')) {
      throw new Error(
        `haproxy exited during start (${child.exitCode ?? child.signalCode ?? 'spawn failed'}):\n${spawned.stderr()}`
      );
    }
    try {
      const info = await runtimeApiExchange({ kind: 'unix', path: options.socketPath }, 'show info', 500);
      if (new RegExp(`^Pid: ${child.pid}$`, 'm').test(info)) {
        return;
      }
    } catch {
      // socket not there yet
    }
    await sleep(50);
  }
  await stopChild(child);
  throw new Error(`haproxy did not become ready within ${options.readyTimeoutMs} ms:\n${spawned.stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return;
  }
  child.kill('SIGTERM');
  try {
    await waitExit(child, 3000);
  } catch {
    child.kill('SIGKILL');
    await waitExit(child, 3000).catch(() => undefined);
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms`)),
      timeoutMs
    );
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
