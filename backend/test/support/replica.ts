import type { AppConfig } from '../../src/config';
import { ReplicaProcess, startReplicaProcess } from '../../src/replica-process';
import { createTestDatabase, TestDatabase } from './db';
import { FakeFagent, FakeFagentOptions } from './fake-fagent';

/** A backend replica in a child process (src/replica-process.ts), on a database another service uses. */
export type Replica = ReplicaProcess;

export function startReplica(databaseUrl: string, overrides: Partial<AppConfig> = {}): Promise<Replica> {
  return startReplicaProcess(databaseUrl, { logLevel: 'silent', requestTimeoutMs: 2000, ...overrides });
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
