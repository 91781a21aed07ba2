import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/demo/ports';
import { childServiceEnv } from '../support/child-service';

/**
 * `npm start` under a supervisor (systemd without KillMode=control-group, a container runtime, a CI
 * runner): it signals only the process it started, the top `npm start`. The service and its embedded
 * PostgreSQL must stop with it and leave nothing running.
 */
const root = path.resolve(__dirname, '../../..');

/** pid -> [parent pid, state, command line] of every process, from /proc. */
function processes(): Map<number, { ppid: number; state: string; cmd: string }> {
  const out = new Map<number, { ppid: number; state: string; cmd: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after its last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.set(Number(entry), { ppid: Number(ppid), state, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every process below `pid`, with its command line. */
function descendants(pid: number): Array<{ pid: number; cmd: string }> {
  const all = processes();
  const found: Array<{ pid: number; cmd: string }> = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, p] of all) {
      if (p.ppid === parent) {
        found.push({ pid: child, cmd: p.cmd });
        queue.push(child);
      }
    }
  }
  return found;
}

/** Running: it exists and is not a zombie waiting for a parent that does not reap it. */
const running = (pid: number) => {
  const p = processes().get(pid);
  return p !== undefined && p.state !== 'Z';
};

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

let dataDir: string;
let child: ChildProcess | undefined;
let tree: Array<{ pid: number; cmd: string }> = [];

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-npm-start-'));
  fs.chmodSync(dataDir, 0o777); // PostgreSQL runs as an unprivileged user when the tests run as root
});

afterAll(async () => {
  // Whatever this test started and is still running (only if the assertion below failed): the service first,
  // so that it stops its PostgreSQL, then anything left.
  const left = tree.filter((p) => running(p.pid));
  for (const p of left.filter((x) => x.cmd.includes('dist/main.js'))) {
    process.kill(p.pid, 'SIGTERM');
  }
  await until(() => left.every((p) => !running(p.pid)), 20_000);
  for (const p of left.filter((x) => running(x.pid))) {
    process.kill(p.pid, 'SIGKILL');
  }
  if (child?.exitCode === null) {
    child.kill('SIGKILL');
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a SIGTERM to the top `npm start` stops the service and its embedded PostgreSQL, and nothing is left', async () => {
  const env = childServiceEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
  child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const listening = await until(() => output.includes('HAProxy Control backend listening'), 180_000);
  expect({ listening, output: listening ? '' : output.slice(-2000) }).toEqual({ listening: true, output: '' });

  tree = descendants(child.pid!);
  expect(tree.some((p) => p.cmd.includes('dist/main.js'))).toBe(true);
  expect(tree.some((p) => p.cmd.includes('postgres') && p.cmd.includes(dataDir))).toBe(true);

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const code = await exited;
  await until(() => tree.every((p) => !running(p.pid)), 30_000);
  expect(tree.filter((p) => running(p.pid))).toEqual([]);
  expect(code).toBe(0);
  // The service stopped in order, its PostgreSQL last: nothing lost a connection under it on the way down.
  const signalAt = output.indexOf('"shutting down"');
  const afterSignal = signalAt < 0 ? '' : output.slice(signalAt);
  const complaints = afterSignal
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: string })
    .filter((entry) => entry.level >= 40);
  expect({ shuttingDown: afterSignal.length > 0, complaints }).toEqual({ shuttingDown: true, complaints: [] });
  // PostgreSQL shut down cleanly: it removes its pid file when it does.
  expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
}, 300_000);

/** `node dist/main.js` (built by `npm start` above) on `env`, with what it prints and how it ends. */
function runService(env: NodeJS.ProcessEnv) {
  const proc = spawn('node', ['dist/main.js'], {
    cwd: path.join(root, 'backend'),
    env: childServiceEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  tree.push({ pid: proc.pid!, cmd: 'dist/main.js' });
  return {
    proc,
    exited,
    output: () => output,
    listening: () => until(() => output.includes('backend listening') || proc.exitCode !== null, 120_000),
    /** What it said on stderr and how it ended, for a start that must fail. */
    failure: async () => ({ code: await exited, said: output.replace(/^\{.*\}$/gm, '').trim() }),
  };
}

/** The PostgreSQL processes on `dir`'s data, by the data directory on their command line. */
const postgresOn = (dir: string) =>
  [...processes()].filter(([, p]) => p.state !== 'Z' && p.cmd.includes(`-D ${path.join(dir, 'postgres')} `));

test('a run killed outright leaves its PostgreSQL: the next start stops it and starts; taken data or ports are said plainly', async () => {
  const pgPort = String(await freePort());
  const killed = runService({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
  await killed.listening();
  expect(killed.output()).toContain('backend listening');
  tree.push(...postgresOn(dataDir).map(([pid, p]) => ({ pid, cmd: p.cmd })));
  killed.proc.kill('SIGKILL');
  await killed.exited;
  expect(postgresOn(dataDir).length).toBeGreaterThan(0); // orphaned, still on the data directory

  const service = runService({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
  await service.listening();
  expect(service.output().slice(-2000)).toContain('backend listening');
  tree.push(...postgresOn(dataDir).map(([pid, p]) => ({ pid, cmd: p.cmd })));
  const apiPort = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(service.output())![1];

  // The same data directory, while the service above runs on it.
  const sameData = await runService({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) }).failure();
  expect(sameData.code).toBe(1);
  expect(sameData.said).toMatch(/in use by another running process[\s\S]*DATA_DIR/);

  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-npm-start-other-'));
  fs.chmodSync(otherDir, 0o777);
  try {
    const samePgPort = await runService({ DATA_DIR: otherDir, EMBEDDED_PG_PORT: pgPort }).failure();
    expect(samePgPort.code).toBe(1);
    expect(samePgPort.said).toMatch(/did not start[\s\S]*set EMBEDDED_PG_PORT/);

    const sameApiPort = await runService({
      DATA_DIR: otherDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: apiPort,
    }).failure();
    expect(sameApiPort).toEqual({
      code: 1,
      said: `PORT: 127.0.0.1:${apiPort} is already in use (another instance?): stop it or set PORT.`,
    });
    // It stopped the PostgreSQL it had started, cleanly.
    await until(() => postgresOn(otherDir).length === 0, 10_000);
    expect(postgresOn(otherDir)).toEqual([]);
    expect(fs.existsSync(path.join(otherDir, 'postgres', 'postmaster.pid'))).toBe(false);
  } finally {
    fs.rmSync(otherDir, { recursive: true, force: true });
  }

  service.proc.kill('SIGTERM');
  expect(await service.exited).toBe(0);
  await until(() => postgresOn(dataDir).length === 0, 30_000);
  expect(postgresOn(dataDir)).toEqual([]);
}, 300_000);
