import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { AppConfig } from '../../src/config';

/** A backend replica in a child process (child-replica.ts), on a database another service uses. */
export interface Replica {
  process: ChildProcess;
  url: string;
  /** Asks it to stop (killed after 20 s); nothing to do when it has exited or was killed. */
  stop(): Promise<void>;
}

const BACKEND_DIR = path.resolve(__dirname, '../..');

export async function startReplica(databaseUrl: string, overrides: Partial<AppConfig> = {}): Promise<Replica> {
  const p = fork(path.join(__dirname, 'child-replica.ts'), [databaseUrl, JSON.stringify(overrides)], {
    cwd: BACKEND_DIR,
    execArgv: ['-r', './test/support/ts-register.js'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    p.once('message', (m) => resolve((m as { url: string }).url));
    p.once('exit', (code) => reject(new Error(`child-replica exited (${code}) before it was ready`)));
  });
  return {
    process: p,
    url,
    async stop() {
      if (p.exitCode !== null || p.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.send('exit');
      const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
