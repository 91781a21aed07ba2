import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { AppConfig } from '../../src/config';
import { createTestDatabase, TestDatabase } from './db';
import { FakeFagent, FakeFagentOptions } from './fake-fagent';

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

/**
 * For a test file of replicas on one database: the database and a fake agent, made before its tests; at the end
 * every replica and service it was given to `stopAtEnd` is stopped (last first), then the agent and the database.
 */
export function useSharedDatabase(agentOptions: FakeFagentOptions = {}) {
  const s = {
    db: undefined as unknown as TestDatabase,
    agent: undefined as unknown as FakeFagent,
    running: [] as Array<{ stop(): Promise<void> }>,
    stopAtEnd<T extends { stop(): Promise<void> }>(x: T): T {
      s.running.push(x);
      return x;
    },
  };
  beforeAll(async () => {
    s.db = await createTestDatabase();
    s.agent = await new FakeFagent(agentOptions).start();
  });
  afterAll(async () => {
    for (const r of s.running.splice(0).reverse()) {
      await r.stop();
    }
    await s.agent?.stop();
    await s.db?.drop();
  });
  return s;
}
